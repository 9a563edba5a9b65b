"""A test hook for crash tests: with FACTLEDGER_PAUSE_AT=<point>, a run says so on stderr when
it reaches that point and waits, so that a test can kill -9 it there. Does nothing otherwise.

The points: the ends of the stages (`ingested`, `extracted`, `loaded`, `validated`,
`publishing`, `reported`) and, inside publish, `building`, `built`, `exporting`, `exported`,
`ready` (just before the swap) and `swapped`.
"""

from __future__ import annotations

import os
import sys
import time

PAUSE_ENV = "FACTLEDGER_PAUSE_AT"
PAUSE_SECONDS_ENV = "FACTLEDGER_PAUSE_SECONDS"


def pause_point(point: str) -> None:
    if os.environ.get(PAUSE_ENV) != point:
        return
    print(f"factledger paused at {point}", file=sys.stderr, flush=True)
    time.sleep(float(os.environ.get(PAUSE_SECONDS_ENV, "60")))
