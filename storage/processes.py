"""Worker processes that die with the process that started them, and a hard time bound per document.

A pool's workers (concurrent.futures) wait for work on a pipe that they themselves hold open, so a
SIGKILL of the parent (the OOM killer, an operator, a scheduler's timeout) leaves them waiting for
ever — and with them the forkserver, and the caller's stdout they inherited. Each worker therefore
watches the process that owns its pool (a pidfd on Linux) and ends itself when that one is gone.

The time bound is the last resort behind the parser's own limits: a document still being read
after it ends its worker with SIGKILL, which the pool sees as a dead worker (crawler.pool and
storage.ingest recover from that and name the document).
"""
from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time

DOC_TIME_LIMIT = 300.0  # seconds a worker may spend on one document, behind the parser's own limits


def process_alive(pid: int) -> bool:
    """Whether process `pid` of this machine runs (someone else's counts: it does)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _end_when_gone(pid: int) -> None:
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfd (old kernel, not Linux): look every half second
        fd = None
    if fd is not None:
        select.select([fd], [], [])  # readable once the process has exited
    else:
        while process_alive(pid):
            time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGKILL)


def die_with(pid: int) -> None:
    """End this process (SIGKILL) as soon as process `pid` has ended; at once if it has already."""
    if not process_alive(pid):
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(target=_end_when_gone, args=(pid,), name="die-with-parent", daemon=True).start()


@contextlib.contextmanager
def time_bound(seconds: float | None):
    """Run the block with a hard bound: past `seconds`, this process is killed (SIGKILL).
    Only for worker processes; None or 0: no bound."""
    if not seconds:
        yield
        return
    timer = threading.Timer(seconds, os.kill, args=(os.getpid(), signal.SIGKILL))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
