"""Benchmark of the validate stage against one single-scan DuckDB query of the row-level checks.

    .venv/bin/python bench/bench_validate.py                 # 1M and 10M claims, 3 repeats
    .venv/bin/python bench/bench_validate.py --sizes 1000000 --repeats 5

A synthetic warehouse is generated in DuckDB SQL (seconds), with violations injected at known
rows. The data is generated in a subprocess, and each measurement runs in its own subprocess
so its peak RSS (os.wait4's ru_maxrss) is its own (the parent stays small, so no child
inherits a high-water mark at fork); the baseline and the validate stage alternate within a
repeat, so both see the same machine noise. Module imports (GX alone takes seconds) are
timed apart from the stage, and so is starting the GX judge process (the pipeline starts it as
a run begins); the judge's own peak RSS is read from /proc and reported beside the stage's.
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

REPO = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = "1GB"

# Metrics and scopes cycle per entity (markets and stores worldwide and in Europe, a part of
# global); series values grow with the position s in time, so only the injected rows break
# a rule.
GENERATE_SQL = """
insert into raw.documents
select 'doc' || d, 'doc' || d || '.txt', date '2026-01-01', null, null, null, 'bench', 'txt',
    999, (select string_agg(lpad(k::varchar, 4, ' '), ' ' order by k) from range(200) t(k)),
    now(), 'bench'
from range($documents) t(d);

insert into raw.claims
with numbered as (
    select
        i,
        i % $entities as e,
        (i // $entities) % 6 as m,
        i // ($entities * 6) as s
    from range($claims) t(i)
),
shaped as (
    select
        numbered.*,
        ['markets_count', 'markets_count', 'new_markets', 'stores_count', 'stores_count',
         'deliveries'][m + 1] as metric,
        ['global', 'Europe', 'global', 'global', 'Europe', 'global'][m + 1] as scope,
        case m when 0 then 10 + s when 1 then 5 + s when 2 then 1 when 3 then 100 + s
               when 4 then 40 + s else 1000 end::double as value,
        -- injected: a fall in markets, a negative value, a quote not in its document
        m = 0 and i % 100003 = 7 as falls,
        i % 100019 = 11 as negative,
        i % 100043 = 13 as misquoted
    from numbered
)
select
    'c' || i, 'doc' || (i % $documents), 'doc' || (i % $documents) || '.txt', 'e' || e, metric,
    scope,
    case when falls then 0 when negative then -1 else value end,
    case when falls then 0 when negative then -1 else value end,
    false, false, 'exact',
    ['markets', 'markets', 'markets', 'stores', 'stores', 'units'][m + 1],
    value::varchar,
    date '2020-01-01' + s::integer, date '2020-01-01' + s::integer, null, 'reported',
    case when misquoted then 'XXXX' else lpad((i % 200)::varchar, 4, ' ') end,
    5 * (i % 200), 5 * (i % 200) + 4, 'bench', null, null, 'bench'
from shaped;
"""

# The row-level checks of the pandera contract, in one scan of claims joined to documents
# and the catalogue: the yardstick the validate stage is measured against.
SINGLE_SCAN_SQL = """
with documents as (select doc_id, any_value(text) as text from raw.documents group by doc_id)
select
    count(*) filter (where claims.value_lo < 0) as negative,
    count(*) filter (where not claims.value_lo < 'infinity'::double) as infinite,
    count(*) filter (where claims.value_lo > claims.value_hi) as inverted,
    count(*) filter (where claims.value_lo = claims.value_hi
                     and (claims.lo_open or claims.hi_open)) as empty_interval,
    count(*) filter (where claims.period_start > claims.period_end) as period_inverted,
    count(*) filter (where claims.status not in ('reported', 'planned')) as bad_status,
    count(*) filter (where claims.char_start < 0 or claims.char_end <= claims.char_start) as span,
    count(*) filter (where claims.entity = '') as no_entity,
    count(*) - count(distinct claims.claim_id) as duplicate_ids,
    count(*) filter (where documents.doc_id is null) as orphan,
    count(*) filter (
        where substring(documents.text, claims.char_start + 1, claims.char_end - claims.char_start)
            is distinct from claims.quote
    ) as misquoted,
    count(*) filter (where catalogue.metric is null) as unknown_metric,
    count(*) filter (where catalogue.unit is distinct from claims.unit
                     and not (catalogue.unit = 'currency'
                              and regexp_full_match(claims.unit, '[A-Z]{3}'))) as wrong_unit,
    count(*) filter (where scopes.scope is null) as unknown_scope
from raw.claims as claims
left join documents on documents.doc_id = claims.doc_id
left join staging.metric_catalogue as catalogue on catalogue.metric = claims.metric
left join staging.scope_catalogue as scopes on scopes.scope = claims.scope
"""


def generate(path: Path, claims: int) -> None:
    sys.path.insert(0, str(REPO))
    from datetime import date

    from flows.catalogue import load_catalogue
    from flows.runtime.settings import Settings
    from flows.validate import prepare_staging
    from flows.warehouse import connect

    con = connect(path)
    sql = GENERATE_SQL
    for name, value in {
        "$documents": max(1, claims // 100),
        "$entities": max(1, claims // 100),
        "$claims": claims,
    }.items():
        sql = sql.replace(name, str(value))
    con.execute(sql)
    prepare_staging(con, load_catalogue(Settings().catalogue_dir), [], date(2026, 11, 1))
    con.execute("checkpoint")
    con.close()


def child(kind: str, db: Path, curated: Path, run_id: str) -> dict:
    """Run one measurement in this process; print its figures as JSON."""
    started = time.perf_counter()
    sys.path.insert(0, str(REPO))
    from datetime import date

    import duckdb

    from flows.runtime.settings import Settings

    if kind == "validate":
        from checks.engines import pandera_ibis  # noqa: F401  (imports timed apart)
        from checks.engines.gx_judge import ready
        from flows.validate import validate, warm_up_checks

        # GX runs in a judge process that the pipeline starts as a run begins
        # (flows.validate.warm_up_checks), so its import of GX (~3 CPU-s) overlaps ingest and
        # extraction, not validate. Here it is started and awaited before the clock, like the
        # other imports: otherwise it would compete with the stage for the 2 cores.
        warm_up_checks()
        judge_pid = ready()
    imported = time.perf_counter()
    # The warehouse connection's memory limit: DuckDB spills to disk beyond it, which keeps
    # the process under the 2 GB target (the default is 80% of RAM).
    con = duckdb.connect(str(db), config={"memory_limit": MEMORY_LIMIT})
    figures: dict[str, object] = {"import_s": imported - started}
    # CPU time beside wall time: the box is shared, and while other jobs hold a core the wall
    # time of both measurements stretches by whatever they take; CPU time (every thread of
    # this process, and the GX judge's) stretches far less.
    judge_cpu = cpu_seconds(judge_pid) if kind == "validate" else 0.0
    began, began_cpu = time.perf_counter(), time.process_time()
    if kind == "baseline":
        result = con.execute(SINGLE_SCAN_SQL)
        names = [c[0] for c in result.description]
        figures["row"] = dict(zip(names, result.fetchone(), strict=True))
    else:
        settings = Settings(curated_dir=curated)
        outcome = validate(con, settings, run_id, as_of=date(2026, 11, 1))
        figures["checks"] = {
            r.check_id: [r.status, r.violation_count, round(r.duration_ms)] for r in outcome.results
        }
        figures["quarantined"] = outcome.claims_quarantined
    figures["seconds"] = time.perf_counter() - began
    figures["cpu_s"] = time.process_time() - began_cpu
    if kind == "validate":
        figures["judge_cpu_s"] = (cpu_seconds(judge_pid) or 0.0) - (judge_cpu or 0.0)
        figures["cpu_s"] += figures["judge_cpu_s"]
        # The judge is this process's child, but it outlives the stage and is never waited
        # for, so os.wait4 in the parent does not see its memory: read its high-water mark.
        figures["judge_maxrss_mb"] = peak_rss_mb(judge_pid)
    con.close()
    return figures


def cpu_seconds(pid: int) -> float | None:
    """A live process's user + system CPU time so far, in seconds; None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float | None:
    """A live process's peak resident set (VmHWM), in MB; None if it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def measure(kind: str, db: Path, curated: Path, run_id: str) -> dict:
    process = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--child",
            kind,
            "--db",
            str(db),
            "--curated",
            str(curated),
            "--run-id",
            run_id,
        ],
        stdout=subprocess.PIPE,
        cwd=REPO,
    )
    out = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise RuntimeError(f"{kind} measurement failed ({status}): {out[-2000:]!r}")
    figures = json.loads(out.decode().strip().splitlines()[-1])
    figures["maxrss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    return figures


def bench(claims: int, repeats: int, workdir: Path) -> dict:
    db = workdir / f"claims_{claims}.duckdb"
    started = time.perf_counter()
    # In its own process: a child forked from a parent that generated 10M rows would inherit
    # the parent's RSS high-water mark, and ru_maxrss would report that instead of its own.
    subprocess.run(
        [sys.executable, __file__, "--generate", str(claims), "--db", str(db)], check=True, cwd=REPO
    )
    generated = time.perf_counter() - started
    rows: list[tuple[dict, dict]] = []
    for repeat in range(repeats):
        baseline = measure("baseline", db, workdir, f"base-{repeat}")
        stage = measure("validate", db, workdir / "curated", f"bench-{claims}-{repeat}")
        rows.append((baseline, stage))
        print(
            f"  {claims:>10,} repeat {repeat + 1}: scan {baseline['seconds']:.2f} s "
            f"(CPU {baseline['cpu_s']:.1f} s, {baseline['maxrss_mb']:.0f} MB), "
            f"validate {stage['seconds']:.2f} s (CPU {stage['cpu_s']:.1f} s, "
            f"{stage['maxrss_mb']:.0f} MB + GX judge {stage['judge_maxrss_mb'] or 0:.0f} MB, "
            f"imports {stage['import_s']:.1f} s)",
            flush=True,
        )
    scan = statistics.median(b["seconds"] for b, _ in rows)
    stage = statistics.median(s["seconds"] for _, s in rows)
    return {
        "claims": claims,
        "generate_s": round(generated, 1),
        "scan_median_s": round(scan, 2),
        "validate_median_s": round(stage, 2),
        "ratio": round(stage / scan, 2),
        "ratios": [round(s["seconds"] / b["seconds"], 2) for b, s in rows],
        "scan_cpu_median_s": round(statistics.median(b["cpu_s"] for b, _ in rows), 2),
        "validate_cpu_median_s": round(statistics.median(s["cpu_s"] for _, s in rows), 2),
        "cpu_ratio": round(
            statistics.median(s["cpu_s"] for _, s in rows)
            / statistics.median(b["cpu_s"] for b, _ in rows),
            2,
        ),
        "scan_maxrss_mb": round(max(b["maxrss_mb"] for b, _ in rows)),
        "validate_maxrss_mb": round(max(s["maxrss_mb"] for _, s in rows)),
        "gx_judge_maxrss_mb": round(max(s["judge_maxrss_mb"] or 0 for _, s in rows)),
        "validate_import_s": round(statistics.median(s["import_s"] for _, s in rows), 1),
        "baseline_row": rows[-1][0]["row"],
        "checks": rows[-1][1]["checks"],
        "quarantined": rows[-1][1]["quarantined"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", choices=["baseline", "validate"], help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--curated", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--run-id", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.db, args.generate)
        return
    if args.child:
        print(json.dumps(child(args.child, args.db, args.curated, args.run_id), default=str))
        return
    print(f"bench_validate: {os.cpu_count()} cores; medians of {args.repeats} repeats")
    with tempfile.TemporaryDirectory(prefix="bench_validate_") as tmp:
        for claims in args.sizes:
            print(json.dumps(bench(claims, args.repeats, Path(tmp)), default=str, indent=1))


if __name__ == "__main__":
    main()
