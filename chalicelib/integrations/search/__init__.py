"""Search engines behind one interface (`base.SearchEngine`): Weaviate on AWS (`weaviate.py`, the client imported
only when used: it costs ~1 s), the embedded SQLite FTS5 engine locally and in tests (`local.py`)."""
