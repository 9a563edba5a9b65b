"""What a local Dask worker does as it starts, before its first extraction batch: a Dask preload
(`preload` in make_task_runner's cluster_kwargs), so that importing the pipeline (~1.3 CPU-s) and
building the extractor (~0.45 CPU-s) happen while the cluster starts, not inside the first batch.
"""

from __future__ import annotations

from flows.runtime.gc_pause import collection_paused

with collection_paused(freeze=True):  # what is imported here lives as long as the worker
    import flows.pipeline  # noqa: F401  (the extraction task's module)
    from flows.extract import extractor_for
    from flows.runtime.settings import load_settings

    extractor_for(load_settings().catalogue_dir)
