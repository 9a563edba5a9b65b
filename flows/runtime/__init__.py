"""The runtime around the stages: what starts, orders and guards a run, not what it computes.

settings (the one Settings object), preflight (mistakes refused before anything starts),
runlock (one run at a time), temporary_server (the run's own Prefect server), runners and
dask_runner/dask_worker (the task runners), schedule (`factledger serve`), pause (the crash
tests' hook), gc_pause and deferred_import (start-up costs).
"""
