"""Everything that persists: the archive on disk, the SQLite workspace and the vector index."""
