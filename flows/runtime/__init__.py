"""The runtime around the stages: what starts, orders and guards a run, not what it computes.

settings (the one Settings object), preflight (mistakes refused before anything starts),
runlock (one run at a time), temporary_server (the run's own Prefect server), runners and
dask_worker (the task runners and a Dask worker's preload), schedule (`factledger serve`),
pause (the crash tests' hook), gc_pause (start-up costs).
"""
