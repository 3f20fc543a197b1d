"""Domain operations. Every rule lives here once; HTTP routes, socket handlers and the CLI call these."""
