"""The validate stage: run every check of checks/catalogue.yaml, record the results, quarantine.

Plain typed functions; the Prefect flow calls `validate` and the CLI calls `exit_code`.

Writes, for the run:
- audit.check_results: one row per check (status pass | fail | error | excepted);
- audit.violations: one row per violation, with its claim ids, document files and quotes;
- audit.disputes, audit.dispute_claims: the claims the failed checks set against each other,
  grouped into disputes, each decided by the rules of checks/resolution.yaml (flows/resolve);
- quarantine.claims: the claims named by a failed error-severity check, except the kept side
  of a dispute (one row per claim and check, with the reason and how its dispute ended);
- staging.claims_valid: raw.claims minus this run's quarantine (warnings do not block).
All audit and quarantine tables are append-only across runs.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from checks import CHECKS_DIR
from checks.engines import gx, gx_judge
from checks.engines.common import PENDING, PENDING_DDL, EngineRun
from checks.engines.sql import run_sql_check
from checks.registry import CheckSpec, ReviewedException, load_check_catalogue, load_exceptions
from flows.catalogue import Catalogue, load_catalogue
from flows.resolve import Resolved, load_resolution_rules, resolve_disputes
from flows.runtime.gc_pause import collection_paused
from flows.runtime.settings import Settings

FAIL_ON = ("error", "warn", "never")

# The view of dated reported claims the SQL checks share (why a view: the file's header)
CLAIMS_DATED_SQL = CHECKS_DIR / "sql" / "claims_dated.sql"
QUARANTINE_SQL = Path(__file__).parent / "sql" / "quarantine_claims.sql"


@dataclass(frozen=True)
class CheckResult:
    check_id: str
    engine: str
    severity: str
    table: str
    status: str  # pass | fail | error | excepted
    violation_count: int  # excepted violations included
    excepted_count: int
    duration_ms: float
    message: str | None = None


class DataDocs:
    """GX's Data Docs of one validate run, rendered by the GX judge while the run goes on to
    publish and report (~0.35 s on the bundled corpus, bench/HISTORY.md, End to end)."""

    def __init__(self, index: Path, wait: Callable[[], object] | None) -> None:
        self.index = index
        self._wait = wait  # None: could not even be requested
        self._built = False

    def path(self) -> Path | None:
        """The index page, once written; None if the judge could not render it (the GX
        checks' errors say why)."""
        if self._wait is not None:
            wait, self._wait = self._wait, None
            try:
                wait()
                self._built = True
            except gx.JudgeError:
                self._built = False
        return self.index if self._built else None

    def __getstate__(self) -> dict:
        self.path()  # a ticket of this process's judge means nothing in another process
        return {"index": self.index, "_wait": None, "_built": self._built}


@dataclass(frozen=True)
class ValidationOutcome:
    run_id: str
    results: tuple[CheckResult, ...]
    claims_quarantined: int  # distinct claims kept out of staging.claims_valid
    claims_valid: int
    disputes: Resolved = field(default=Resolved(0, 0, 0), compare=False)  # flows/resolve
    data_docs: DataDocs | None = field(default=None, compare=False)  # when GX ran
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (severity, status) → checks

    @property
    def gx_docs(self) -> Path | None:
        """The Data Docs index, waiting for the judge to finish it; None without GX."""
        return self.data_docs.path() if self.data_docs else None

    @property
    def worst_severity_failed(self) -> str | None:
        """'error' if an error-severity check failed or could not run, else 'warn' if a
        warn-severity one did, else None. Excepted violations do not count."""
        failed = {r.severity for r in self.results if r.status in ("fail", "error")}
        for severity in ("error", "warn"):
            if severity in failed:
                return severity
        return None

    def by_status(self, status: str) -> list[CheckResult]:
        return [r for r in self.results if r.status == status]


def exit_code(outcome: ValidationOutcome, fail_on: str = "error") -> int:
    """0 when nothing at or above `fail_on` failed, 1 when something did (`never`: always 0)."""
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {FAIL_ON}, got {fail_on!r}")
    worst = outcome.worst_severity_failed
    if fail_on == "never" or worst is None:
        return 0
    if fail_on == "warn":
        return 1
    return 1 if worst == "error" else 0


_pandera_warm_up: threading.Thread | None = None


def warm_up_checks() -> None:
    """Get the check engines ready while the stages before validate run: the GX judge process
    (gx_judge.warm_up), and pandera's Ibis backend (~0.8 s to import, ~0.15 s for its first
    validation) on a daemon thread, which runs while the flow waits on Prefect's API and on
    DuckDB. `factledger run` calls this as soon as its own imports are done, the flow again as
    it starts (a served run); the second call finds both under way."""
    global _pandera_warm_up
    gx_judge.warm_up()
    if _pandera_warm_up is None:
        _pandera_warm_up = threading.Thread(
            target=warm_up_pandera, name="warm up pandera", daemon=True
        )
        _pandera_warm_up.start()


def warm_up_pandera() -> None:
    """Import pandera's Ibis engine and validate once, which also imports Ibis's DuckDB
    backend (Ibis loads it on first use)."""
    with collection_paused():
        from checks.engines import pandera_ibis
        from flows.warehouse import connect

        with connect(":memory:") as empty_warehouse:
            pandera_ibis.warm_up(empty_warehouse)


def pandera_warmed_up() -> None:
    """Wait for the warm-up thread, if one is running: pandera is not used from two threads."""
    if _pandera_warm_up is not None:
        _pandera_warm_up.join()


def validate(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    run_id: str,
    *,
    checks_dir: Path = CHECKS_DIR,
    exceptions_path: Path | None = None,
    as_of: date | None = None,
    engines: tuple[str, ...] = ("pandera", "sql", "gx"),
) -> ValidationOutcome:
    """Run the catalogue's checks against the warehouse behind `con` and record them.

    as_of: the date plans are judged against (default today); exceptions_path defaults to
    checks_dir/exceptions.yaml; engines narrows the run (tests, benchmarks)."""
    pandera_warmed_up()
    with rows_fetched_by_number(con):
        return run_checks(con, settings, run_id, checks_dir, exceptions_path, as_of, engines)


# DuckDB hands a hash join's build-side keys to the probe side's table scan as an IN filter
# only when there are at most this many of them (its default: 50). The SQL checks read the
# few claims their violations name back from raw.claims by row number (rowid); with the row
# numbers in the scan's filter, it skips every vector holding none of them and decodes the wide
# columns (file, texts, quote) of those rows only: ~0.1-0.3 CPU-s a check at 10M claims instead
# of ~0.7 (bench/HISTORY.md, Validate). Measured at 10M claims, the filter stops paying above
# ~5,000 row numbers, hence the limit; a larger lookup is joined as before.
PUSHED_LOOKUP_LIMIT = 2048


@contextmanager
def rows_fetched_by_number(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Raise DuckDB's limit for pushing join keys into scans for the stage, then restore it
    (a database-wide setting: the rest of the run gets back the value it had)."""
    (previous,) = con.execute("select current_setting('dynamic_or_filter_threshold')").fetchone()
    con.execute(f"set dynamic_or_filter_threshold = {PUSHED_LOOKUP_LIMIT}")
    try:
        yield
    finally:
        con.execute(f"set dynamic_or_filter_threshold = {int(previous)}")


def run_checks(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    run_id: str,
    checks_dir: Path,
    exceptions_path: Path | None,
    as_of: date | None,
    engines: tuple[str, ...],
) -> ValidationOutcome:
    specs = [s for s in load_check_catalogue(checks_dir) if s.engine in engines]
    exceptions = load_exceptions(exceptions_path or checks_dir / "exceptions.yaml")
    resolution_rules = load_resolution_rules(checks_dir)
    catalogue = load_catalogue(settings.catalogue_dir)
    prepare_staging(con, catalogue, exceptions, as_of or date.today())

    results: list[CheckResult] = []
    gx_specs = [s for s in specs if s.engine == "gx"]
    session = gx.GxSession(settings.gx_docs_dir, catalogue) if gx_specs else None
    # The raw tables are final before any check runs: their GX verdicts are prepared in the
    # judge's process while this one runs pandera and SQL.
    for spec in gx_specs:
        if spec.table.startswith("raw."):
            session.submit(con, spec)
    # Row-level and consistency checks judge raw.*; the published contract (GX) on staging.*
    # judges what will be published, so it runs after the quarantine has been decided.
    for spec in [s for s in specs if s.engine != "gx"]:
        results.append(run_check(con, spec, run_id, checks_dir, catalogue))
    disputes = resolve_disputes(con, run_id, resolution_rules, catalogue)
    quarantine_claims(con, run_id)
    publish_valid_claims(con, run_id)
    for spec in gx_specs:
        if not spec.table.startswith("raw."):
            session.submit(con, spec)
    for spec in gx_specs:
        results.append(run_check(con, spec, run_id, checks_dir, catalogue, session))
    data_docs = start_data_docs(session)
    record_results(con, run_id, results)
    return summarise(con, run_id, results, data_docs, disputes)


def start_data_docs(session: gx.GxSession | None) -> DataDocs | None:
    if session is None:
        return None
    try:
        return DataDocs(session.index_path, session.start_docs())
    except gx.JudgeError:  # the GX checks already say why (status error): no docs this run
        return DataDocs(session.index_path, None)


def prepare_staging(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    exceptions: list[ReviewedException],
    as_of: date,
) -> None:
    """Load what the checks read besides raw.*: the metric and scope catalogues, claims_dated,
    the reference date, the reviewed exceptions, and an empty pending-violations table."""
    metrics = list(catalogue.metrics.values())
    load_staging_table(
        con,
        "staging.metric_catalogue",
        pa.table(
            {
                "metric": [m.id for m in metrics],
                "family": [m.family for m in metrics],
                "unit": [m.unit for m in metrics],
                "kind": [m.kind for m in metrics],
                # whether the level can go down (null for a flow): the severity of a fall
                "can_fall": pa.array([m.can_fall for m in metrics], pa.bool_()),
                # the stocks whose stated intervals never decrease (GX's gx_cumulative_series
                # reads these): a milestone cannot fall either, but its value is a floor ("at
                # least N by then"), not an interval of the level, so the SQL checks judge it
                "cumulative": [m.kind == "stock" and not m.can_fall for m in metrics],
                "stock_of": pa.array([m.stock_of for m in metrics], pa.string()),
                "milestone_of": pa.array([m.milestone_of for m in metrics], pa.string()),
                "subset_of": pa.array([m.subset_of for m in metrics], pa.string()),
                "about_tolerance": [m.about_tolerance for m in metrics],
            }
        ),
        order_by="metric",
    )
    load_staging_table(con, "staging.scope_catalogue", scope_table(catalogue), order_by="scope")
    con.execute(CLAIMS_DATED_SQL.read_text(encoding="utf-8"))
    con.execute("create or replace table staging.validation_context (as_of date not null)")
    con.execute("insert into staging.validation_context values (?)", [as_of])
    con.execute(PENDING_DDL)
    con.execute(
        """
        create or replace temp table reviewed_exceptions (
            check_id varchar, claim_ids varchar[], reason varchar, reviewer varchar,
            reviewed_on date
        )
        """
    )
    unique = {(e.check_id, e.claim_ids): e for e in exceptions}
    if unique:
        con.executemany(
            "insert into reviewed_exceptions values (?, ?, ?, ?, ?)",
            [
                [e.check_id, list(e.claim_ids), e.reason, e.reviewer, e.reviewed_on]
                for e in unique.values()
            ],
        )


def scope_table(catalogue: Catalogue) -> pa.Table:
    """staging.scope_catalogue: one row per scope of catalogue/scopes.yaml, with the scope it
    lies directly `within` and all it lies within (`ancestors`, nearest first, ending with
    global; empty for global), so SQL finds a part's totals with one unnest, no recursion."""
    scopes = list(catalogue.scopes.values())
    ancestors = [list(catalogue.scope_ancestors(s.name)) for s in scopes]
    return pa.table(
        {
            "scope": [s.name for s in scopes],
            "kind": [s.kind for s in scopes],
            "within": pa.array([s.within for s in scopes], pa.string()),
            "ancestors": pa.array(ancestors, pa.list_(pa.string())),
            "depth": pa.array([len(a) for a in ancestors], pa.int32()),
        }
    )


def load_staging_table(
    con: duckdb.DuckDBPyConnection, name: str, rows: pa.Table, order_by: str
) -> None:
    """Replace the table `name` with `rows` (an Arrow table), ordered by `order_by`."""
    con.register("_staging_rows", rows)
    try:
        con.execute(
            f"create or replace table {name} as select * from _staging_rows order by {order_by}"
        )
    finally:
        con.unregister("_staging_rows")


def run_check(
    con: duckdb.DuckDBPyConnection,
    spec: CheckSpec,
    run_id: str,
    checks_dir: Path,
    catalogue: Catalogue,
    gx_session: object | None = None,
) -> CheckResult:
    """Run one check with its engine, file its violations, and say how it went."""
    started = time.perf_counter()
    try:
        run = run_engine(con, spec, checks_dir, catalogue, gx_session)
    except Exception as exc:  # a broken check is reported as status error, never crashes the run
        run = EngineRun(0, (f"{type(exc).__name__}: {exc}",))
    duration_ms = (time.perf_counter() - started) * 1000
    found, excepted = file_violations(con, spec, run_id)
    if run.errors:
        status = "error"
    elif found == 0:
        status = "pass"
    elif excepted == found:
        status = "excepted"
    else:
        status = "fail"
    message = "; ".join(run.errors) if run.errors else None
    return CheckResult(
        check_id=spec.id,
        engine=spec.engine,
        severity=spec.severity,
        table=spec.table,
        status=status,
        violation_count=found,
        excepted_count=excepted,
        duration_ms=duration_ms,
        message=message,
    )


def run_engine(
    con: duckdb.DuckDBPyConnection,
    spec: CheckSpec,
    checks_dir: Path,
    catalogue: Catalogue,
    gx_session: object | None,
) -> EngineRun:
    if spec.engine == "sql":
        return run_sql_check(con, spec, checks_dir)
    if spec.engine == "pandera":
        from checks.engines.pandera_ibis import run_pandera_check

        return run_pandera_check(con, spec)
    if spec.engine == "gx":
        return gx_session.run(con, spec)  # type: ignore[attr-defined]
    raise ValueError(f"check {spec.id!r}: unknown engine {spec.engine!r}")


def file_violations(
    con: duckdb.DuckDBPyConnection, spec: CheckSpec, run_id: str
) -> tuple[int, int]:
    """Move the check's pending violations to audit.violations, marking reviewed exceptions;
    returns (violations, of which excepted)."""
    con.execute(
        f"""
        insert into audit.violations
        select
            $run_id,
            pending.check_id,
            $severity,
            if(reviewed.check_id is null, 'fail', 'excepted'),
            pending.claim_ids,
            pending.files,
            pending.quotes,
            pending.message,
            pending.detail,
            if(reviewed.check_id is null, null,
               format('{{}} (reviewed by {{}} on {{}})', reviewed.reason, reviewed.reviewer,
                      reviewed.reviewed_on)),
            now()
        from {PENDING} as pending
        left join reviewed_exceptions as reviewed
            on reviewed.check_id = pending.check_id
            and reviewed.claim_ids = list_sort(pending.claim_ids)
        where pending.check_id = $check_id
        """,
        {"run_id": run_id, "severity": spec.severity, "check_id": spec.id},
    )
    found, excepted = con.execute(
        """
        select count(*), count(*) filter (where status = 'excepted')
        from audit.violations where run_id = ? and check_id = ?
        """,
        [run_id, spec.id],
    ).fetchone()
    con.execute(f"delete from {PENDING} where check_id = ?", [spec.id])
    return found, excepted


def quarantine_claims(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Quarantine the claims named by a failed (not excepted) error-severity violation, except
    the kept side of a dispute (resolve_disputes ran first). A violation naming one claim alone
    always quarantines it: there is no other side to weigh it against."""
    con.execute(QUARANTINE_SQL.read_text(encoding="utf-8"), {"run_id": run_id})


def publish_valid_claims(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """staging.claims_valid: the claims not quarantined by this run. A view, so 10M claims are
    not copied; the run id is a literal because a view cannot take parameters."""
    literal = run_id.replace("'", "''")
    con.execute(
        f"""
        create or replace view staging.claims_valid as
        select claims.*
        from raw.claims as claims
        anti join (
            select claim_id from quarantine.claims where run_id = '{literal}'
        ) as quarantined using (claim_id)
        """
    )


def record_results(con: duckdb.DuckDBPyConnection, run_id: str, results: list[CheckResult]) -> None:
    con.executemany(
        "insert into audit.check_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
        [
            [
                run_id,
                r.check_id,
                r.engine,
                r.severity,
                r.table,
                r.status,
                r.violation_count,
                r.excepted_count,
                r.duration_ms,
                r.message,
            ]
            for r in results
        ],
    )


def summarise(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    results: list[CheckResult],
    data_docs: DataDocs | None,
    disputes: Resolved,
) -> ValidationOutcome:
    (quarantined,) = con.execute(
        "select count(distinct claim_id) from quarantine.claims where run_id = ?", [run_id]
    ).fetchone()
    (valid,) = con.execute("select count(*) from staging.claims_valid").fetchone()
    counts = Counter((r.severity, r.status) for r in results)
    return ValidationOutcome(
        run_id=run_id,
        results=tuple(results),
        claims_quarantined=quarantined,
        claims_valid=valid,
        data_docs=data_docs,
        counts=dict(counts),
        disputes=disputes,
    )
