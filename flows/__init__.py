"""factledger: dated facts about companies' expansion, from documents to a checked ledger.

The stages, one module each, in the order a run takes them (flows/pipeline.py is the Prefect
flow that orders them): ingest, extract/, load, validate (with resolve/), publish, report
(with report_cards and report_assets/). Beside them: model and catalogue (the data they pass
and read), warehouse and audit (the working DuckDB and the run's record), evaluate/ (quality
on an annotated corpus), cli (the command). The runtime around the stages (settings,
preflight, lock, Prefect server, task runners, schedule) is flows/runtime/.
"""

import os

# Nothing may reach the network at run time. These must be set before Prefect is imported,
# which is why they live here, at the top of the package every entry point imports.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Prefect's temporary server gets 20 s to start by default; on a busy 2-core machine it once
# took longer and the run failed. A slow start should slow a run, not fail it.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
