"""Run the real pipeline on an annotated corpus in a scratch directory, and score what it found."""

from __future__ import annotations

import csv
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import yaml

from flows.evaluate.corpus import (
    Corpus,
    EvaluationError,
    pipeline_date,
    quote_document,
    read_corpus,
)
from flows.evaluate.scoring import (
    Claim,
    ConflictScores,
    ExtractionScores,
    Violation,
    score_conflicts,
    score_extraction,
)
from flows.runtime.settings import load_settings

if TYPE_CHECKING:
    from flows.pipeline import RunSummary

# The columns flows/ingest.py reads (data/raw/manifest.csv).
PIPELINE_MANIFEST = ("file", "published_at", "title", "publisher", "url", "entity")


@dataclass(frozen=True)
class Evaluation:
    corpus_dir: Path
    quotes_only: bool
    run_id: str
    claims: int
    violations: int
    extraction: ExtractionScores
    conflicts: ConflictScores | None  # None: the corpus has no conflicts.csv


def evaluate(corpus_dir: Path, quotes_only: bool = False) -> Evaluation:
    """Read the corpus, run the pipeline on it in a scratch directory, score the run."""
    corpus = read_corpus(corpus_dir)
    families = metric_families(load_settings().catalogue_dir)
    with tempfile.TemporaryDirectory(prefix="factledger-evaluate-") as scratch:
        raw, curated = Path(scratch) / "raw", Path(scratch) / "curated"
        write_raw_dir(corpus, raw, quotes_only)
        summary = run_pipeline(raw, curated)
        texts, claims, violations = read_run(summary.warehouse, summary.run_id)
    conflicts = None if corpus.conflicts is None else score_conflicts(corpus.conflicts, violations)
    return Evaluation(
        corpus_dir=corpus.directory,
        quotes_only=quotes_only,
        run_id=summary.run_id,
        claims=len(claims),
        violations=len(violations),
        extraction=score_extraction(corpus, texts, claims, families),
        conflicts=conflicts,
    )


def write_raw_dir(corpus: Corpus, raw_dir: Path, quotes_only: bool = False) -> None:
    """A raw directory for the pipeline: documents/ (each reduced to its quote document when
    quotes_only) and manifest.csv in the pipeline's columns, published_at as a whole date."""
    documents = raw_dir / "documents"
    documents.mkdir(parents=True)
    for doc in corpus.documents.values():
        target = documents / doc.file
        target.parent.mkdir(parents=True, exist_ok=True)
        if quotes_only:
            target.write_text(quote_document(doc, corpus.facts_of(doc.file)), encoding="utf-8")
        else:
            shutil.copyfile(corpus.directory / "documents" / doc.file, target)
    with (raw_dir / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PIPELINE_MANIFEST)
        for doc in corpus.documents.values():
            published = pipeline_date(doc.published_at).isoformat()
            writer.writerow([doc.file, published, doc.title, doc.publisher, doc.url, doc.entity])


def run_pipeline(raw_dir: Path, curated_dir: Path) -> RunSummary:
    """The pipeline flow once, as `factledger run` starts it (GX judge and Prefect's temporary
    server started first, no heartbeats); returns its RunSummary."""
    from checks.engines.gx_judge import warm_up

    warm_up()
    from flows.runtime import temporary_server

    server = temporary_server.start_if_needed()
    from flows.cli import without_heartbeats
    from flows.pipeline import ChecksFailed, pipeline

    with temporary_server.using(server), without_heartbeats():
        try:
            return pipeline(raw_dir=raw_dir, curated_dir=curated_dir)
        except ChecksFailed as failed:  # error-severity checks failed: the run is still scored
            return failed.summary


def read_run(warehouse: Path, run_id: str) -> tuple[dict[str, str], list[Claim], list[Violation]]:
    """The documents' stored texts, every claim (quarantined ones too: raw.claims) and the
    run's violations, from the scratch warehouse."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        texts = dict(con.execute("select file, text from raw.documents").fetchall())
        claims = [
            Claim(*row)
            for row in con.execute(
                """
                select c.claim_id, d.file, c.entity, c.metric, c.value_lo, c.value_hi,
                    c.value_text, c.quote, c.char_start, c.char_end, c.period_start,
                    c.period_end, c.status
                from raw.claims as c
                join raw.documents as d using (doc_id)
                order by d.file, c.char_start, c.char_end, c.claim_id
                """
            ).fetchall()
        ]
        violations = [
            Violation(check_id, severity, status, tuple(ids), tuple(quotes), tuple(files), message)
            for check_id, severity, status, ids, quotes, files, message in con.execute(
                """
                select check_id, severity, status, claim_ids, quotes, document_files, message
                from audit.violations
                where run_id = ?
                order by check_id, message
                """,
                [run_id],
            ).fetchall()
        ]
    finally:
        con.close()
    return texts, claims, violations


def metric_families(catalogue_dir: Path) -> dict[str, str]:
    """metric → family, from the catalogue model when it carries `family`, else from
    metrics.yaml itself (flows/catalogue.py may not know the field yet). A metric with no
    family is its own."""
    try:
        from flows.catalogue import load_catalogue

        metrics = load_catalogue(catalogue_dir).metrics
        families = {m: getattr(spec, "family", None) for m, spec in metrics.items()}
        if all(families.values()):
            return {m: str(f) for m, f in families.items()}
    except ValueError:  # CatalogueError: a catalogue that flows/catalogue.py cannot read yet
        pass
    path = catalogue_dir / "metrics.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise EvaluationError(f"{path}: cannot read: {exc}") from exc
    metrics = data.get("metrics", {}) if isinstance(data, dict) else {}
    return {m: str((spec or {}).get("family") or m) for m, spec in metrics.items()}
