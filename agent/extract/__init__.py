"""Extraction: rendering the prompt, parsing replies, validating claims, landing one source, and
the `tracker process` pipeline that runs them over an archive."""
