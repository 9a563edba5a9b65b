"""The `factledger` command: thin entry points, each calling one library function."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

EXIT_NOT_COMPLETED = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="factledger",
        description="Dated facts about companies' expansion, checked and published to DuckDB.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  factledger run --raw data/raw --curated data/curated",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run the pipeline once on a raw directory",
        description=textwrap.dedent(
            """\
            Run the pipeline once: ingest the documents and manifest under --raw, extract
            dated claims and events from new or changed documents, load claim tables from
            claims/*.csv, run the consistency checks (pandera, SQL, Great Expectations),
            quarantine the claims that fail an error-severity check, and record the run in
            the warehouse under --curated.

            Exit status: 0 no check at or above --fail-on failed; 1 one did (its claims are
            quarantined, the rest is kept); 2 the run could not complete."""
        ),
        epilog="example:\n  factledger run --raw data/raw --curated data/curated",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--raw", type=Path, default=None, help="input directory (default data/raw)")
    run.add_argument(
        "--curated", type=Path, default=None, help="output directory (default data/curated)"
    )
    run.add_argument(
        "--fail-on",
        choices=("error", "warn", "never"),
        default="error",
        help="exit 1 when a check of this severity or worse fails (default error)",
    )
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    from flows.pipeline import pipeline  # imported here: Prefect is slow to import
    from flows.validate import exit_code

    try:
        summary = pipeline(raw_dir=args.raw, curated_dir=args.curated)
    except Exception as exc:  # the run could not complete: say why, exit 2
        print(f"factledger: run failed: {exc}", file=sys.stderr)
        return EXIT_NOT_COMPLETED
    for rejection in summary.rejections:
        print(f"rejected {rejection.file}: {rejection.detail}", file=sys.stderr)
    c = summary.counts
    print(f"run {summary.run_id}")
    print(
        f"documents: {c.get('documents_new', 0)} new, {c.get('documents_changed', 0)} changed, "
        f"{c.get('documents_unchanged', 0)} unchanged, {c.get('documents_removed', 0)} removed, "
        f"{c.get('documents_rejected', 0)} rejected"
    )
    print(f"ledger: {c.get('claims', 0)} claims, {c.get('events', 0)} events")
    print(f"warehouse: {summary.warehouse}")
    outcome = summary.validation
    failed = [r for r in outcome.results if r.status in ("fail", "error")]
    for result in failed:
        print(
            f"check {result.check_id} ({result.severity}): {result.status}, "
            f"{result.violation_count} violation(s)"
        )
    code = exit_code(outcome, args.fail_on)
    passed = len(outcome.by_status("pass"))
    excepted = len(outcome.by_status("excepted"))
    verdict = "FAILED" if code else "OK"
    print(
        f"verdict: {verdict}: {passed} checks passed, {len(failed)} failed, {excepted} excepted; "
        f"{outcome.claims_quarantined} claims quarantined"
    )
    return code


COMMANDS = {"run": cmd_run}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
