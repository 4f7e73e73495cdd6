"""The current version of a body-year (is_latest) when two writers of its report_key run at once
on PostgreSQL: a reparse of one version and the insert of another, each in its own transaction on
its own real connection. Each writer's refresh of is_latest reads the versions its statement can
see; without a lock on the report_key, the insert's refresh chose among the versions as they were
before the reparse committed, and a worse version stayed current."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from storage.store import RawDocument, store
from test_storage import _reading, db_url, engine, pg_database  # noqa: F401  (the databases of both backends)


def _waiting(engine, n: int, errors: list, timeout: float = 20.0) -> None:
    """Until `n` other sessions of this database wait for a lock."""
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline and not errors:
            waiting = conn.execute(text(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'")).scalar()
            conn.rollback()  # pg_stat_activity is read once per transaction: a new one each time
            if waiting >= n:
                return
            time.sleep(0.02)
    with engine.connect() as conn:
        seen = conn.execute(text("SELECT state, wait_event_type, wait_event, left(query, 80) FROM pg_stat_activity "
                                 "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all()
    raise AssertionError(f"{n} writers never waited for a lock; errors: {errors}; sessions: {seen}")


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_reparse_and_an_insert_of_one_report_key_leave_the_best_version_current(engine):
    old_page = RawDocument(b"the page, first read badly", url="http://a.gov.cn/1.html")
    store(engine, old_page, _reading("needs_review", flagged=2, failed=1))  # version 1, read badly
    with engine.connect() as conn:
        first_id = conn.execute(text("SELECT id FROM report_versions")).scalar()

    holder = engine.connect()  # holds version 1's row: both writers line up behind it
    holder_tx = holder.begin()
    holder.execute(text("SELECT id FROM report_versions WHERE id = :id FOR UPDATE"), {"id": first_id})
    errors: list[BaseException] = []

    def run(fn):
        def target():
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
        t = threading.Thread(target=target, daemon=True)
        t.start()
        return t

    # The reparse: version 1 read again, exactly now (ok).  The insert: a reprint elsewhere, better
    # than the first reading, worse than the reparse.
    try:
        reparse = run(lambda: store(engine, old_page, _reading("ok")))
        _waiting(engine, 1, errors)
        insert = run(lambda: store(engine, RawDocument(b"a reprint", url="http://b.gov.cn/2.html"),
                                   _reading("needs_review", flagged=1)))
        _waiting(engine, 2, errors)
    finally:  # whatever happened, the writers are let go
        holder_tx.commit()
        holder.close()
    reparse.join(30)
    insert.join(30)
    assert not errors, errors
    assert not reparse.is_alive() and not insert.is_alive()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, status, is_latest FROM report_versions ORDER BY id")).all()
    assert len(rows) == 2 and [r.status for r in rows] == ["ok", "needs_review"]
    assert [r.is_latest for r in rows] == [True, False], rows  # the reparse, read exactly, is current
