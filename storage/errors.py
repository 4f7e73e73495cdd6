"""Storage errors, under one root, importable without loading SQLAlchemy (the command line
catches them). Each message says what to do."""


class StorageError(RuntimeError):
    """Root of the storage layer's errors."""


class SchemaError(StorageError):
    """The database schema does not match what this govreports knows."""


class ArchiveDamaged(StorageError, ValueError):
    """An archived file whose bytes no longer match the sha256 it is named by."""


class DocumentNotFound(StorageError, LookupError):
    """A document id (from a parse queue) that the database does not hold: the queue was filled
    from another database, or the document was deleted."""


class StoreConflict(StorageError):
    """A write that kept meeting other writers' changes to the same rows and gave up; running the
    same command again takes it up where it stopped."""


class BadRoleName(StorageError, ValueError):
    """A database role name that is not a plain lower-case SQL identifier."""


class DatabaseUnreachable(StorageError):
    """No connection could be made: the server, the URL (password masked) and what to check."""


class QueryError(StorageError):
    """`govreports query` could not run the statement (an SQL error, one line)."""


class QueryRefused(QueryError):
    """The statement would write, or do something other than read, or the role could write."""


class QueryTimeout(QueryError):
    """The statement ran longer than its time limit and was stopped."""
