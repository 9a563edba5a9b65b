"""The `factledger` command: thin entry points, each calling one library function."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import textwrap
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

EXIT_NOT_COMPLETED = 2  # nothing published: the previous publication is still current
EXIT_PUBLISHED_NOT_RECORDED = 3  # published, but the run could not record that it finished


def _command(commands, name: str, summary: str, description: str, example: str):
    return commands.add_parser(
        name,
        help=summary,
        description=textwrap.dedent(description),
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _directories(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw", type=Path, default=None, help="input directory (default data/raw)")
    parser.add_argument(
        "--curated", type=Path, default=None, help="output directory (default data/curated)"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="factledger",
        description="Dated facts about companies' expansion, checked and published to DuckDB.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  factledger run --raw data/raw --curated data/curated",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = _command(
        commands,
        "run",
        "run the pipeline once on a raw directory",
        """\
        Run the pipeline once: ingest the documents and manifest under --raw, extract dated
        claims and events from new or changed documents, load claim tables from claims/*.csv,
        run the consistency checks (pandera, SQL, Great Expectations), quarantine the claims
        that fail an error-severity check, publish the curated DuckDB atomically and write
        the report, all under --curated.

        Exit status: 0 no check at or above --fail-on failed; 1 one did (its claims are
        quarantined, the rest is published); 2 the run could not complete (the previous
        publication is left as it was).""",
        "factledger run --raw data/raw --curated data/curated --fail-on warn",
    )
    _directories(run)
    run.add_argument(
        "--fail-on",
        choices=("error", "warn", "never"),
        default="error",
        help="exit 1 when a check of this severity or worse fails (default error)",
    )
    _task_runner_options(run)
    _verbosity_option(run)

    sql = commands.add_parser(
        "sql",
        help="open a read-only SQL shell on the published database",
        description=textwrap.dedent(
            """\
            Open the duckdb shell, read-only, on the published database
            (<curated>/factledger.duckdb). Every argument but --curated and --help is the
            duckdb shell's own, passed through in order: -c SQL runs one query and exits,
            -csv, -json, -line, -markdown, -noheader, ... choose the output, `duckdb -help`
            lists them all.

            Runs never block a shell and a shell never blocks a run: a run swaps in a new file
            by rename, and a shell keeps reading the file it opened (the previous publication)
            until it is closed; the next shell opens the new one."""
        ),
        usage="factledger sql [--help] [--curated DIR] [DUCKDB ARGUMENTS ...]",
        epilog='example:\n  factledger sql -csv -c "select * from curated.footprint" > out.csv',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,  # -h, -header, -html are duckdb's: only --help is ours
        allow_abbrev=False,
    )
    sql.__class__ = _PassThroughParser  # what it does not know goes to duckdb, not an error
    sql.add_argument("--help", action="help", help="show this help and exit")
    sql.add_argument("--curated", type=Path, default=None, help="output directory")

    serve = _command(
        commands,
        "serve",
        "serve the pipeline as a scheduled Prefect deployment (blocks)",
        """\
        Register the pipeline as the Prefect deployment 'pipeline/factledger-scheduled' with a
        cron schedule and run its flow runs until stopped (Ctrl-C). Needs a Prefect server that
        outlives runs: start one with `prefect server start` and set PREFECT_API_URL.""",
        'factledger serve --cron "0 6 * * *"',
    )
    _directories(serve)
    serve.add_argument("--cron", default="0 6 * * *", help='schedule (default "0 6 * * *")')
    _task_runner_options(serve)

    evaluate = _command(
        commands,
        "evaluate",
        "measure extraction and checks on an annotated corpus",
        """\
        Run the pipeline on an annotated corpus (manifest.csv, documents/, facts.csv and,
        optionally, conflicts.csv; see ../shared/corpus/README.md) in a scratch directory, then
        score it against the annotations: recall and precision of the extracted claims, overall
        and per metric family, company, period and status accuracy, the misses and the wrong
        claims, and, with conflicts.csv, which annotated conflicts the checks reported. The
        scoring rules are in README.md (Measuring quality).

        Exit status: 0 it ran (whatever the scores); 2 the corpus could not be read or the
        run could not complete.""",
        "factledger evaluate --corpus ../shared/corpus --json bench/out/quality_full.json",
    )
    evaluate.add_argument(
        "--corpus", type=Path, required=True, help="the annotated corpus directory"
    )
    evaluate.add_argument(
        "--json", type=Path, default=None, metavar="FILE", help="also write every figure here"
    )
    evaluate.add_argument(
        "--quotes-only",
        action="store_true",
        help="reduce each document to its title and annotated quotes before running",
    )
    _verbosity_option(evaluate)
    return parser


def _verbosity_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="-v: also the flow's own log (INFO); -vv: Prefect's log too",
    )


class _PassThroughParser(argparse.ArgumentParser):
    """The parser of `factledger sql`: its own options are read, and every other argument is
    kept, in order, in `shell_args` for the duckdb shell (`-csv`, `-c SQL`, ...)."""

    def parse_known_args(self, args=None, namespace=None):
        namespace, rest = super().parse_known_args(args, namespace)
        namespace.shell_args = rest
        return namespace, []


def _task_runner_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--task-runner",
        choices=("default", "dask"),
        default="default",
        help="where extraction batches run: a thread here (default) or a Dask cluster",
    )
    parser.add_argument(
        "--dask-address",
        default=None,
        help="tcp://HOST:PORT of an existing Dask scheduler (default: start a local cluster)",
    )


def cmd_run(args: argparse.Namespace) -> int:
    # Before anything starts: a mistake in the arguments, settings, manifest, catalogue or
    # checks exits 2 with one message, in about the time of importing duckdb
    # (flows/runtime/preflight.py).
    from flows.runtime.preflight import PreflightError, check

    try:
        check(args.raw, args.curated)
    except PreflightError as mistake:
        print(f"factledger: {mistake}", file=sys.stderr)
        return EXIT_NOT_COMPLETED
    # First, before the imports below, two processes that take seconds to start: the GX judge
    # imports Great Expectations (checks/engines/gx_judge.py), and, when no Prefect API is
    # configured, the run's Prefect server starts (flows/runtime/temporary_server.py). Both start on
    # the other core while this process imports Prefect and the stages.
    from checks.engines.gx_judge import warm_up

    warm_up()
    from flows.runtime.gc_pause import collection_paused

    # Imported here: Prefect and the stages take seconds to import, and `--help` should not.
    with collection_paused(freeze=True):
        from flows.runtime import temporary_server

        server = temporary_server.start_if_needed()
        from flows.pipeline import (
            EXPECTED_FAILURES,
            ChecksFailed,
            PublishedNotRecorded,
            pipeline,
        )
        from flows.runtime.runlock import PipelineBusy
        from flows.runtime.runners import make_task_runner
        from flows.runtime.settings import load_settings
        from flows.validate import exit_code, warm_up_checks

    configure_logging(args.verbose)
    warm_up_checks()  # pandera's import overlaps the flow run's start (Prefect API calls)
    # The directories as the run will use them, passed as the flow's parameters: the flow run
    # is named after them ("factledger /path/to/raw"), as a scheduled run is.
    settings = load_settings().with_(raw_dir=args.raw, curated_dir=args.curated).resolved()
    try:
        with temporary_server.using(server), without_heartbeats():
            # Made once the run's Prefect API is known: a local cluster's workers report to it.
            runner = make_task_runner(args.task_runner, args.dask_address)
            flow = pipeline.with_options(task_runner=runner)
            summary = flow(raw_dir=settings.raw_dir, curated_dir=settings.curated_dir)
    except ChecksFailed as failed:  # completed and published; its Failed state says why (exit 1)
        summary = failed.summary
    except PublishedNotRecorded as unrecorded:
        print(f"factledger: {unrecorded}", file=sys.stderr)
        return EXIT_PUBLISHED_NOT_RECORDED
    except PipelineBusy as busy:
        print(f"factledger: {busy}", file=sys.stderr)
        return EXIT_NOT_COMPLETED
    except EXPECTED_FAILURES as exc:  # the run could not complete: say why, exit 2
        print(f"factledger: run failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_NOT_COMPLETED
    except Exception:  # a bug: its traceback, and a line saying so
        traceback.print_exc()
        print(
            "factledger: run failed: this is a bug in factledger, not a mistake in the input "
            "(the traceback above says where); the previous publication is as it was",
            file=sys.stderr,
        )
        return EXIT_NOT_COMPLETED
    for rejection in summary.rejections:
        row = f" row {rejection.row_number}" if rejection.row_number else ""
        print(f"rejected{row}: {rejection.detail}", file=sys.stderr)
    print(run_lines(summary))
    code = exit_code(summary.validation, args.fail_on)
    print(f"verdict: {'FAILED' if code else 'OK'}: {summary.report.headline}{rejected(summary)}")
    return code


def _is_the_flows_own(record: logging.LogRecord) -> bool:
    """A record the pipeline's code wrote (flows.*, checks.*, or its run logger), not Prefect's."""
    return record.name.split(".")[0] in ("flows", "checks") or record.pathname.startswith(
        _PROJECT_CODE
    )


_PROJECT_CODE = tuple(
    str(Path(__file__).resolve().parents[1] / d) + os.sep for d in ("flows", "checks")
)


class _Verbosity(logging.Filter):
    """What reaches the terminal: nothing below CRITICAL at 0 (the CLI prints the summary and
    the verdict itself) but a record marked for it (a run waiting for another), the flow's own
    INFO at 1, everything at INFO at 2."""

    def __init__(self, verbosity: int) -> None:
        super().__init__()
        self.verbosity = verbosity

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.CRITICAL or self.verbosity >= 2:
            return True
        if getattr(record, "factledger_terminal", False):  # flows.pipeline.ON_THE_TERMINAL
            return True
        return self.verbosity == 1 and _is_the_flows_own(record)


def configure_logging(verbosity: int) -> None:
    """The one logging configuration of `factledger run`, after Prefect set up its own.

    Only what reaches the terminal changes: Prefect's API handler still sends the flow and
    task runs' INFO to the Prefect server, where the UI shows it whatever the verbosity.
    Python warnings (a library's deprecations) are log records too, shown at -vv."""
    logging.captureWarnings(True)
    if verbosity < 2:
        # Processes started from here on (Dask workers) set up Prefect's logging afresh: their
        # terminal handler stays quiet too (an override of Prefect's logging.yml by environment).
        # Set after this process configured its own, which the filter below governs.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    logging.getLogger("flows").setLevel(logging.INFO)
    logging.getLogger("checks").setLevel(logging.INFO)
    terminal = _Verbosity(verbosity)
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            if isinstance(handler, logging.StreamHandler) and not any(
                isinstance(f, _Verbosity) for f in handler.filters
            ):
                handler.addFilter(terminal)


@contextmanager
def without_heartbeats() -> Iterator[None]:
    """No flow-run heartbeats for a run started here, unless PREFECT_FLOWS_HEARTBEAT_FREQUENCY
    asks for them.

    Heartbeats let an automation mark a deployment's run as crashed when they stop (Prefect's
    "detect zombie flows"); a run started by `factledger run` is watched by whoever started it,
    through its exit status. They are not free: Prefect's flow engine (3.8.8) ends every run by
    joining its heartbeat thread, which sleeps in whole seconds, so each run waited up to 1 s
    (1.0 s on an empty flow, bench/HISTORY.md, End to end) after its work was done. Runs of
    the served deployment (`factledger serve`, prefect.yaml) keep Prefect's setting."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if "PREFECT_FLOWS_HEARTBEAT_FREQUENCY" in os.environ:
        yield
        return
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def reextracted(counts: dict[str, int]) -> str:
    """ ", 3 extracted again" when stored documents were (the catalogue changed, or a run died
    before their claims were written); nothing otherwise."""
    n = counts.get("documents_reextracted", 0)
    return f", {n} extracted again" if n else ""


def rejected(summary) -> str:
    """ " 2 inputs rejected: ..." naming where they are listed when the run refused a document
    or a claims-table row (each is also printed above the summary); nothing otherwise."""
    n = len(summary.rejections)
    if not n:
        return ""
    what = "input" if n == 1 else "inputs"
    return (
        f" {n} {what} rejected: see 'Rejected inputs' in {summary.report.html_path} "
        f"(rejections in {summary.report.json_path.name})"
    )


def run_lines(summary) -> str:
    c = summary.counts
    outcome = summary.validation
    lines = [
        f"run {summary.run_id}",
        f"documents: {c.get('documents_new', 0)} new, {c.get('documents_changed', 0)} changed, "
        f"{c.get('documents_unchanged', 0)} unchanged, {c.get('documents_removed', 0)} removed, "
        f"{c.get('documents_rejected', 0)} rejected{reextracted(c)}",
        f"ledger: {c.get('claims', 0)} claims, {c.get('events', 0)} events, "
        f"{outcome.claims_quarantined} claims quarantined",
    ]
    for result in outcome.results:
        if result.status in ("fail", "error"):
            lines.append(
                f"check {result.check_id} ({result.severity}): {result.status}, "
                f"{result.violation_count} violation(s)"
            )
    lines += [
        f"database: {summary.database}",
        f"report:   {summary.report.html_path}",
    ]
    return "\n".join(lines)


def cmd_sql(args: argparse.Namespace) -> int:
    from flows.publish import published_path, shell_command
    from flows.runtime.settings import SettingsError, load_settings

    try:
        settings = load_settings().with_(curated_dir=args.curated)
    except SettingsError as mistake:
        print(f"factledger: {mistake}", file=sys.stderr)
        return EXIT_NOT_COMPLETED
    if not published_path(settings).exists():
        print(
            f"factledger: nothing published yet at {published_path(settings)} "
            "(run `factledger run` first)",
            file=sys.stderr,
        )
        return EXIT_NOT_COMPLETED
    argv = shell_command(settings, shell_args=args.shell_args)
    os.execv(argv[0], argv)  # the shell replaces this process: signals and exit code are its own


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.runtime.preflight import PreflightError, check

    try:  # a mistake found now, not at the first scheduled run
        check(args.raw, args.curated)
    except PreflightError as mistake:
        print(f"factledger: {mistake}", file=sys.stderr)
        return EXIT_NOT_COMPLETED
    from flows.runtime.runners import make_task_runner
    from flows.runtime.schedule import serve_pipeline
    from flows.runtime.settings import load_settings

    settings = load_settings().with_(raw_dir=args.raw, curated_dir=args.curated)
    runner = make_task_runner(args.task_runner, args.dask_address)
    serve_pipeline(args.cron, settings.raw_dir, settings.curated_dir, task_runner=runner)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    # Imported here: running the pipeline imports Prefect and the stages, and `--help` should
    # not wait for them.
    import prefect  # noqa: F401  (sets up its logging, which configure_logging then quiets)

    from flows.evaluate import EvaluationError, evaluate
    from flows.evaluate.render import text_report, write_json

    configure_logging(args.verbose)
    try:
        result = evaluate(args.corpus, quotes_only=args.quotes_only)
    except EvaluationError as exc:
        print(f"factledger: {exc}", file=sys.stderr)
        return EXIT_NOT_COMPLETED
    except Exception as exc:  # the run could not complete: say why, exit 2
        print(f"factledger: evaluation failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_NOT_COMPLETED
    print(text_report(result))
    if args.json is not None:
        write_json(result, args.json)
        print(f"json: {args.json}")
    return 0


COMMANDS = {"run": cmd_run, "sql": cmd_sql, "serve": cmd_serve, "evaluate": cmd_evaluate}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return COMMANDS[args.command](args)


def console_script() -> None:
    """The `factledger` command (pyproject.toml, [project.scripts])."""
    code = main()
    # Everything is written and closed by now. Left alone, the interpreter's exit would walk
    # the run's objects (Prefect, DuckDB, Arrow, ibis) for garbage cycles: 0.7-1.2 s measured
    # (bench/HISTORY.md, End to end). Frozen, they are left to the end of the process; atexit
    # handlers (Prefect draining its logs and events, the GX judge, the run's server) still run.
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    console_script()
