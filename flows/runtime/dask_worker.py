"""What a local Dask worker does as it starts, before its first extraction batch (a preload).

A local cluster's workers start when the flow submits its first batch. Everything that does not
depend on the batch is done here, once per worker process, instead of inside the first task:
- import the pipeline (Prefect and the stages, 1.5-4 s);
- build the extractor for the configured catalogue (compiling its patterns, ~0.2-0.3 CPU-s);
  `extractor_for` keeps it for the batches, and builds another if a task names another
  catalogue;
- move everything imported so far out of the garbage collector's way: a worker's collections
  otherwise walk Prefect's and the stages' ~200,000 lasting objects again and again while the
  extraction allocates (~0.2 CPU-s per 5,000 documents, bench/README.md, Scale-out).
"""

from __future__ import annotations

from flows.runtime.gc_pause import collection_paused

with collection_paused(freeze=True):
    import flows.pipeline  # noqa: F401  (the extraction task's module)
    from flows.extract import extractor_for
    from flows.runtime.settings import load_settings

    extractor_for(load_settings().catalogue_dir)
