"""Storage errors, under one root, importable without loading SQLAlchemy (the command line
catches them). Each message says what to do."""


class StorageError(RuntimeError):
    """Root of the storage layer's errors."""


class SchemaError(StorageError):
    """The database schema does not match what this govreports knows."""


class ArchiveDamaged(StorageError, ValueError):
    """An archived file whose bytes no longer match the sha256 it is named by."""


class DatabaseUnreachable(StorageError):
    """No connection could be made: the server, the URL (password masked) and what to check."""


class QueryError(StorageError):
    """`govreports query` could not run the statement (an SQL error, one line)."""


class QueryRefused(QueryError):
    """The statement would write, or do something other than read, or the role could write."""


class QueryTimeout(QueryError):
    """The statement ran longer than its time limit and was stopped."""
