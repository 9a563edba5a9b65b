"""`factledger run` in several checkouts, alternating, for an A/B comparison in one session.

    .venv/bin/python bench/bench_ab.py /tmp/ab-base /tmp/ab-variant --mode temporary --rounds 5
    .venv/bin/python bench/bench_ab.py /tmp/ab-base /tmp/ab-variant --mode running --rerun
    .venv/bin/python bench/bench_ab.py A B --raw /tmp/corpus10k --task-runner dask --rounds 2

Each checkout (a `git worktree add -f DIR COMMIT`) runs with this environment's installed
packages and `PYTHONPATH=DIR`, from inside DIR, so only the code differs. Every round runs each
checkout once, in turn, the order reversed on every other round (A B, B A, ...), so all see the
same machine; the first checkout is the baseline, and each other one is reported as the median
of its per-round ratios to it. A run is the console script on --raw (default the checkout's
data/raw) with a fresh curated directory; with --rerun, the same command again on the same
directories (nothing changed), timed apart. --mode temporary: no PREFECT_API_URL, each checkout
with its own PREFECT_HOME; running: one `prefect server start` for all. Before the rounds, each
checkout runs once untimed on the bundled corpus (Prefect's database made, bytecode written).
A cold `import great_expectations` is timed once per round (the targets' unit).
Results: a table on stdout and bench/out/bench_ab.json (--out).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_e2e import BIN, OUT, clean_env, import_seconds, running_server


def run_once(
    checkout: Path, env: dict[str, str], raw: Path, curated: Path, extra: list[str]
) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [BIN / "factledger", "run", "--raw", str(raw), "--curated", str(curated), *extra],
        cwd=checkout, env={**env, "PYTHONPATH": str(checkout)}, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: a check failed; the run itself completed
        raise RuntimeError(f"{checkout}: exit {done.returncode}:\n{done.stderr[-3000:]}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="+", type=Path, help="baseline first")
    parser.add_argument("--mode", choices=("temporary", "running"), default="temporary")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--raw", type=Path, default=None)
    parser.add_argument("--rerun", action="store_true", help="also time a re-run, no change")
    parser.add_argument("--task-runner", default="default")
    parser.add_argument("--out", default="bench_ab.json")
    args = parser.parse_args()
    checkouts = [c.resolve() for c in args.checkouts]
    extra = ["--task-runner", args.task_runner]
    kinds = ["fresh", "rerun"] if args.rerun else ["fresh"]
    walls: dict[str, dict[str, list[float]]] = {str(c): {k: [] for k in kinds} for c in checkouts}
    baselines: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-ab-") as tmp:
        work = Path(tmp)

        def env_for(checkout: Path, url: str | None) -> dict[str, str]:
            home = work / f"home-{checkouts.index(checkout)}"
            home.mkdir(exist_ok=True)
            env = clean_env(PREFECT_HOME=str(home), **({"PREFECT_API_URL": url} if url else {}))
            env.pop("PYTHONDONTWRITEBYTECODE", None)  # as on a user's machine: bytecode cached
            return env

        def rounds(url: str | None) -> None:
            for checkout in checkouts:  # warm each PREFECT_HOME (Prefect's database made)
                raw = checkout / "data" / "raw"  # the bundled corpus, whatever --raw is
                run_once(
                    checkout,
                    env_for(checkout, url),
                    raw,
                    work / f"warm-{checkouts.index(checkout)}",
                    extra,
                )
            for r in range(args.rounds):
                baselines.append(import_seconds("great_expectations", times=1))
                order = checkouts if r % 2 == 0 else checkouts[::-1]
                for checkout in order:
                    raw = args.raw or checkout / "data" / "raw"
                    curated = work / f"curated-{checkouts.index(checkout)}-{r}"
                    env = env_for(checkout, url)
                    for kind in kinds:
                        walls[str(checkout)][kind].append(
                            run_once(checkout, env, raw, curated, extra)
                        )
                    line = ", ".join(f"{k} {walls[str(checkout)][k][-1]:.2f} s" for k in kinds)
                    print(f"round {r + 1} {checkout.name}: {line}", flush=True)

        if args.mode == "running":
            home = work / "server-home"
            home.mkdir()
            with running_server(home) as url:
                rounds(url)
        else:
            rounds(None)
    base = str(checkouts[0])
    median = statistics.median
    summary: dict = {
        "machine": f"{os.uname().nodename} {os.cpu_count()} cores",
        "mode": args.mode,
        "task_runner": args.task_runner,
        "raw": str(args.raw or "data/raw"),
        "rounds": args.rounds,
        "import_great_expectations_median_s": round(median(baselines), 2),
        "checkouts": {},
    }
    for checkout in checkouts:
        row = {}
        for kind in kinds:
            mine, theirs = walls[str(checkout)][kind], walls[base][kind]
            row[kind] = {
                "median_s": round(median(mine), 2),
                "walls_s": [round(w, 2) for w in mine],
                "ratio_to_baseline": round(
                    median(a / b for a, b in zip(mine, theirs, strict=True)), 3
                ),
                "ratio_to_import_gx": round(
                    median(a / b for a, b in zip(mine, baselines, strict=True)), 2
                ),
            }
        summary["checkouts"][str(checkout)] = row
    print(json.dumps(summary, indent=2))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / args.out).write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
