"""`tracker ask`: retrieval over the archive, claims and ledger, and answers with checked
citations."""
