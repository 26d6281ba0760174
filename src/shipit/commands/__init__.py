"""One module per top-level command: the CLI parses options and calls one function here."""
