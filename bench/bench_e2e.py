"""`factledger run` end to end on the bundled corpus, with a breakdown of where the time goes.

    .venv/bin/python bench/bench_e2e.py                   # 5 runs per mode, both modes
    .venv/bin/python bench/bench_e2e.py --repeats 7 --modes running

Two modes: `temporary` (no PREFECT_API_URL: the run starts a Prefect server of its own,
flows/runtime/temporary_server.py, and stops it at exit, as a bare `factledger run` does) and
`running` (a `prefect server start` on loopback, started once beforehand; PREFECT_API_URL
points at it).

Each repeat runs, on a fresh curated directory over a copy of data/raw:
1. the real console script, `.venv/bin/factledger run`, timed from outside: the headline wall;
2. the same command through a tiny driver (DRIVER, inline below) that stamps the clock at
   interpreter start, after importing flows.cli and around `flows.cli.main`, then asks the
   Prefect API (still up) for the flow and task runs' start and end times. The breakdown:
   interpreter, imports (flows.cli), start-up (main() to the flow run's start: the GX judge
   and temporary server launched, Prefect and the stages imported, the server waited for,
   Prefect's flow start), each task, flow teardown (last task end to main() return),
   shutdown (to process exit: stopping the temporary server). The API query after main() is
   excluded.
3. a cold `import great_expectations` in a fresh interpreter, between the runs: the baseline
   each run's wall is divided by (the issue measured it at ~2.5 s on this kind of machine,
   and this machine's speed moves; see TARGET_RATIOS).
Medians over repeats; results on stdout and bench/out/bench_e2e.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = REPO / "bench" / "out"

# Runs `factledger run` in-process with clock stamps; prints one JSON line last.
DRIVER = r"""
import time, sys
t_start = time.time()
import flows.cli
from checks.engines.gx_judge import warm_up
warm_up()  # first, as `factledger run` does: the patch below imports Prefect's settings (~1 s)
import flows.runtime.temporary_server as temporary_server
servers = []  # the temporary server cmd_run starts, if any: queried below, before it stops
start_if_needed = temporary_server.start_if_needed
temporary_server.start_if_needed = lambda: servers.append(start_if_needed()) or servers[-1]
t_imported = time.time()
t_main = time.time()
code = flows.cli.main(sys.argv[1:])
t_returned = time.time()

import asyncio, json
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.sorting import FlowRunSort

async def runs():
    async with get_client() as client:
        [flow_run] = await client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=1)
        tasks = await client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run.id]))
        )
        return flow_run, tasks

with temporary_server.using(servers[0] if servers else None):
    flow_run, tasks = asyncio.run(runs())
stamp = lambda t: t.timestamp() if t else None
print(json.dumps({
    "code": code, "t_start": t_start, "t_imported": t_imported, "t_main": t_main,
    "t_returned": t_returned,
    "flow": [stamp(flow_run.start_time), stamp(flow_run.end_time)],
    "tasks": sorted(
        ([t.name, stamp(t.start_time), stamp(t.end_time)] for t in tasks),
        key=lambda t: t[1] or 0,
    ),
    "t_reported": time.time(),
}))
"""


def clean_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", **settings)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(home: Path):
    """A `prefect server start` on loopback for the duration; yields its API URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = clean_env(
        PREFECT_HOME=str(home),
        PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{home / 'prefect.db'}",
    )
    started = time.monotonic()
    with (home / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [BIN / "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port),
             "--no-ui", "--analytics-off"],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() - started > 180:
                    raise RuntimeError("prefect server did not start") from None
                time.sleep(0.2)
        print(f"prefect server healthy after {time.monotonic() - started:.1f} s", flush=True)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def fresh_dirs(work: Path, name: str) -> tuple[Path, Path]:
    raw, curated = work / f"raw-{name}", work / f"curated-{name}"
    shutil.copytree(REPO / "data" / "raw", raw)
    for path in raw.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    return raw, curated


def console_wall(env: dict[str, str], raw: Path, curated: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [BIN / "factledger", "run", "--raw", str(raw), "--curated", str(curated)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: a check failed; the run itself completed
        raise RuntimeError(f"factledger run exited {done.returncode}:\n{done.stderr[-3000:]}")
    return wall


def breakdown(env: dict[str, str], raw: Path, curated: Path) -> dict[str, float]:
    launched = time.time()
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, "run", "--raw", str(raw), "--curated", str(curated)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    exited = time.time()
    if done.returncode not in (0, 1):
        raise RuntimeError(f"driver exited {done.returncode}:\n{done.stderr[-3000:]}")
    s = json.loads(done.stdout.strip().splitlines()[-1])
    flow_start, _ = s["flow"]
    phases: dict[str, float] = {
        "interpreter": s["t_start"] - launched,
        "imports": s["t_imported"] - s["t_start"],  # flows.cli only: cmd_run imports the rest
        "startup": flow_start - s["t_main"],
    }
    previous_end = flow_start
    for name, start, end in s["tasks"]:
        key = f"task:{name.split()[0]}"  # task runs are named "<stage> <what it processes>"
        phases["between_tasks"] = phases.get("between_tasks", 0.0) + max(0.0, start - previous_end)
        phases[key] = phases.get(key, 0.0) + (end - start)
        previous_end = max(previous_end, end)
    phases["flow_teardown"] = s["t_returned"] - previous_end
    phases["shutdown"] = exited - s["t_reported"]
    phases["total_without_api_query"] = (exited - launched) - (s["t_reported"] - s["t_returned"])
    return phases


# The figures for this machine: `import great_expectations` ~2.5 s; targets 12 s
# (temporary server) and 4 s (running server). This virtual machine's speed changes by a third
# from one quarter of an hour to the next (bench/HISTORY.md, End to end), so each run is also
# taken as a ratio to that import, timed between the runs: the targets are 4.8x and 1.6x.
BASELINE_MODULE = "great_expectations"
TARGET_RATIOS = {"temporary": 12 / 2.5, "running": 4 / 2.5}


def measure(mode: str, env: dict[str, str], repeats: int, work: Path) -> dict:
    walls: list[float] = []
    baselines: list[float] = []
    phases: dict[str, list[float]] = defaultdict(list)
    for i in range(repeats):
        walls.append(console_wall(env, *fresh_dirs(work, f"{mode}-{i}-wall")))
        baselines.append(import_seconds(BASELINE_MODULE, times=1))
        for key, value in breakdown(env, *fresh_dirs(work, f"{mode}-{i}-parts")).items():
            phases[key].append(value)
        print(
            f"{mode} run {i + 1}: wall {walls[-1]:.2f} s, "
            f"{walls[-1] / baselines[-1]:.2f}x `import {BASELINE_MODULE}` ({baselines[-1]:.2f} s)",
            flush=True,
        )
    median = statistics.median
    ratios = [w / b for w, b in zip(walls, baselines, strict=True)]
    return {
        "wall_median_s": round(median(walls), 2),
        "wall_min_s": round(min(walls), 2),
        "wall_max_s": round(max(walls), 2),
        "walls_s": [round(w, 2) for w in walls],
        "baseline_import_s": [round(b, 2) for b in baselines],
        "ratio_to_baseline_median": round(median(ratios), 2),
        "ratios_to_baseline": [round(r, 2) for r in ratios],
        "target_ratio": round(TARGET_RATIOS[mode], 2),
        "breakdown_median_s": {k: round(median(v), 2) for k, v in phases.items()},
    }


def import_seconds(module: str, times: int = 3) -> float:
    """Median of `times` cold imports of `module` in a fresh interpreter (on top of `flows`)."""
    code = (
        f"import time, flows; t = time.perf_counter(); import {module}; "
        "print(time.perf_counter() - t)"
    )
    seconds = [
        float(
            subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                check=True,
                env=clean_env(),
            ).stdout
        )
        for _ in range(times)
    ]
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--modes", default="temporary,running")
    args = parser.parse_args()
    results: dict = {
        "machine": f"{socket.gethostname()} {os.cpu_count()} cores",
        "load_average_at_start": os.getloadavg(),
        "imports_s": {
            m: round(import_seconds(m), 2)
            for m in ("prefect", "flows.pipeline", "great_expectations")
        },
    }
    print(json.dumps(results["imports_s"]), flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        work = Path(tmp)
        for mode in args.modes.split(","):
            home = work / f"prefect-home-{mode}"
            home.mkdir()
            if mode == "temporary":
                env = clean_env(PREFECT_HOME=str(home))
                results[mode] = measure(mode, env, args.repeats, work)
            elif mode == "running":
                with running_server(home) as url:
                    env = clean_env(PREFECT_HOME=str(home), PREFECT_API_URL=url)
                    results[mode] = measure(mode, env, args.repeats, work)
            else:
                raise SystemExit(f"unknown mode {mode!r}: temporary or running")
    results["load_average_at_end"] = os.getloadavg()
    print(json.dumps(results, indent=2))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench_e2e.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
