"""Extraction of the 10,000-document synthetic corpus through the default and the Dask task runner.

    .venv/bin/python bench/bench_dask.py                        # sizes 200,1000,2500; 3 repeats
    .venv/bin/python bench/bench_dask.py --sizes 500 --repeats 5 --workers 2

The corpus is generated once (bench/make_corpus.py, seeded) under bench/out/dask/corpus and
ingested once with the plain ingest function; what is timed is the pipeline's own fan-out:
a flow that submits the pipeline's `extract_batch` task per batch of documents, through
`make_task_runner(kind, None, workers)`, and gathers the results, as `pipeline` does.

Per flow run two figures: `extract` (first submit to last result, with the runner started:
what the runner changes) and `flow` (the whole flow run, which for Dask includes starting the
local cluster, its workers importing the pipeline, and stopping it). A serial baseline (the
extractor in a plain loop, no Prefect) is measured in every round too, and what the machine
allows at that moment: the same documents extracted by one plain process and by --workers
plain processes side by side (no Prefect, no Dask, no server; each an equal share of the
text), whose ratio is the ceiling of any speed-up on this machine's cores, with the same
contention and the same uneven shares. Each round measures
every (size, runner) once, alternating, so all see the same machine load; speed-ups are taken
within a round, then the median across rounds. Prefect runs on the run's own server, started as
`factledger run` starts it, unless PREFECT_API_URL is set.
Results: a table on stdout and bench/out/bench_dask.json.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path

import flows  # noqa: F401  (telemetry off before Prefect is imported)

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
CORPUS = OUT / "dask" / "corpus"


@dataclass(frozen=True)
class Timing:
    extract_seconds: float
    flow_seconds: float
    claims: int
    cpu_seconds: float  # this process and its (reaped) descendants: the Dask workers
    load_average: float  # 1-minute load average when the run ended (2 cores here)
    extract_cpu: dict[str, float]  # CPU seconds during the extraction, by process

    @property
    def extract_idle_seconds(self) -> float:
        return projected_idle_wall(self.extract_cpu)

    @property
    def cores_used(self) -> float:
        """CPU seconds per wall second over the flow run: how many cores the run really got."""
        return self.cpu_seconds / self.flow_seconds


def ensure_corpus(docs: int, corpus: Path = CORPUS) -> Path:
    """bench/make_corpus.py's corpus of `docs` documents (generated once; seeded, so stable)."""
    documents = corpus / "documents"
    if not (corpus / "manifest.csv").exists() or sum(1 for _ in documents.iterdir()) != docs:
        subprocess.run(
            [sys.executable, str(REPO / "bench" / "make_corpus.py"), "--docs", str(docs),
             "--out", str(corpus)],
            check=True,
        )  # fmt: skip
    return corpus


def ingested_documents(corpus: Path) -> list:
    from make_corpus import LAST_PUBLISHED

    from flows.ingest import ingest_documents
    from flows.runtime.settings import load_settings

    settings = load_settings().with_(raw_dir=corpus).resolved()
    result = ingest_documents(settings, {}, {}, today=LAST_PUBLISHED)
    return [*result.new, *result.changed]


def serial_seconds(documents: list, catalogue_dir: Path) -> tuple[float, int]:
    """CPU seconds of the extractor in a plain loop in this process: the per-document cost."""
    from flows.catalogue import load_catalogue
    from flows.extract import Extractor

    extractor = Extractor(load_catalogue(catalogue_dir))
    started = time.process_time()  # CPU: the wall time of one process on a shared box is noise
    claims = sum(len(extractor.extract(doc).claims) for doc in documents)
    return time.process_time() - started, claims


def plain_child(conn, documents_file: Path, catalogue_dir: Path, part: int, parts: int) -> None:
    """A plain process extracting its share of the documents, timed from the parent's "go"."""
    import gc
    import pickle

    from flows.catalogue import load_catalogue
    from flows.extract import Extractor
    from flows.pipeline import batches

    documents = pickle.loads(documents_file.read_bytes())
    share = batches(documents, -(-len(documents) // parts), parts)[part]
    extractor = Extractor(load_catalogue(catalogue_dir))  # built before "go", as a worker's
    gc.freeze()  # the ceiling is the extraction alone: what exists now is left to the end
    conn.send("ready")
    conn.recv()
    started = time.perf_counter()
    for doc in share:
        extractor.extract(doc)
    conn.send(time.perf_counter() - started)


def plain_processes_seconds(documents_file: Path, catalogue_dir: Path, parts: int) -> float:
    """Wall seconds for `parts` plain processes, started together, to extract the documents."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    pipes, children = [], []
    for part in range(parts):
        parent, child = context.Pipe()
        process = context.Process(
            target=plain_child, args=(child, documents_file, catalogue_dir, part, parts)
        )
        process.start()
        pipes.append(parent)
        children.append(process)
    for pipe in pipes:
        assert pipe.recv() == "ready"
    started = time.perf_counter()
    for pipe in pipes:
        pipe.send("go")
    for pipe in pipes:
        pipe.recv()
    wall = time.perf_counter() - started
    for process in children:
        process.join()
    return wall


# Documents by corpus path: a flow's parameters go to the Prefect API (at most 512 KB), so the
# flow takes the corpus path and finds the documents ingested beforehand here. Kept in a module
# of its own, read through sys.modules: Prefect ships the flow function with each Dask task and
# a function of __main__ is pickled by value with the globals it names (here, 37 MB of text).
DOCUMENTS: dict[str, list] = {}
sys.modules["bench_dask_documents"] = types.SimpleNamespace(by_corpus=DOCUMENTS)  # type: ignore[assignment]


def make_fan_out_flow():
    """A flow doing what `pipeline` does for extraction: one `extract_batch` task per batch."""
    from prefect import flow, task
    from prefect.context import FlowRunContext

    from flows.model import Document
    from flows.pipeline import batches, extract_batch
    from flows.runtime.runners import parallel_slots
    from flows.warehouse import records_table

    @task
    def ready() -> None:
        """Returns once the runner can run a task: Prefect starts a task runner lazily."""

    @flow(name="bench-extract-fan-out")
    def fan_out(corpus: str, catalogue_dir: Path, batch_size: int) -> dict:
        documents = sys.modules["bench_dask_documents"].by_corpus[corpus]
        ready.submit().result()  # the Dask cluster is up (workers import the pipeline later)
        cpu_before = cpu_by_process()
        started = time.perf_counter()
        parts = batches(documents, batch_size, parallel_slots(FlowRunContext.get().task_runner))
        futures = [
            extract_batch.submit(
                records_table(part, Document),
                catalogue_dir,
                f"batch {i + 1} of {len(parts)}",
            )
            for i, part in enumerate(parts)
        ]
        results = [future.result() for future in futures]
        wall = time.perf_counter() - started
        cpu_after = cpu_by_process()
        return {
            "extract_seconds": wall,
            "claims": sum(batch.claims.num_rows for batch in results),
            "extract_cpu": {k: cpu_after[k] - cpu_before[k] for k in cpu_before},
        }

    return fan_out


def cpu_by_process() -> dict[str, float]:
    """CPU seconds so far of the flow process and of each Dask worker process (if any).

    On a shared machine the wall time says how many cores we were given; CPU time says what
    the work costs, and so what the same run would take on cores of its own.
    """
    from prefect.context import FlowRunContext

    cpu = {"flow": time.process_time()}
    client = getattr(FlowRunContext.get().task_runner, "client", None)  # DaskTaskRunner's
    if client is not None:
        cpu.update(client.run(time.process_time))
    return cpu


def projected_idle_wall(extract_cpu: dict[str, float]) -> float:
    """The extraction's wall time on idle cores, one per process, from its CPU cost.

    The workers run in parallel, so the busiest one bounds the wall time; the flow process
    (Prefect, and for a local cluster the Dask scheduler) competes with them for the 2 cores.
    """
    cores = os.cpu_count() or 1
    workers = [v for k, v in extract_cpu.items() if k != "flow"]
    if not workers:
        return extract_cpu["flow"]
    return max(max(workers), sum(extract_cpu.values()) / cores)


def timed_run(fan_out, runner_kind: str, workers: int, corpus: Path, catalogue_dir, size) -> Timing:
    from flows.extract.engine import _extractor  # extractor_for's cache
    from flows.runtime.runners import make_task_runner

    # Each runner starts as in a `factledger run` (a new process): the default runner builds
    # its extractor in its first batch, a local cluster's workers in theirs (after importing the
    # pipeline). Kept from an earlier round, the default runner's extractor started every run
    # warm.
    _extractor.cache_clear()
    runner = make_task_runner(runner_kind, None, workers)
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    measured = fan_out.with_options(task_runner=runner)(str(corpus), catalogue_dir, size)
    flow_seconds = time.perf_counter() - started
    return Timing(
        measured["extract_seconds"],
        flow_seconds,
        measured["claims"],
        cpu_seconds() - cpu_before,
        os.getloadavg()[0],
        measured["extract_cpu"],
    )


def cpu_seconds() -> float:
    """User + system CPU of this process and of its descendants that have exited.

    A local Dask cluster's workers are reaped by their nannies, the nannies by this process, when
    the flow run closes the cluster, so their CPU is counted here after the run.
    """
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def one_round(
    repeat: int, args: argparse.Namespace, documents_file: Path, fan_out, corpus: Path,
    catalogue_dir: Path, sizes: list[int],
) -> dict:  # fmt: skip
    """The serial baseline, the machine's ceiling, and each (size, runner) once."""
    documents = DOCUMENTS[str(corpus)]
    serial, serial_claims = serial_seconds(documents, catalogue_dir)
    plain = {
        f"plain_{parts}_seconds": plain_processes_seconds(documents_file, catalogue_dir, parts)
        for parts in (1, args.workers)
    }
    ceiling = plain["plain_1_seconds"] / plain[f"plain_{args.workers}_seconds"]
    print(f"round {repeat + 1} plain processes: ceiling {ceiling:.2f}x ({plain})", flush=True)
    row: dict = {"serial_seconds": serial, "claims": serial_claims, "runs": {}, **plain}
    row["ceiling"] = ceiling
    for size in sizes:
        for kind in ("default", "dask"):
            t = timed_run(fan_out, kind, args.workers, corpus, catalogue_dir, size)
            assert t.claims == serial_claims, f"{kind} {size}: {t.claims} != {serial_claims}"
            row["runs"][f"{kind}/{size}"] = {
                **t.__dict__,
                "cores_used": t.cores_used,
                "extract_idle_seconds": t.extract_idle_seconds,
            }
            print(
                f"round {repeat + 1} {kind:>7} batch {size:>5}: extract "
                f"{t.extract_seconds:6.2f} s, flow {t.flow_seconds:6.2f} s, "
                f"{t.cores_used:.2f} cores used, load {t.load_average:.1f}; extract CPU "
                f"{sum(t.extract_cpu.values()):.2f} s, on idle cores "
                f"{t.extract_idle_seconds:.2f} s "
                f"(serial {serial:.2f} s)",
                flush=True,
            )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--sizes", default="200,1000,2500", help="batch sizes, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    parser.add_argument("--out", default="bench_dask.json", help="file name under bench/out")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    from flows.runtime.settings import load_settings

    catalogue_dir = load_settings().resolved().catalogue_dir
    corpus = ensure_corpus(args.docs)
    documents = DOCUMENTS[str(corpus)] = ingested_documents(corpus)
    text_mb = sum(len(d.text.encode()) for d in documents) / 1e6
    print(f"{len(documents)} documents, {text_mb:.1f} MB of text; cores: {os.cpu_count()}")
    fan_out = make_fan_out_flow()
    documents_file = OUT / "dask" / "documents.pickle"  # for the plain processes
    documents_file.write_bytes(pickle.dumps(documents, protocol=pickle.HIGHEST_PROTOCOL))

    # As `factledger run` does: the run's Prefect server answers before the runner is made, so
    # that a local cluster's workers report to it. Made without one, each worker started a
    # temporary server of its own in its first batch (~5 s of its time, more under load).
    from flows.runtime import temporary_server

    with temporary_server.using(temporary_server.start_if_needed()):
        rounds = [
            one_round(repeat, args, documents_file, fan_out, corpus, catalogue_dir, sizes)
            for repeat in range(args.repeats)
        ]

    summary = summarise(rounds, sizes, len(documents), text_mb)
    print(json.dumps(summary, indent=2))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / args.out).write_text(json.dumps({"summary": summary, "rounds": rounds}, indent=2))


def summarise(rounds: list[dict], sizes: list[int], docs: int, text_mb: float) -> dict:
    median = statistics.median
    serial = median(r["serial_seconds"] for r in rounds)
    result: dict = {
        "machine": f"{platform.node()} {os.cpu_count()} cores, {platform.python_version()}",
        "documents": docs,
        "text_mb": round(text_mb, 1),
        "serial_seconds": round(serial, 2),
        "serial_ms_per_document": round(1000 * serial / docs, 3),
        "rounds": len(rounds),
        # what two plain processes gain over one, each round: the machine's ceiling
        "ceiling": round(median(r["ceiling"] for r in rounds), 2),
        "by_batch_size": {},
    }
    for size in sizes:
        runs = [r["runs"] for r in rounds]
        d_ext = [r[f"default/{size}"]["extract_seconds"] for r in runs]
        k_ext = [r[f"dask/{size}"]["extract_seconds"] for r in runs]
        d_flow = [r[f"default/{size}"]["flow_seconds"] for r in runs]
        k_flow = [r[f"dask/{size}"]["flow_seconds"] for r in runs]
        result["by_batch_size"][size] = {
            "batches": -(-docs // size),
            "default_extract_s": round(median(d_ext), 2),
            "dask_extract_s": round(median(k_ext), 2),
            "speedup_extract": round(median(a / b for a, b in zip(d_ext, k_ext, strict=True)), 2),
            # the round's speed-up as a share of the round's ceiling
            "share_of_ceiling": round(
                median(a / b / r["ceiling"] for a, b, r in zip(d_ext, k_ext, rounds, strict=True)),
                2,
            ),
            "default_flow_s": round(median(d_flow), 2),
            "dask_flow_s": round(median(k_flow), 2),
            "speedup_flow": round(median(a / b for a, b in zip(d_flow, k_flow, strict=True)), 2),
            "default_extract_idle_s": round(
                median(r[f"default/{size}"]["extract_idle_seconds"] for r in runs), 2
            ),
            "dask_extract_idle_s": round(
                median(r[f"dask/{size}"]["extract_idle_seconds"] for r in runs), 2
            ),
            "speedup_extract_idle": round(
                median(
                    r[f"default/{size}"]["extract_idle_seconds"]
                    / r[f"dask/{size}"]["extract_idle_seconds"]
                    for r in runs
                ),
                2,
            ),
            "default_cores_used": round(
                median(r[f"default/{size}"]["cores_used"] for r in runs), 2
            ),
            "dask_cores_used": round(median(r[f"dask/{size}"]["cores_used"] for r in runs), 2),
            "load_average": round(median(r[f"dask/{size}"]["load_average"] for r in runs), 1),
        }
    return result


if __name__ == "__main__":
    main()
