"""Storage errors, under one root, importable without loading SQLAlchemy (the command line
catches them). Each message says what to do."""


class StorageError(RuntimeError):
    """Root of the storage layer's errors."""


class SchemaError(StorageError):
    """The database schema does not match what this govreports knows."""
