"""The workspace database schema, as numbered migrations.

Released migrations are never edited: a schema change is a new `mNNN_` function. Each runs in its
own transaction together with the record that it ran (sqlite-utils `Migrations`), so a crash can
never leave a half-migrated database.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("tracker")

_M001 = [
    # One row per source id. `sha256` is the content hash tracker last finished; `status` is
    # tracker's own view (processed | null-result | failed | duplicate), not the file's.
    """CREATE TABLE sources (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        title TEXT,
        date TEXT,
        date_sort TEXT,
        format TEXT,
        frontmatter TEXT,
        status TEXT NOT NULL,
        duplicate_of TEXT,
        error TEXT,
        claims_extracted TEXT,
        extraction_model TEXT,
        extraction_notes TEXT,
        processed_at TEXT,
        written_back INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX sources_sha256 ON sources(sha256)",
    """CREATE TABLE chunks (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        ordinal INTEGER NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL
    )""",
    "CREATE INDEX chunks_source ON chunks(source)",
    """CREATE TABLE model_calls (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        prompt_name TEXT NOT NULL,
        prompt_hash TEXT NOT NULL,
        model TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        raw_reply TEXT,
        error TEXT,
        input_tokens INTEGER,
        output_tokens INTEGER,
        latency_ms REAL,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX model_calls_source ON model_calls(source)",
    """CREATE TABLE claims (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        call INTEGER,
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        confidence TEXT NOT NULL,
        domain TEXT NOT NULL,
        quotes TEXT NOT NULL,
        model TEXT NOT NULL,
        created_at TEXT NOT NULL,
        superseded_at TEXT
    )""",
    "CREATE INDEX claims_source ON claims(source)",
    """CREATE TABLE claim_beliefs (
        claim TEXT NOT NULL,
        belief TEXT NOT NULL,
        stance TEXT NOT NULL,
        rationale TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (claim, belief)
    )""",
    # Further evidence for an accepted claim, found when another proposal repeated it.
    """CREATE TABLE claim_evidence (
        id INTEGER PRIMARY KEY,
        claim TEXT NOT NULL,
        source TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        quote TEXT NOT NULL,
        at TEXT NOT NULL,
        superseded_at TEXT
    )""",
    """CREATE TABLE rejections (
        id INTEGER PRIMARY KEY,
        call INTEGER,
        source TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        claim_title TEXT,
        proposed TEXT,
        reasons TEXT NOT NULL,
        model TEXT NOT NULL,
        duplicate_of TEXT,
        at TEXT NOT NULL,
        superseded_at TEXT
    )""",
    "CREATE INDEX rejections_source ON rejections(source)",
    # The ledger. Append-only: the triggers below refuse deletes and any edit other than
    # marking a live event superseded.
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        belief TEXT NOT NULL,
        claim TEXT NOT NULL,
        source TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        stance TEXT NOT NULL,
        confidence TEXT NOT NULL,
        source_format TEXT,
        raw_weight REAL NOT NULL,
        weight REAL NOT NULL,
        credence_before REAL NOT NULL,
        credence_after REAL NOT NULL,
        note TEXT,
        at TEXT NOT NULL,
        superseded_at TEXT,
        superseded_by TEXT
    )""",
    "CREATE INDEX events_belief ON events(belief)",
    "CREATE INDEX events_source ON events(source)",
    """CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'the evidence ledger is append-only'); END""",
    """CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
       WHEN OLD.superseded_at IS NOT NULL
         OR NEW.belief IS NOT OLD.belief OR NEW.claim IS NOT OLD.claim
         OR NEW.source IS NOT OLD.source OR NEW.sha256 IS NOT OLD.sha256
         OR NEW.stance IS NOT OLD.stance OR NEW.weight IS NOT OLD.weight
         OR NEW.raw_weight IS NOT OLD.raw_weight OR NEW.at IS NOT OLD.at
         OR NEW.credence_before IS NOT OLD.credence_before
         OR NEW.credence_after IS NOT OLD.credence_after OR NEW.note IS NOT OLD.note
       BEGIN SELECT RAISE(ABORT, 'the evidence ledger is append-only'); END""",
    # Current credence per belief, derived from live events; `tracker replay --check` recomputes.
    """CREATE TABLE credences (
        belief TEXT PRIMARY KEY,
        prior REAL NOT NULL,
        credence REAL NOT NULL,
        updated_at TEXT NOT NULL
    )""",
]


@migrations()
def m001_initial(db: Database) -> None:
    """Sources, chunks, model calls, claims, rejections, the event ledger and credences."""
    for statement in _M001:
        db.execute(statement)


@migrations()
def m002_model_call_costs(db: Database) -> None:
    """What each model call cost, whether it came from the reply cache, and the reply cache.

    `messages_sha256` identifies the exact messages a call sent (what `replay:FILE` looks replies
    up by); the cache is keyed by model spec and those messages, so a re-run with a changed
    validator, or after an interrupted batch, asks the provider nothing it already answered.
    Cache rows are written as soon as a reply arrives, outside the source's transaction, so an
    interrupted batch keeps the replies it paid for.
    """
    for column, kind in (("messages_sha256", "TEXT"), ("cached", "INTEGER"), ("cost_usd", "REAL")):
        db.execute(f"ALTER TABLE model_calls ADD COLUMN {column} {kind}")
    db.execute(
        """CREATE TABLE reply_cache (
            key TEXT PRIMARY KEY,
            model TEXT NOT NULL,
            messages_sha256 TEXT NOT NULL,
            reply TEXT NOT NULL,
            input_tokens INTEGER,
            output_tokens INTEGER,
            at TEXT NOT NULL
        )"""
    )


_M003_LEVEL_THRESHOLDS = (("axiom", 0.85), ("belief", 0.6), ("hypothesis", 0.4))


@migrations()
def m003_level_changes(db: Database) -> None:
    """Level changes (axiom / belief / hypothesis / unconvinced) as append-only events.

    A crossing is recorded in the same transaction as the credence change that caused it. For a
    workspace made before this migration, crossings are backfilled from the ledger's recorded
    credence before and after each event, in ledger order, with the thresholds as they were when
    this migration was released (a frozen copy: a migration must not change with the app's code).
    """

    def level_for(value: float) -> str:
        for level, threshold in _M003_LEVEL_THRESHOLDS:
            if value >= threshold:
                return level
        return "unconvinced"

    db.execute(
        """CREATE TABLE level_changes (
            id INTEGER PRIMARY KEY,
            belief TEXT NOT NULL,
            level_before TEXT NOT NULL,
            level_after TEXT NOT NULL,
            credence_before REAL NOT NULL,
            credence_after REAL NOT NULL,
            source TEXT,
            at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX level_changes_belief ON level_changes(belief)")
    for verb in ("DELETE", "UPDATE"):
        db.execute(
            f"""CREATE TRIGGER level_changes_append_only_{verb.lower()} BEFORE {verb}
               ON level_changes
               BEGIN SELECT RAISE(ABORT, 'level changes are append-only'); END"""
        )
    rows = db.execute(
        "SELECT belief, credence_before, credence_after, source, at FROM events ORDER BY id"
    ).fetchall()
    for belief, before, after, source, at in rows:
        if level_for(before) != level_for(after):
            db.execute(
                "INSERT INTO level_changes (belief, level_before, level_after, credence_before, "
                "credence_after, source, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [belief, level_for(before), level_for(after), before, after, source, at],
            )


@migrations()
def m004_full_text_search(db: Database) -> None:
    """FTS5 indexes over source chunks and accepted claims, kept in sync by triggers.

    `tracker ask` merges keyword hits from these with vector hits from Chroma. Chunks were only
    in Chroma before; for an existing workspace they are rebuilt here from the source files whose
    content still has the recorded hash (the same pure chunking, so the ids match Chroma's); a
    changed or missing file is left for the next `tracker process`.
    """
    from store.archive import SourceReadError, read_source
    from store.chunking import chunk_text

    for table, columns in (("chunks", "text"), ("claims", "title, description")):
        cols = [c.strip() for c in columns.split(",")]
        db.execute(
            f"CREATE VIRTUAL TABLE {table}_fts USING fts5({columns}, content='{table}', "
            "content_rowid='rowid', tokenize='porter unicode61')"
        )
        new = ", ".join(f"new.{c}" for c in cols)
        old = ", ".join(f"old.{c}" for c in cols)
        db.execute(
            f"CREATE TRIGGER {table}_fts_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {table}_fts(rowid, {columns}) VALUES (new.rowid, {new}); END"
        )
        db.execute(
            f"CREATE TRIGGER {table}_fts_delete AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {table}_fts({table}_fts, rowid, {columns}) "
            f"VALUES ('delete', old.rowid, {old}); END"
        )
        db.execute(
            f"CREATE TRIGGER {table}_fts_update AFTER UPDATE ON {table} BEGIN "
            f"INSERT INTO {table}_fts({table}_fts, rowid, {columns}) "
            f"VALUES ('delete', old.rowid, {old}); "
            f"INSERT INTO {table}_fts(rowid, {columns}) VALUES (new.rowid, {new}); END"
        )
    sources = db.execute("SELECT id, path, sha256 FROM sources WHERE status != 'duplicate'")
    for source_id, path, sha256 in sources.fetchall():
        if db.execute("SELECT 1 FROM chunks WHERE source = ?", [source_id]).fetchone():
            continue
        try:
            source = read_source(path, source_id)
        except SourceReadError:
            continue
        if source.content_hash != sha256:
            continue
        for chunk in chunk_text(source.body):
            db.execute(
                'INSERT INTO chunks (id, source, sha256, ordinal, start, "end", text) '
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    f"{source_id}#{sha256[:12]}#{chunk.ordinal}",
                    source_id,
                    sha256,
                    chunk.ordinal,
                    chunk.start,
                    chunk.end,
                    chunk.text,
                ],
            )
    db.execute("INSERT INTO claims_fts(claims_fts) VALUES ('rebuild')")


@migrations()
def m005_archive_present(db: Database) -> None:
    """What tracker needs to keep the ledger equal to the archive as it is now.

    - `sources.abspath`: the resolved path a source id belongs to, so ids never shift when new
      files with the same stem appear (backfilled from `path`, made absolute);
    - `sources.signature`: the MinHash signature of the content, to find near-copies;
    - `sources.written`: the lifecycle values tracker last wrote into the file (JSON), so a value
      a curator set is told apart from one tracker set;
    - `sources.view_sha256`: the register view the source was judged against; a source is judged
      again when the beliefs it is shown change;
    - `registers`: every register the workspace was built with (a snapshot), the last one in force;
    - `workspace`: facts about the workspace itself (its id, which an export manifest names).
    """
    import os
    import uuid

    for column, kind in (
        ("abspath", "TEXT"),
        ("signature", "BLOB"),
        ("written", "TEXT"),
        ("view_sha256", "TEXT"),
    ):
        db.execute(f"ALTER TABLE sources ADD COLUMN {column} {kind}")
    db.execute("CREATE INDEX sources_abspath ON sources(abspath)")
    for source_id, path in db.execute("SELECT id, path FROM sources").fetchall():
        db.execute(
            "UPDATE sources SET abspath = ? WHERE id = ?", [os.path.realpath(path), source_id]
        )
    db.execute(
        """CREATE TABLE registers (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL,
            origin TEXT NOT NULL,
            path TEXT,
            snapshot TEXT NOT NULL,
            at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE TABLE workspace (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO workspace (key, value) VALUES ('id', ?)", [uuid.uuid4().hex])


@migrations()
def m006_source_versions(db: Database) -> None:
    """The source's own time per source version: (source id, content sha256) -> title and date.

    The ledger is append-only, so an event cannot be given a date column after the fact; instead
    events join this table on (source, sha256), the version they were computed from, and a
    changed source's superseded events keep the date of the version they came from. `date` is
    as the source wrote it, `date_sort` the same as YYYY-MM-DD with partial dates as their first
    day (NULL when undated). Triggers on `sources` record a version whenever tracker records a
    source, whatever code path wrote the row; the backfill records the current version of every
    source (older versions of changed sources were never kept, so their events read undated).
    """
    db.execute(
        """CREATE TABLE source_versions (
            source TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            title TEXT,
            date TEXT,
            date_sort TEXT,
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (source, sha256)
        )"""
    )
    record = (
        "INSERT INTO source_versions (source, sha256, title, date, date_sort, recorded_at) "
        "VALUES (new.id, new.sha256, new.title, new.date, new.date_sort, "
        "COALESCE(new.processed_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))) "
        "ON CONFLICT (source, sha256) DO UPDATE SET title = excluded.title, "
        "date = excluded.date, date_sort = excluded.date_sort"
    )
    db.execute(f"CREATE TRIGGER sources_version_insert AFTER INSERT ON sources BEGIN {record}; END")
    db.execute(
        "CREATE TRIGGER sources_version_update AFTER UPDATE OF sha256, title, date, date_sort "
        f"ON sources BEGIN {record}; END"
    )
    db.execute(
        "INSERT INTO source_versions (source, sha256, title, date, date_sort, recorded_at) "
        "SELECT id, sha256, title, date, date_sort, "
        "COALESCE(processed_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) FROM sources "
        "WHERE true ON CONFLICT (source, sha256) DO NOTHING"
    )


@migrations()
def m008_source_roots(db: Database) -> None:
    """`sources.root`: the resolved archive root a source was found under, or NULL.

    Write-back is confined to the archive roots given on the command line. `revalidate --apply`
    writes back without a command line of roots, so it confines each file to the root recorded
    here; a NULL root (a row from before, or a file read through a link outside the roots) allows
    a write only where no link is on the file's path at all.
    """
    db.execute("ALTER TABLE sources ADD COLUMN root TEXT")


@migrations()
def m010_known_claims(db: Database) -> None:
    """Claim notes the knowledge base already holds (`process --claims DIR`, or a collective's
    `claims:`): a proposed claim that restates one is further evidence for that note, not a new
    claim. Rebuilt from the notes on every run that names them."""
    db.execute(
        """CREATE TABLE known_claims (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            description TEXT,
            domain TEXT,
            confidence TEXT,
            path TEXT NOT NULL
        )"""
    )


@migrations()
def m011_call_sampling(db: Database) -> None:
    """`model_calls.sampling`: the sampling each call sent (JSON: temperature, max_tokens and the
    seed where the provider takes one), so an auditor can tell a reply sampled at temperature 0
    from one left to a server's defaults. NULL for offline and replay calls and older rows."""
    db.execute("ALTER TABLE model_calls ADD COLUMN sampling TEXT")


@migrations()
def m012_snapped_quotes(db: Database) -> None:
    """What a snapped evidence quote was before it was snapped (`agent.text.quote_snap`).

    The stored quote is always the verbatim span of the source; `claims.snapped_from` is a JSON
    list beside `claims.quotes` (the model's wording of each quote, or null where it was
    verbatim; NULL for rows from before), and `claim_evidence.snapped_from` the same for one
    quote of a repeated claim."""
    db.execute("ALTER TABLE claims ADD COLUMN snapped_from TEXT")
    db.execute("ALTER TABLE claim_evidence ADD COLUMN snapped_from TEXT")


@migrations()
def m014_text_vectors(db: Database) -> None:
    """Vectors of the register's belief texts, by embedding model and text hash.

    The offline model compares every candidate sentence with every belief; a register of 1,000
    beliefs is 2,000 texts to embed, which would dominate a cron run of a few sources. Kept here,
    each belief text is embedded once per workspace (an edited belief once more), not once per run.
    """
    db.execute(
        """CREATE TABLE text_vectors (
            model TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (model, sha256)
        )"""
    )
