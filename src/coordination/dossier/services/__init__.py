"""Domain services of the shared file. They flush; the HTTP handler commits (with the journal row)."""
