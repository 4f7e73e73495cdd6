"""Content-addressed archive of raw document bytes, so every report can be parsed again."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def default_archive_root(db_url: str) -> Path:
    """The archive of a database whose caller names none (--archive, $GOVREPORTS_ARCHIVE):
    `archive/` beside a SQLite file, else `./archive`."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "archive"
    return Path("archive").resolve()


class Archive:
    """Files named by the sha256 of their bytes: ab/cd/abcd....  Writing is atomic and idempotent,
    so several workers may store the same document at once."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        sha = sha256_of(data)
        path = self.path_for(sha)
        if path.exists():
            return sha
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)  # atomic: readers never see a partial file
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return sha

    def get(self, sha256: str) -> bytes:
        path = self.path_for(sha256)
        data = path.read_bytes()
        if sha256_of(data) != sha256:  # a corrupted archive must not be parsed silently
            from .errors import ArchiveDamaged

            raise ArchiveDamaged(f"archive file {path} does not match its hash: the archive is damaged; restore "
                                 "the file from a backup, or delete it and crawl or ingest the document again")
        return data

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()
