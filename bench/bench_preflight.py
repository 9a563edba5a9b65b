"""How long `factledger run` takes to refuse a mistake, against `python -c "import duckdb"`.

    .venv/bin/python bench/bench_preflight.py               # 5 rounds
    .venv/bin/python bench/bench_preflight.py --rounds 9

Each round times, alternating so both see the same machine load: the console script
`factledger run` on each kind of mistake (a wrong --raw, no manifest.csv, a manifest column
typo, a bad date, a duplicate row, a catalogue typo; each in a scratch copy of data/raw and
catalogue/) and the same interpreter running `import duckdb`. Wall time of the whole process,
from spawn to exit. Reported: the median per case, and its ratio to the median import.
Results: a table on stdout and bench/out/bench_preflight.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FACTLEDGER = str(Path(sys.executable).with_name("factledger"))


def _cases(scratch: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    def raw_copy(name: str) -> Path:
        raw = scratch / name
        shutil.copytree(REPO / "data" / "raw", raw)
        return raw

    def edit(path: Path, old: str, new: str) -> None:
        path.write_text(path.read_text().replace(old, new, 1))

    no_manifest = raw_copy("no_manifest")
    (no_manifest / "manifest.csv").unlink()
    column = raw_copy("column_typo")
    edit(column / "manifest.csv", "file,published_at,", "file,publshed_at,")
    bad_date = raw_copy("bad_date")
    edit(bad_date / "manifest.csv", "2025-06-24", "2025-13-24")
    duplicate = raw_copy("duplicate")
    lines = (duplicate / "manifest.csv").read_text().splitlines()
    (duplicate / "manifest.csv").write_text("\n".join([*lines, lines[1]]) + "\n")
    catalogue = scratch / "catalogue"
    shutil.copytree(REPO / "catalogue", catalogue)
    edit(catalogue / "metrics.yaml", "    unit: markets\n", "    unti: markets\n")
    good = raw_copy("good")
    return {
        "wrong --raw": (["--raw", str(scratch / "nowhere")], {}),
        "no manifest": (["--raw", str(no_manifest)], {}),
        "manifest column typo": (["--raw", str(column)], {}),
        "bad date": (["--raw", str(bad_date)], {}),
        "duplicate row": (["--raw", str(duplicate)], {}),
        "catalogue typo": (["--raw", str(good)], {"FACTLEDGER_CATALOGUE_DIR": str(catalogue)}),
    }


def _time(command: list[str], env: dict[str, str], expect: int) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    elapsed = time.perf_counter() - started
    if done.returncode != expect:
        raise SystemExit(f"{command}: exit {done.returncode}, expected {expect}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        cases = _cases(scratch)
        base_env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "PREFECT_HOME": f"{tmp}/prefect"}
        times: dict[str, list[float]] = {"import duckdb": [], **{name: [] for name in cases}}
        for _ in range(args.rounds):
            times["import duckdb"].append(
                _time([sys.executable, "-c", "import duckdb"], base_env, 0)
            )
            for name, (argv, env) in cases.items():
                command = [FACTLEDGER, "run", "--curated", f"{tmp}/curated", *argv]
                times[name].append(_time(command, {**base_env, **env}, 2))
    baseline = statistics.median(times["import duckdb"])
    rows = {
        name: {
            "median_s": statistics.median(values),
            "ratio": statistics.median(values) / baseline,
            "runs": values,
        }
        for name, values in times.items()
    }
    print(f"{'case':<22} {'median s':>9} {'x import duckdb':>16}")
    for name, row in rows.items():
        print(f"{name:<22} {row['median_s']:>9.3f} {row['ratio']:>16.2f}")
    out = REPO / "bench" / "out" / "bench_preflight.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rounds": args.rounds, "cases": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
