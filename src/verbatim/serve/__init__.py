"""`verbatim serve`: a warm assistant behind a Unix socket, and the client `verbatim ask` tries
first."""
