"""A Prefect server for a run that has no Prefect API configured, which dies with the run.

Prefect's documented `prefect server start`, on a free loopback port, started as the run begins
and stopped at its end (SIGTERM, then SIGKILL after 5 s). Not Prefect's own temporary server:
that one outlives a run killed with SIGKILL (issue 16); this one asks Linux to kill it then.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

STOP_GRACE_SECONDS = 5
PORT_RETRIES = 3
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
TCP_LISTEN = "0A"  # a socket's state in /proc/net/tcp
# The server's services that a single run never needs (schedules, late and cancelled runs,
# automations), off through Prefect's documented settings: it answers ~0.8 s sooner and takes
# ~0.9 CPU-s less from the run (bench/README.md, "The libraries as shipped"). The event
# persister and task run recorder stay: they record the run.
UNUSED_SERVICES = (
    "cancellation_cleanup", "foreman", "late_runs", "scheduler", "pause_expirations",
    "repossessor", "cleanup_reconciler", "triggers",
)  # fmt: skip
_libc = ctypes.CDLL(None, use_errno=True)  # loaded here: the child only calls it


class TemporaryServer:
    """`prefect server start` on 127.0.0.1, started at once, waited for on `ready()`, stopped at
    exit (after Prefect's own exit hooks have sent the run's last logs and events)."""

    def __init__(self) -> None:
        self._start()
        atexit.register(self.stop)

    def _start(self) -> None:
        self.port = free_loopback_port()
        self.process = subprocess.Popen(
            server_command(self.port),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # its welcome banner; errors still reach stderr
            env={**os.environ, **services_off(UNUSED_SERVICES)},
            preexec_fn=dies_with(os.getpid()),  # before the run starts threads
        )

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def ready(self, timeout_seconds: float) -> str:
        """Block until the server answers /health; returns its API URL."""
        deadline = time.monotonic() + timeout_seconds
        restarts = PORT_RETRIES
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if restarts:  # the free port was taken before the server bound it: another one
                    restarts -= 1
                    self._start()
                    continue
                raise RuntimeError(
                    f"the Prefect server exited with {self.process.returncode} "
                    f"before answering on port {self.port}"
                )
            # Another run's server may answer on the port ours failed to bind (two runs that
            # started together picked the same free port): only ours counts.
            if answers(f"{self.api_url}/health") and listens_on(self.process.pid, self.port):
                return self.api_url
            time.sleep(0.1)
        raise RuntimeError(
            f"the Prefect server did not answer within {timeout_seconds:.0f} s "
            "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)"
        )

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def needed() -> bool:
    """True when a flow run here would start Prefect's temporary server itself."""
    settings = get_current_settings()
    return settings.api.url is None and settings.server.ephemeral.enabled


def start_if_needed() -> TemporaryServer | None:
    """Start a server now if a run here would need one; it stops at exit."""
    return TemporaryServer() if needed() else None


@contextmanager
def using(server: TemporaryServer | None) -> Iterator[None]:
    """Point Prefect at `server`, once it answers, for the duration (nothing if None)."""
    if server is None:
        yield
        return
    url = server.ready(startup_timeout_seconds())
    with temporary_settings(updates={PREFECT_API_URL: url}):
        yield


def startup_timeout_seconds() -> float:
    return float(get_current_settings().server.ephemeral.startup_timeout_seconds)


def server_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
        "--port", str(port), "--no-ui", "--analytics-off", "--log-level", "ERROR",
    ]  # fmt: skip


def services_off(services: tuple[str, ...]) -> dict[str, str]:
    return {f"PREFECT_SERVER_SERVICES_{name.upper()}_ENABLED": "false" for name in services}


def dies_with(parent: int) -> Callable[[], None]:
    """For Popen's preexec_fn: the server asks Linux for SIGKILL when `parent` dies (kept across
    exec), and exits at once if `parent` is gone already (it would never get the signal)."""

    def ask() -> None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)

    return ask


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listens_on(pid: int, port: int) -> bool:
    """Whether process `pid` holds the socket listening on 127.0.0.1:`port` (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as rows:
                next(rows)  # the header
                for row in rows:
                    fields = row.split()
                    if fields[3] == TCP_LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(f"socket:[{fields[9]}]")
        except FileNotFoundError:
            continue
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except FileNotFoundError:  # the process is gone
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                return True
        except OSError:  # closed since listed
            continue
    return False


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
