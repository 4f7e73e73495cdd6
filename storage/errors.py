"""Storage errors, importable without loading SQLAlchemy (the command line catches them)."""


class SchemaError(RuntimeError):
    """The database schema does not match what this govreports knows."""
