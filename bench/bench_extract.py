"""Benchmark of ingest + extract on a synthetic corpus, against baselines measured in the same run.

    .venv/bin/python bench/bench_extract.py                 # 10,000 documents, 5 repeats
    .venv/bin/python bench/bench_extract.py --repeats 7 --profile 2000

The machine is shared and noisy, so every figure is a median over repeats, and each repeat
("round") measures everything once, one after the other: the baselines and the stages see the
same load, and the ratios (stage / baseline) are taken within a round before the median.

Measured per round, over the same documents (MB = 10^6 bytes of the document files):
- baselines: sha256 of every file's bytes; one compiled regex (`\\d[\\d,.]*`) over every
  text; 30 separate metric-like regexes, each over every text;
- ingest alone: `ingest_documents(settings, known={})` (walk, read, hash, decode, normalise);
- extract alone: `Extractor.extract` on every document that ingest returned, one process;
- ingest + extract: the two above in sequence, as the pipeline runs them, per core;
- re-run: open the warehouse, read the known documents from DuckDB, ingest with them (all
  10,000 unchanged, nothing decoded or extracted), and the (empty) document load.
Once, after the rounds: loading the documents, claims and events into a DuckDB file.
Results: a table on stdout and bench/out/bench_extract.json; bench/README.md records them.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import json
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import make_corpus

from flows import load
from flows.catalogue import load_catalogue
from flows.extract import Extractor
from flows.ingest import IngestResult, ManifestRow, ingest_documents
from flows.model import Claim, Document, Event
from flows.runtime.settings import Settings, load_settings
from flows.warehouse import connect, records_table

OUT = Path("bench/out")
TARGET_MBPS = 10.0  # ingest + extract, per core
TARGET_RERUN_S = 10.0  # 10,000 unchanged documents

SINGLE = re.compile(r"\d[\d,.]*")
# Thirty patterns of the kind a naive extractor runs one after the other, each over the whole
# text: a number and a metric noun (23 nouns), then money, rounds, valuations, ordinals,
# periods, partnerships and number words. Each alone runs at about the single regex's speed.
_NUM = r"(\d[\d,]*(?:\.\d+)?)"
_NOUNS = [
    "markets",
    "new markets",
    "countries",
    "countries and regions",
    "new countries",
    "stores",
    "showrooms",
    "outlets",
    "locations",
    "cafés",
    "boutiques",
    "studios",
    "vehicles",
    "cars",
    "units",
    "bikes",
    "devices",
    "employees",
    "deliveries",
    "European markets",
    "markets worldwide",
    "global markets",
    "sales points",
]
THIRTY = [re.compile(_NUM + r"\s+" + re.escape(noun) + r"\b") for noun in _NOUNS] + [
    re.compile(r"(?:US)?\$\s?(\d[\d,.]*)\s+(million|billion)"),
    re.compile(r"Series[ -]([A-F])\b"),
    re.compile(r"valu(?:ed|ation)\D{0,40}(\d[\d,.]*)\s+(million|billion)"),
    re.compile(r"\b(\d+)(?:st|nd|rd|th)\s+(?:\w+\s+)?market"),
    re.compile(r"\b(?:Q[1-4]|H[12])\s+(\d{4})\b"),
    re.compile(r"(?:partnered|teamed up|collaboration)\s+with\s+([A-Z][\w’' ]+)"),
    re.compile(r"\b(one|two|three|four|five|six|seven|eight|nine|ten)\s+new\s+markets\b"),
]
assert len(THIRTY) == 30


# ------------------------------------------------------------------------------ timing


def ingest(
    settings: Settings, known: dict[str, str], rows: dict[str, ManifestRow] | None = None
) -> IngestResult:
    """ingest_documents as of the corpus's last day (its newest documents are not future)."""
    return ingest_documents(settings, known, rows, today=make_corpus.LAST_PUBLISHED)


def timed(fn: Callable[..., object], *args: object) -> tuple[float, float, object]:
    """(wall s, this process's CPU s, result) of one call fn(*args), after a collection."""
    gc.collect()
    w0, c0 = time.perf_counter(), time.process_time()
    result = fn(*args)
    return time.perf_counter() - w0, time.process_time() - c0, result


def sha_all(blobs: list[bytes]) -> int:
    for blob in blobs:
        hashlib.sha256(blob).digest()
    return len(blobs)


def single_regex(texts: list[str]) -> int:
    n = 0
    for text in texts:
        for _ in SINGLE.finditer(text):
            n += 1
    return n


def thirty_regexes(texts: list[str]) -> int:
    n = 0
    for pattern in THIRTY:
        for text in texts:
            for _ in pattern.finditer(text):
                n += 1
    return n


def numbers_per_kb(texts: list[str]) -> float:
    """Digit runs per 1000 bytes: how number-dense the text is (each may be a candidate)."""
    size = sum(len(t.encode("utf-8")) for t in texts)
    return round(single_regex(texts) / (size / 1000), 2) if size else 0.0


def extract_all(extractor: Extractor, docs: list[Document]) -> tuple[list, list, int]:
    """Claims and events of every document, kept as the pipeline's batches keep them."""
    claims: list = []
    events: list = []
    errors = 0
    for doc in docs:
        try:
            found = extractor.extract(doc)
        except Exception:  # the pipeline records such a document and goes on; so do we
            errors += 1
            continue
        claims.extend(found.claims)
        events.extend(found.events)
    return claims, events, errors


# ------------------------------------------------------------------------------ corpus


def ensure_corpus(corpus: Path, docs: int, seed: int) -> None:
    """Generate the corpus unless one with these parameters is already there."""
    marker = corpus / ".params"
    generator = hashlib.sha256(Path(make_corpus.__file__).read_bytes()).hexdigest()[:16]
    wanted = f"docs={docs} seed={seed} generator={generator}\n"
    if marker.is_file() and marker.read_text() == wanted:
        return
    print(f"generating {docs} documents under {corpus} ...", flush=True)
    make_corpus.generate(corpus, docs, seed)
    marker.write_text(wanted)


def read_corpus(corpus: Path) -> tuple[list[bytes], list[str]]:
    files = sorted((corpus / "documents").iterdir())
    blobs = [f.read_bytes() for f in files]
    return blobs, [b.decode("utf-8") for b in blobs]


def code_state() -> dict[str, object]:
    """Which code was measured: HEAD, and whether flows/ had uncommitted edits at the time."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], capture_output=True, text=True, check=False
            ).stdout.rstrip()
        except OSError:
            return ""

    return {
        "head": git("rev-parse", "--short", "HEAD"),
        "uncommitted_in_flows": git("status", "--porcelain", "flows").splitlines(),
    }


def machine() -> dict[str, object]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_start": list(os.getloadavg()),
    }


# ------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark ingest + extract against sha256 and regex baselines.",
        epilog="example:\n  .venv/bin/python bench/bench_extract.py --docs 10000 --repeats 5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--docs", type=int, default=10_000, help="corpus size (default 10000)")
    parser.add_argument("--seed", type=int, default=20261101, help="corpus seed")
    parser.add_argument("--corpus", type=Path, default=OUT / "corpus", help="corpus directory")
    parser.add_argument("--repeats", type=int, default=5, help="rounds (default 5, minimum 5)")
    parser.add_argument("--json", type=Path, default=OUT / "bench_extract.json")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="after the rounds, cProfile extract over the first N documents",
    )
    args = parser.parse_args(argv)
    if args.repeats < 5:
        parser.error("--repeats must be at least 5 (medians on a noisy machine)")

    info = machine()
    code = code_state()  # the code imported now is the code measured, whatever lands later
    print(f"code: {code}")
    ensure_corpus(args.corpus, args.docs, args.seed)
    blobs, texts = read_corpus(args.corpus)
    mb = sum(map(len, blobs)) / 1e6
    density = {
        "corpus": numbers_per_kb(texts),
        "seeds (data/raw)": numbers_per_kb(
            [p.read_text(encoding="utf-8") for p in sorted(Path("data/raw/documents").glob("*"))]
        ),
    }
    settings = load_settings().with_(raw_dir=args.corpus, curated_dir=OUT / "bench_curated")
    catalogue = load_catalogue(settings.catalogue_dir)
    w, _, extractor = timed(Extractor, catalogue)
    assert isinstance(extractor, Extractor)
    print(f"{len(blobs)} documents, {mb:.1f} MB; extractor built in {w:.2f} s", flush=True)

    # The warehouse for the re-run: every document loaded once, as after a first run.
    db = OUT / "bench_extract.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)

    samples: dict[str, list[tuple[float, float]]] = {}
    counts: dict[str, int] = {}
    last_ingest: IngestResult | None = None

    def record(name: str, wall: float, cpu: float) -> None:
        samples.setdefault(name, []).append((wall, cpu))

    for round_no in range(1, args.repeats + 1):
        for name, fn, data in (
            ("sha256", sha_all, blobs),
            ("single regex", single_regex, texts),
            ("30 regexes", thirty_regexes, texts),
        ):
            wall, cpu, _ = timed(fn, data)
            record(name, wall, cpu)
        wall_i, cpu_i, result = timed(ingest, settings, {})
        assert isinstance(result, IngestResult)
        if len(result.new) != len(blobs):
            raise SystemExit(
                f"ingest accepted {len(result.new)} of {len(blobs)} documents: "
                f"{result.rejections[:3]}"
            )
        record("ingest", wall_i, cpu_i)
        wall_e, cpu_e, found = timed(extract_all, extractor, result.new)
        record("extract", wall_e, cpu_e)
        record("ingest + extract", wall_i + wall_e, cpu_i + cpu_e)
        claims, events, errors = found  # type: ignore[misc]
        counts.update(claims=len(claims), events=len(events), extract_errors=errors)
        last_ingest = result

        if round_no == 1:  # the warehouse as a first run leaves it
            with connect(db) as con:
                wall, cpu, _ = timed(load.load_documents, con, result, "bench-load")
                record("load documents into DuckDB (once)", wall, cpu)
                ids = [d.doc_id for d in result.new]
                wall, cpu, _ = timed(load_extractions, con, ids, claims, events)
                record("load claims + events into DuckDB (once)", wall, cpu)
        wall, cpu, again = timed(rerun, db, settings)
        assert isinstance(again, IngestResult)
        if len(again.unchanged) != len(blobs) or again.new or again.changed or again.removed:
            raise SystemExit(
                f"re-run: {len(again.unchanged)} unchanged, {len(again.new)} new, "
                f"{len(again.changed)} changed, {len(again.removed)} removed"
            )
        record("re-run, all unchanged (with DuckDB)", wall, cpu)
        known = {d.file: d.doc_id for d in result.new}
        wall, cpu, _ = timed(ingest, settings, known)
        record("re-run, ingest only", wall, cpu)
        line = ", ".join(f"{k} {v[-1][0]:.2f}s" for k, v in samples.items() if "once" not in k)
        print(f"round {round_no}: {line}", flush=True)

    report = summarise(samples, mb, args, info, counts)
    report["digit_runs_per_kb"] = density
    report["code"] = {"measured": code, "at_end": code_state()}
    print_table(report)
    if args.profile:
        assert last_ingest is not None
        subset = last_ingest.new[: args.profile]
        report["profile"] = profile(extractor, subset)
        print(f"breakdown over {len(subset)} documents (medians of 3):")
        report["breakdown"] = breakdown(extractor, subset)
    info["loadavg_end"] = list(os.getloadavg())
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {args.json}")
    return 0


def load_extractions(con, ids: list[str], claims: list, events: list) -> None:  # type: ignore[no-untyped-def]
    """As the pipeline does: Arrow tables built (in the extraction tasks), then loaded."""
    claim_rows, event_rows = records_table(claims, Claim), records_table(events, Event)
    load.replace_extractions(con, ids, claim_rows, event_rows, "bench-load")


def rerun(db: Path, settings: Settings) -> IngestResult:
    """What a run does before extraction: known documents from DuckDB, ingest, load."""
    with connect(db) as con:
        known = load.known_documents(con)
        rows = load.known_manifest_rows(con)
        again = ingest(settings, known, rows)
        load.load_documents(con, again, "bench-rerun")
    return again


def summarise(
    samples: dict[str, list[tuple[float, float]]],
    mb: float,
    args: argparse.Namespace,
    info: dict[str, object],
    counts: dict[str, int],
) -> dict[str, object]:
    measures = {}
    for name, values in samples.items():
        walls = [w for w, _ in values]
        cpus = [c for _, c in values]
        measures[name] = {
            "wall_s": [round(w, 4) for w in walls],
            "cpu_s": [round(c, 4) for c in cpus],
            "median_wall_s": round(statistics.median(walls), 4),
            "median_cpu_s": round(statistics.median(cpus), 4),
            "mb_per_s_wall": round(mb / statistics.median(walls), 2),
            "mb_per_s_cpu": round(mb / statistics.median(cpus), 2),
        }

    def ratio(stage: str, base: str) -> dict[str, float]:
        """Stage throughput / baseline throughput (= baseline time / stage time), taken
        within each round (same load on the machine), then the median and range."""
        rs = [
            base_wall / stage_wall
            for (stage_wall, _), (base_wall, _) in zip(samples[stage], samples[base], strict=True)
        ]
        return {
            "median": round(statistics.median(rs), 3),
            "min": round(min(rs), 3),
            "max": round(max(rs), 3),
        }

    ratios = {
        f"{stage} / {base}": ratio(stage, base)
        for stage in ("ingest", "extract", "ingest + extract")
        for base in ("sha256", "single regex", "30 regexes")
    }
    ie = measures["ingest + extract"]
    rerun = measures["re-run, all unchanged (with DuckDB)"]
    return {
        "command": "python bench/bench_extract.py " + " ".join(sys.argv[1:]),
        "machine": info,
        "corpus": {
            "docs": args.docs,
            "seed": args.seed,
            "mb": round(mb, 2),
            "path": str(args.corpus),
        },
        "repeats": args.repeats,
        "measures": measures,
        "speed_relative_to_baseline": ratios,
        "extraction": counts,
        "targets": {
            "ingest_extract_mb_per_s_per_core": {
                "target": f">= {TARGET_MBPS}",
                "median_wall": ie["mb_per_s_wall"],
                "median_cpu": ie["mb_per_s_cpu"],
                "met": ie["mb_per_s_wall"] >= TARGET_MBPS,
            },
            "rerun_unchanged_s": {
                "target": f"< {TARGET_RERUN_S}",
                "median_wall": rerun["median_wall_s"],
                "met": rerun["median_wall_s"] < TARGET_RERUN_S,
            },
        },
    }


def print_table(report: dict) -> None:
    measures = report["measures"]
    base = {b: measures[b]["median_wall_s"] for b in ("sha256", "single regex", "30 regexes")}
    print()
    print(f"{'measure':40} {'median s':>9} {'range s':>15} {'MB/s':>8} {'MB/s cpu':>9}")
    for name, m in measures.items():
        lo, hi = min(m["wall_s"]), max(m["wall_s"])
        print(
            f"{name:40} {m['median_wall_s']:9.3f} {lo:7.2f}-{hi:<7.2f} "
            f"{m['mb_per_s_wall']:8.1f} {m['mb_per_s_cpu']:9.1f}"
        )
    print()
    for key, r in report["speed_relative_to_baseline"].items():
        print(f"  throughput {key:38} {r['median']:8.3f}x  ({r['min']}-{r['max']})")
    print()
    for key, t in report["targets"].items():
        print(
            f"  target {key}: {t['target']}, median {t['median_wall']} -> "
            f"{'met' if t['met'] else 'NOT met'}"
        )
    print(f"  extraction: {report['extraction']}; baselines (s): {base}")
    print(f"  digit runs per KB: {report.get('digit_runs_per_kb')}")


def breakdown(extractor: Extractor, docs: list[Document], repeats: int = 3) -> dict[str, object]:
    """The floor under extract: its candidate scan alone (every number and trigger found).

    Uses Extractor.candidates, an internal of flows.extract; when it changes, this part is
    skipped rather than failing the benchmark.
    """
    scan = getattr(extractor, "candidates", None)
    if scan is None:
        print("breakdown skipped: Extractor.candidates no longer exists")
        return {"skipped": "Extractor.candidates no longer exists"}

    def scan_only() -> int:
        return sum(1 for doc in docs for _ in scan(doc.text))

    mb = sum(d.size_bytes for d in docs) / 1e6
    samples: dict[str, list[float]] = {}
    for _ in range(repeats):
        for name, fn, arg in (
            ("extract", extract_all, docs),
            ("candidate scan only (Extractor.candidates)", None, None),
        ):
            wall, _, _ = timed(fn, extractor, arg) if fn else timed(scan_only)
            samples.setdefault(name, []).append(wall)
    out: dict[str, object] = {"docs": len(docs), "mb": round(mb, 2), "candidates": scan_only()}
    for name, walls in samples.items():
        median = statistics.median(walls)
        out[name] = {"median_wall_s": round(median, 3), "mb_per_s": round(mb / median, 2)}
        print(f"  {name:48} {median:7.2f} s {mb / median:7.1f} MB/s")
    return out


def profile(extractor: Extractor, docs: list[Document]) -> dict[str, object]:
    prof = cProfile.Profile()
    prof.enable()
    extract_all(extractor, docs)
    prof.disable()
    path = OUT / "extract.prof"
    prof.dump_stats(path)
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(30)
    print(out.getvalue())
    rows = []
    for (file, line, func), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{file}:{line}({func})",
                "calls": calls,
                "tottime_s": round(tottime, 4),
                "cumtime_s": round(cumtime, 4),
            }
        )
    rows.sort(key=lambda r: r["tottime_s"], reverse=True)
    return {"docs": len(docs), "stats_file": str(path), "top_by_tottime": rows[:25]}


if __name__ == "__main__":
    sys.exit(main())
