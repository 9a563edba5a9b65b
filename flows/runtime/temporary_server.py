"""Prefect's temporary local server, started as `factledger run` begins instead of mid-flow.

With no Prefect API configured, a flow run starts Prefect's temporary server itself, but only
once the flow is called: after the run has imported Prefect, the stages and the server's own
modules (~2.5 s here), and the server then takes ~5 s to answer (bench/README.md, End to end).
`factledger run` starts the same server (the uvicorn command and environment of Prefect's
SubprocessASGIServer, on a free loopback port) before those imports, so that its start
overlaps them; the run then uses it through `temporary_settings(PREFECT_API_URL=...)` and
stops it at the end, as Prefect does: SIGTERM, then SIGKILL after 5 s.

With an API configured (PREFECT_API_URL, from the environment or a Prefect profile), or with
ephemeral mode off, nothing is started and Prefect behaves as it always does.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

# What Prefect's SubprocessASGIServer sets for its server process (prefect 3.8.8).
EPHEMERAL_SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
}
STOP_GRACE_SECONDS = 5
PORT_RETRIES = 3


class TemporaryServer:
    """A Prefect API server process on 127.0.0.1, started at once, waited for on `ready()`.

    Stopped at exit, after Prefect's own exit hooks have sent the run's last logs and events
    (they run before atexit handlers), as Prefect's temporary server is."""

    def __init__(self) -> None:
        self._start()
        atexit.register(self.stop)

    def _start(self) -> None:
        self.port = free_loopback_port()
        self.process = subprocess.Popen(uvicorn_command(self.port), env=server_environment())

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def ready(self, timeout_seconds: float) -> str:
        """Block until the server answers /health; returns its API URL."""
        deadline = time.monotonic() + timeout_seconds
        restarts = PORT_RETRIES
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if restarts:  # the free port was taken before uvicorn bound it: another one
                    restarts -= 1
                    self._start()
                    continue
                raise RuntimeError(
                    f"Prefect's temporary server exited with {self.process.returncode} "
                    f"before answering on port {self.port}"
                )
            if answers(f"{self.api_url}/health"):
                return self.api_url
            time.sleep(0.1)
        raise RuntimeError(
            f"Prefect's temporary server did not answer within {timeout_seconds:.0f} s "
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
    """Start the temporary server now if a run here would need one; it stops at exit."""
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


# The server must not outlive its run, however the run ends (kill -9 included): the server's
# process asks Linux for SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG, kept across exec),
# makes sure the parent is still the run, then becomes uvicorn.
DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)\n"
    "if os.getppid() != int(sys.argv[1]): sys.exit(1)\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[2:]])\n"
)


def uvicorn_command(port: int) -> list[str]:
    prefect_dir = Path(importlib.util.find_spec("prefect").submodule_search_locations[0])
    return [
        sys.executable, "-c", DIE_WITH_PARENT, str(os.getpid()), "-m", "uvicorn",
        "--app-dir", str(prefect_dir.parent),
        "--factory", "prefect.server.api.server:create_app",
        "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "error", "--lifespan", "on",
    ]  # fmt: skip


def server_environment() -> dict[str, str]:
    return {
        **os.environ,
        **EPHEMERAL_SERVER_ENV,
        **get_current_settings().to_environment_variables(exclude_unset=True),
    }


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
