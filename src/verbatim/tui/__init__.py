"""The chat app (Textual). Imported only by `verbatim chat`, so other commands stay quick."""
