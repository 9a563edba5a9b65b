"""A real Prefect server on loopback for integration tests, and a client to query it.

`prefect server start` in a subprocess with its own PREFECT_HOME and SQLite database, as in
production; the tests talk to it from subprocesses only (`api`), so they neither need nor
disturb the in-process test harness the other integration tests share.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVER_START_TIMEOUT = 180  # seconds; ~10 s idle, much more on a loaded 2-core machine
RUN_TIMEOUT = 300


@dataclass(frozen=True)
class PrefectServer:
    url: str  # the API URL, ending in /api
    home: Path
    started_in_seconds: float

    def env(self) -> dict[str, str]:
        """An environment for Prefect clients of this server, and nothing else."""
        return prefect_env(self.home, PREFECT_API_URL=self.url)


def prefect_env(home: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_HOME=str(home),
        PREFECT_LOGGING_LEVEL="INFO",
        **settings,
    )
    return env


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes], grace_seconds: float = 20) -> None:
    """SIGTERM the process group (server or serve and their children), then SIGKILL."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace_seconds), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def log_tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def running_prefect_server(home: Path) -> Iterator[PrefectServer]:
    """A `prefect server start` on a free loopback port, with its home and database in
    `home`, stopped on exit."""
    port = free_loopback_port()
    url = f"http://127.0.0.1:{port}/api"
    env = prefect_env(
        home,
        PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{home / 'prefect.db'}",
    )
    log = home / "server.log"
    started = time.monotonic()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [BIN / "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port),
             "--no-ui", "--analytics-off"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        while not healthy(url):
            if server.poll() is not None:
                pytest.fail(f"prefect server exited with {server.returncode}:\n{log_tail(log)}")
            if time.monotonic() - started > SERVER_START_TIMEOUT:
                pytest.fail(f"prefect server not healthy in {SERVER_START_TIMEOUT} s")
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        print(f"prefect server start: healthy after {elapsed:.1f} s")
        yield PrefectServer(url=url, home=home, started_in_seconds=elapsed)
    finally:
        stop(server)


def api(server: PrefectServer, body: str, timeout: float = RUN_TIMEOUT) -> dict:
    """Run `body` (async code using `client`, setting `result`) against the server."""
    script = "import asyncio, json\nimport flows\nfrom prefect import get_client\n"
    script += "async def main():\n    async with get_client() as client:\n        result = None\n"
    script += textwrap.indent(textwrap.dedent(body), " " * 8)
    script += "\n        return result\nprint(json.dumps(asyncio.run(main()), default=str))\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=server.env(), capture_output=True, text=True, timeout=timeout, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
