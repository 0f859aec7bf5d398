"""The corpus in the database: documents, their revisions and the index versions they make."""
