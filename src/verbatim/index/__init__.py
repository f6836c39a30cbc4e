"""The index: passages stored (SQLite), embedded (FAISS) and searchable by terms (BM25), kept in
step with the corpus by incremental, atomic updates."""
