"""One run at a time per curated directory: an exclusive flock on `<curated>/.pipeline.lock`.

Two runs that interleave on the same warehouse could each load half of a corpus, or one could
publish while the other loads. The lock is a kernel `flock`, so it is released the moment the
holding process exits, however it exits (kill -9 included): no stale-lock clean-up is needed.
The holder writes who it is into the file, only so that a waiting run can say whom it waits for.

Caveat: a child created with a bare fork() shares the lock; Prefect's subprocesses and Dask's
workers are started with exec (spawn/forkserver), which do not inherit it.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

LOCK_FILE_NAME = ".pipeline.lock"
POLL_SECONDS = 0.1  # how often a waiting run retries; short, as a run takes seconds


@dataclass(frozen=True)
class LockHolder:
    """Who holds the pipeline lock, as written into the lock file."""

    pid: int
    host: str
    started_at: str
    run_id: str | None
    command: str

    def describe(self) -> str:
        run = f", run {self.run_id}" if self.run_id else ""
        return f"pid {self.pid} on {self.host}{run}, started at {self.started_at} ({self.command})"


class PipelineBusy(RuntimeError):
    """Another run holds the pipeline lock on this curated directory for longer than we wait."""

    def __init__(self, lock_path: Path, holder: LockHolder | None, waited_seconds: float) -> None:
        self.lock_path = lock_path
        self.holder = holder
        self.waited_seconds = waited_seconds
        who = holder.describe() if holder else "an unknown process (no holder recorded yet)"
        super().__init__(
            f"another factledger run holds {lock_path}: {who}; "
            f"gave up after waiting {waited_seconds:.0f} s"
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Prefect pickles a failed run's exception; the default would call __init__(message).
        return (PipelineBusy, (self.lock_path, self.holder, self.waited_seconds))


def lock_path_for(curated_dir: Path) -> Path:
    return Path(curated_dir) / LOCK_FILE_NAME


def read_holder(lock_path: Path) -> LockHolder | None:
    """The holder recorded in the lock file; None if absent or half-written."""
    try:
        return LockHolder(**json.loads(lock_path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _record_holder(fd: int, path: Path, run_id: str | None) -> LockHolder:
    holder = LockHolder(
        pid=os.getpid(),
        host=socket.gethostname(),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        run_id=run_id,
        command=" ".join(sys.argv)[:200],
    )
    # Rewritten in place (never unlinked): deleting a flock'ed file would let a third process
    # lock a new inode while the second still holds the old one.
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(holder)).encode(), 0)
    except OSError as exc:  # a full disk: say which file could not be written
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    return holder


@contextmanager
def pipeline_lock(
    curated_dir: Path,
    wait_seconds: float,
    *,
    run_id: str | None = None,
    on_wait: Callable[[LockHolder | None], None] | None = None,
) -> Iterator[LockHolder]:
    """Hold the pipeline lock of `curated_dir` for the duration of the block.

    Waits up to `wait_seconds` (0: do not wait) for a run that holds it, then raises
    PipelineBusy naming the holder. `on_wait` is called once, with the holder, if we must
    wait (the flow logs it). Yields what this run recorded as the holder.
    """
    path = lock_path_for(curated_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        started = time.monotonic()
        if not _try_flock(fd):
            if on_wait is not None:
                on_wait(read_holder(path))
            while not _try_flock(fd):
                waited = time.monotonic() - started
                if waited >= wait_seconds:
                    raise PipelineBusy(path, read_holder(path), waited)
                time.sleep(min(POLL_SECONDS, max(wait_seconds - waited, 0.0)))
        holder = _record_holder(fd, path, run_id)
        try:
            yield holder
        finally:
            os.ftruncate(fd, 0)  # no stale holder for the next reader; the close unlocks
    finally:
        os.close(fd)  # closing the only descriptor releases the flock
