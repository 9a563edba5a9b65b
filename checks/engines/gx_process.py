"""The client end of the GX judge (checks/engines/gx_judge.py), importing nothing but the
standard library: `warm_up()` is the first thing a run calls, before Prefect, so that the judge
starts importing Great Expectations ~1.5 s earlier, on the other core."""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import tempfile
import threading
from multiprocessing.connection import Connection


class JudgeError(RuntimeError):
    """The judge could not answer: it raised (its traceback follows) or it died."""


class Judge:
    """The client end of one gx_judge child process."""

    def __init__(self) -> None:
        request_read, self._request_write = os.pipe()
        self._reply_read, reply_write = os.pipe()
        # Its stderr goes to a file, read back only when it dies: GX's warnings are not the
        # run's log, and a pipe nobody reads could fill and stall it.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "checks.engines.gx_judge", str(request_read), str(reply_write)],
            pass_fds=(request_read, reply_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        os.close(request_read)
        os.close(reply_write)
        self._requests = Connection(self._request_write, readable=False)
        self._replies = Connection(self._reply_read, writable=False)
        self._lock = threading.Lock()
        self._sent = self._received = 0
        self._unclaimed: dict[int, tuple[str, object]] = {}

    def submit(self, *request: object) -> int:
        """Send a request without waiting; returns the ticket `answer` takes. Requests are
        small (reductions, not tables), so sending never blocks on a full pipe."""
        with self._lock:
            try:
                self._requests.send(request)
            except OSError as exc:
                raise JudgeError(f"the GX judge died: {exc!r}; {self.stderr_tail()}") from exc
            self._sent += 1
            return self._sent

    def answer(self, ticket: int) -> object:
        """The reply to `ticket` (replies come in request order; earlier ones are kept)."""
        with self._lock:
            while self._received < ticket:
                try:
                    reply = self._replies.recv()
                except (EOFError, OSError) as exc:
                    raise JudgeError(f"the GX judge died: {exc!r}; {self.stderr_tail()}") from exc
                self._received += 1
                self._unclaimed[self._received] = reply
            status, answer = self._unclaimed.pop(ticket)
        if status == "error":
            raise JudgeError(f"the GX judge raised:\n{answer}")
        return answer

    def ask(self, *request: object) -> object:
        return self.answer(self.submit(*request))

    def wait_ready(self) -> None:
        """Block until the judge has imported GX (benchmarks time that apart)."""
        self.ask("ready")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stderr_tail(self, limit: int = 2000) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")[-limit:]

    def close(self) -> None:
        """Close the request pipe (the judge exits) and reap it."""
        self._requests.close()
        self._replies.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stderr.close()


_judge: Judge | None = None
_judge_lock = threading.Lock()


def warm_up() -> Judge:
    """This process's judge, started now if it is not running: call it as early as possible
    (the CLI does, before importing Prefect), so that GX is imported by the time a run
    needs it. One judge serves every validate run of the process."""
    global _judge
    with _judge_lock:
        if _judge is None or not _judge.alive():
            _judge = Judge()
            atexit.register(_judge.close)
        return _judge
