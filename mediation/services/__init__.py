"""Business actions. Each takes the acting user explicitly, flushes, and never commits:
the caller (a view, a CLI command) commits once, so a change and its audit event share a
transaction."""
