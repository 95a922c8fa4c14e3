"""Command-line entry points: the staff tool, the database maintenance and the outbox worker."""
