"""The `pipeline` flow: one Prefect task per stage. Flows orchestrate; the stages compute."""

# No `from __future__ import annotations` here: `serve` pickles the flow function by value into
# its run processes, where string annotations could not be resolved again.

import logging
import secrets
from bisect import bisect_left
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate, pairwise
from pathlib import Path

import duckdb
import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.states import Failed, State

from checks.registry import CheckCatalogueError
from flows import audit, load
from flows.catalogue import CatalogueError, load_catalogue
from flows.extract import extractor_for, extractor_version
from flows.ingest import IngestError, ingest_documents
from flows.model import Claim, Document, Event, Rejection
from flows.publish import (
    Publication,
    PublishError,
    build_publication,
    current_version,
    make_current,
    publish_lock,
    published_path,
    remove_unpublished_versions,
    run_of_version,
)
from flows.report import ReportError, ReportResult, failures_table, markdown_summary, write_report
from flows.resolve.rules import ResolutionRulesError
from flows.runtime.pause import pause_point
from flows.runtime.preflight import PreflightError
from flows.runtime.runlock import LockHolder, pipeline_lock
from flows.runtime.runners import make_task_runner, parallel_slots
from flows.runtime.settings import Settings, SettingsError, load_settings
from flows.validate import CheckResult, ValidationOutcome, validate, warm_up_checks
from flows.warehouse import connect, records_of, records_table

# About this many documents per extraction task (`batches`). Measured (bench/HISTORY.md,
# Scale-out) on 10,000 documents: 200 and 1000 cost more per document; 2500 and 5000 do not
# differ on a 2-worker Dask cluster; 2500 (~9 MB of text) stays under Dask's 10 MB large-graph
# warning, and a failed batch re-extracts less.
EXTRACT_BATCH_SIZE = 2500


@dataclass
class RunSummary:
    """What a run did, for the CLI's closing lines and the audit."""

    run_id: str
    warehouse: Path
    database: Path  # the current publication's, as readers open it (data/curated/...)
    counts: dict[str, int] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    validation: ValidationOutcome | None = None
    publication: Publication | None = None
    report: ReportResult | None = None


class WarehouseError(RuntimeError):
    """DuckDB gave up on the warehouse (a write that failed: a full disk); not a bug."""


class PublishedNotRecorded(RuntimeError):
    """The run's publication is current, but the run could not record that it finished."""


class ChecksFailed(Exception):
    """The run completed and published its passing rows, but error-severity checks failed.

    The data of the flow run's Failed state: calling the flow raises it, and `summary` is the
    run's RunSummary, as a completed run returns it (`factledger run` prints it and exits 1).
    """

    def __init__(self, message: str, summary: RunSummary) -> None:
        super().__init__(message)
        self.summary = summary

    def __reduce__(self) -> tuple[type, tuple[str, RunSummary]]:
        return (ChecksFailed, (str(self), self.summary))


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


# Mistakes in the input or configuration: the same files give the same error on every attempt.
# Preflight (flows/runtime/preflight.py) refuses most before the run; one that slips past it (a file
# edited during the run, a flow run started without the CLI) fails its task at once.
CANNOT_SUCCEED_ON_RETRY: tuple[type[BaseException], ...] = (
    CatalogueError,
    CheckCatalogueError,
    ResolutionRulesError,
    IngestError,
    PreflightError,
    SettingsError,
)


# What ends a run with one line and exit 2 (`factledger run`): the mistakes above, and what the
# machine refused (a full disk, a file another program holds). Anything else is a bug in
# factledger, shown with its traceback.
EXPECTED_FAILURES: tuple[type[BaseException], ...] = (
    *CANNOT_SUCCEED_ON_RETRY,
    PublishError,
    ReportError,
    WarehouseError,
    OSError,
    duckdb.IOException,
)


# A log record with this extra reaches `factledger run`'s terminal at every verbosity (a run
# waiting for another one says so, whatever -v says).
ON_THE_TERMINAL = {"factledger_terminal": True}


def can_succeed_on_retry(task: object, task_run: object, state: State) -> bool:
    """Prefect's retry_condition_fn for the stages with retries: retry what may pass next
    time (a locked file, a full disk freed), never a mistake in the input or configuration."""
    try:
        error = state.result(raise_on_failure=False)
    except Exception:  # the result cannot be read: retry, as Prefect would without a condition
        return True
    return not isinstance(error, CANNOT_SUCCEED_ON_RETRY)


@contextmanager
def warehouse(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(settings.warehouse_path, settings.duckdb_memory_limit)
    try:
        yield con
    except duckdb.FatalException as exc:
        raise WarehouseError(f"{settings.warehouse_path}: {exc}") from exc
    finally:
        con.close()


@task(
    name="ingest",
    task_run_name="ingest {settings.raw_dir}",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=can_succeed_on_retry,
    cache_policy=NO_CACHE,
)
def ingest(
    settings: Settings, run_id: str, extractor_version: str
) -> tuple[list[Document], dict[str, int], list[Rejection]]:
    """Read documents and manifest, load what changed; return the documents to extract: the
    new and changed ones, and any stored one this extractor has not extracted (the run that
    ingested it died first, or the catalogue or the extractor changed since)."""
    with warehouse(settings) as con:
        result = ingest_documents(
            settings, load.known_documents(con), load.known_manifest_rows(con)
        )
        load.load_documents(con, result, run_id)
        load.record_rejections(con, run_id, result.rejections)
        to_extract = load.documents_not_extracted(con, extractor_version)
    counts = {
        "documents_new": len(result.new),
        "documents_changed": len(result.changed),
        "documents_unchanged": len(result.unchanged),
        "documents_removed": len(result.removed),
        "documents_rejected": len(result.rejections),
        "documents_reextracted": len(to_extract) - len(result.new) - len(result.changed),
    }
    return to_extract, counts, result.rejections


@dataclass(frozen=True)
class ExtractedBatch:
    """One extraction task's output: its claims and events as Arrow tables of Claim and Event
    records (cheap to send back from a Dask worker), and the documents that failed."""

    claims: pa.Table
    events: pa.Table
    failures: list[Rejection]


@task(
    name="extract",
    task_run_name="extract {label}",
    retries=1,
    retry_condition_fn=can_succeed_on_retry,
    cache_policy=NO_CACHE,
)
def extract_batch(documents: pa.Table, catalogue_dir: Path, label: str) -> ExtractedBatch:
    """Extract claims and events from one batch of documents (an Arrow table of Document
    records: one value to Prefect, which walks lists and dataclasses field by field looking for
    futures, and to Dask, which hashes a task's arguments; bench/HISTORY.md).

    A document whose extraction raises is recorded as a rejection and the batch goes on:
    one bad document must not cost the others their run.
    """
    extractor = extractor_for(catalogue_dir)
    claims, events, failures = [], [], []
    for doc in records_of(documents, Document):
        try:
            found = extractor.extract(doc)
        except Exception as exc:
            failures.append(
                Rejection(
                    "extract",
                    doc.file,
                    "extraction_error",
                    f"{doc.file}: extraction raised {type(exc).__name__}: {exc}",
                )
            )
            continue
        claims.extend(found.claims)
        events.extend(found.events)
    return ExtractedBatch(records_table(claims, Claim), records_table(events, Event), failures)


@dataclass(frozen=True)
class Loaded:
    """What the load task wrote: counts for the run's summary, and the rows it turned away."""

    counts: dict[str, int]
    documents_failed: int  # extraction raised: rejected, and forgotten until the next run
    rejections: list[Rejection]


@task(
    name="load",
    task_run_name="load run {run_id}",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=can_succeed_on_retry,
    cache_policy=NO_CACHE,
)
def load_claims(
    settings: Settings,
    run_id: str,
    doc_ids: list[str],
    extracted: list[ExtractedBatch],
    extractor_version: str,
) -> Loaded:
    """Write the batches' claims and events (forgetting the documents that failed to
    extract), then the claims derived elsewhere (data/raw/claims/*.csv) beside them."""
    claims = concat([b.claims for b in extracted], Claim)
    events = concat([b.events for b in extracted], Event)
    failures = [r for b in extracted for r in b.failures]
    with warehouse(settings) as con:
        load.replace_extractions(con, doc_ids, claims, events, run_id, extractor_version)
        load.forget_documents(con, [r.file for r in failures])
        load.record_rejections(con, run_id, failures)
        documents = {d.file: d for d in load.all_documents(con)}
        table_claims, table_rejections = load.read_claim_tables(
            settings, documents, load_catalogue(settings.catalogue_dir)
        )
        load.replace_table_claims(con, table_claims, run_id)
        load.record_rejections(con, run_id, table_rejections)
    counts = {
        "claims_extracted": claims.num_rows,
        "table_claims": len(table_claims),
        "claim_rows_rejected": len(table_rejections),
    }
    return Loaded(counts, len(failures), [*failures, *table_rejections])


@task(name="validate", task_run_name="validate run {run_id}", cache_policy=NO_CACHE)
def run_checks(settings: Settings, run_id: str) -> ValidationOutcome:
    """pandera, SQL and GX checks; quarantine what fails; history in audit.*."""
    with warehouse(settings) as con:
        return validate(con, settings, run_id)


@task(
    name="publish",
    task_run_name="publish {settings.curated_dir}",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=can_succeed_on_retry,
    cache_policy=NO_CACHE,
)
def publish_ledger(settings: Settings, run_id: str) -> Publication:
    """Build the next publication (curated DuckDB, Parquet copies), not yet current."""
    return build_publication(settings, run_id)


@task(
    name="report",
    task_run_name="report run {publication.run_id}",
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=can_succeed_on_retry,
    cache_policy=NO_CACHE,
)
def report_run(
    settings: Settings, publication: Publication, counts: dict[str, int]
) -> ReportResult:
    """Write the HTML and JSON report into the publication; attach its summary to the flow
    run as artifacts."""
    report = write_report(settings, publication, counts)
    create_markdown_artifact(
        markdown_summary(report), key="factledger-report", description="factledger run report"
    )
    failures = failures_table(report)
    if failures:
        create_table_artifact(failures, key="factledger-failures", description="failed checks")
    return report


@task(name="go live", task_run_name="make {publication.version} current", cache_policy=NO_CACHE)
def go_live(settings: Settings, publication: Publication, counts: dict[str, int]) -> None:
    """The one step that publishes (flows/publish.py), then the run's record says so. A failure
    to record it after the swap is PublishedNotRecorded: the next run completes the record."""
    make_current(settings, publication)
    try:
        record_run_end(settings, publication.run_id, "completed", counts, None)
    except (OSError, duckdb.Error) as exc:
        raise PublishedNotRecorded(
            f"run {publication.run_id}: published {publication.directory}, but recording that in"
            f" {settings.warehouse_path} failed ({type(exc).__name__}: {exc}); the next run"
            " records it"
        ) from exc


def concat(tables: list[pa.Table], record_type: type) -> pa.Table:
    if not tables:
        return records_table([], record_type)
    # "default" promotion: a column all null in one batch (type null) joins its typed twin
    return pa.concat_tables(tables, promote_options="default")


def batches(documents: list[Document], max_size: int, slots: int = 1) -> list[list[Document]]:
    """The documents in order, cut into batches that hold about the same amount of text.

    As many batches as make each about `max_size` documents (the nearest count), rounded up to
    a multiple of `slots` (the tasks the runner runs at once), so that every worker gets the
    same share and they finish together: 10,001 documents in batches of 2,500 on 2 workers are
    4 batches of ~2,500, not four of 2,500 and one of 1 (bench/HISTORY.md, Scale-out).
    """
    if not documents:
        return []
    count = max(1, (2 * len(documents) + max_size) // (2 * max_size))  # rounded half up
    count = min(-(-count // slots) * slots, len(documents))
    # Cut at the document end nearest to each count-th of the whole text; +1 per document,
    # since an empty one still costs a little.
    ends = list(accumulate(len(doc.text) + 1 for doc in documents))
    cuts = [0]
    for k in range(1, count):
        target = ends[-1] * k / count
        i = bisect_left(ends, target)  # the document whose end first reaches the target
        cut = i if i > 0 and target - ends[i - 1] < ends[i] - target else i + 1
        # every batch keeps at least one document, and leaves one for each batch after it
        cuts.append(min(max(cut, cuts[-1] + 1), len(documents) - (count - k)))
    cuts.append(len(documents))
    return [documents[a:b] for a, b in pairwise(cuts)]


def record_run_end(
    settings: Settings, run_id: str, status: str, counts: dict[str, int], error: str | None
) -> None:
    with warehouse(settings) as con:
        if status == "publishing":
            counts.update(audit.ledger_counts(con))
        audit.finish_run(con, run_id, status, counts, error)


def recover(settings: Settings, run_id: str) -> None:
    """What a run whose process died left (we hold the lock, so it is dead): its record is
    marked abandoned (or completed, if its publication went live), and a publication it left
    unfinished is removed. Said on the terminal: the user should know a run was lost."""
    with publish_lock(settings.curated_dir):
        removed = remove_unpublished_versions(settings.curated_dir)
    current = current_version(settings.curated_dir)
    with warehouse(settings) as con:
        abandoned = audit.abandon_dead_runs(con, run_id, current and run_of_version(current))
    for dead in abandoned:
        get_run_logger().warning(
            "run %s ended before it finished (its process died); marked abandoned in audit.runs",
            dead,
            extra=ON_THE_TERMINAL,
        )
    for name in removed:
        get_run_logger().info("removed the unfinished publication %s", name)


@flow(
    name="pipeline",
    flow_run_name="factledger {raw_dir}",
    log_prints=False,
    task_runner=make_task_runner("default", None),
)
def pipeline(raw_dir: Path | None = None, curated_dir: Path | None = None) -> RunSummary | State:
    """Ingest → extract → load → validate → publish → report → go live, one run at a time.

    Ends Completed with the RunSummary, or, when an error-severity check failed, Failed (after
    the passing rows were published and the report written) with a message naming the failed
    checks and the summary inside (ChecksFailed), so that a deployment's run history and
    automations see the verdict without opening an artifact."""
    warm_up_checks()
    settings = load_settings().with_(raw_dir=raw_dir, curated_dir=curated_dir).resolved()
    run_id = new_run_id()
    logger = get_run_logger()

    def say_waiting(holder: LockHolder | None) -> None:
        logger.warning(
            "waiting up to %.0f s for the run that holds %s: %s",
            settings.lock_wait_seconds,
            settings.curated_dir,
            holder.describe() if holder else "an unknown process (no holder recorded yet)",
            extra=ON_THE_TERMINAL,
        )

    with pipeline_lock(
        settings.curated_dir, settings.lock_wait_seconds, run_id=run_id, on_wait=say_waiting
    ):
        with warehouse(settings) as con:
            audit.start_run(con, run_id, settings.raw_dir)
        recover(settings, run_id)
        counts: dict[str, int] = {}
        try:
            summary = run_stages(settings, run_id, counts)
        except PublishedNotRecorded:
            raise  # published: not a failed run; the next run completes its record
        except Exception as exc:
            record_run_end(settings, run_id, "failed", counts, f"{type(exc).__name__}: {exc}")
            raise
    logger.info("run %s: %s", run_id, counts)
    return verdict(summary)


def verdict(summary: RunSummary) -> RunSummary | State:
    """The flow's end: the summary when no error-severity check failed, else a Failed state
    carrying it. Failed warn-severity checks are logged at WARNING, error-severity ones at
    ERROR."""
    logger = get_run_logger()
    broken = [r for r in summary.validation.results if r.status in ("fail", "error")]
    for result in broken:
        level = logging.ERROR if result.severity == "error" else logging.WARNING
        logger.log(level, "check %s (%s): %s", result.check_id, result.severity, outcome_of(result))
    errors = [r for r in broken if r.severity == "error"]
    if not errors:
        return summary
    message = failed_message(errors, summary)
    return Failed(message=message, data=ChecksFailed(message, summary))


def outcome_of(result: CheckResult) -> str:
    if result.status == "error":
        return f"could not run: {result.message}"
    return f"{result.violation_count} violation(s)"


def failed_message(errors: list[CheckResult], summary: RunSummary) -> str:
    """'error-severity checks failed: same_time_claims_agree (3 violations); ... published'."""
    named = "; ".join(
        f"{r.check_id} ({'could not run' if r.status == 'error' else plural_violations(r)})"
        for r in errors
    )
    outcome = summary.validation
    return (
        f"error-severity checks failed: {named}. Published {outcome.claims_valid} claims, "
        f"{outcome.claims_quarantined} quarantined, to {summary.database}; "
        f"report: {summary.report.html_path}"
    )


def plural_violations(result: CheckResult) -> str:
    n = result.violation_count - result.excepted_count
    return f"{n} violation{'' if n == 1 else 's'}"


def run_stages(settings: Settings, run_id: str, counts: dict[str, int]) -> RunSummary:
    """The stages in order, as tasks of the current flow run; `counts` fills as they go."""
    version = extractor_version(settings.catalogue_dir)
    to_extract, ingest_counts, rejections = ingest(settings, run_id, version)
    counts.update(ingest_counts)
    pause_point("ingested")
    documents = to_extract
    # Asked only when there is work: asking starts a local Dask cluster.
    slots = parallel_slots(FlowRunContext.get().task_runner) if documents else 1
    parts = batches(documents, EXTRACT_BATCH_SIZE, slots)
    futures = [
        extract_batch.submit(
            records_table(batch, Document), settings.catalogue_dir, f"batch {i + 1} of {len(parts)}"
        )
        for i, batch in enumerate(parts)
    ]
    extracted = [f.result() for f in futures]
    pause_point("extracted")
    loaded = load_claims(
        settings,
        run_id,
        [d.doc_id for d in documents],
        extracted,
        version,
    )
    counts.update(loaded.counts)
    counts["documents_rejected"] += loaded.documents_failed
    pause_point("loaded")
    outcome = run_checks(settings, run_id)
    counts["claims_quarantined"] = outcome.claims_quarantined
    pause_point("validated")
    # Its counts recorded before publishing, so that the publication's audit.runs shows this
    # run whole; 'publishing' until the publication is current.
    record_run_end(settings, run_id, "publishing", counts, None)
    pause_point("publishing")
    published = publish_ledger(settings, run_id)
    report = report_run(settings, published, counts)
    pause_point("reported")
    go_live(settings, published, counts)
    # The GX judge renders the Data Docs while publish and report run; the run is done with them.
    get_run_logger().info("GX Data Docs: %s", outcome.gx_docs or "not written (see the GX checks)")
    return RunSummary(
        run_id=run_id,
        warehouse=settings.warehouse_path,
        database=published_path(settings),
        counts=counts,
        rejections=[*rejections, *loaded.rejections],
        validation=outcome,
        publication=published,
        report=report,
    )
