"""The fault suite (issue 16): each way a run can be hurt, reproduced for real.

- test_kills.py: a real `factledger run` killed with SIGKILL at each stage boundary; the
  next run publishes what a clean run does; the temporary Prefect server dies with its run.
- test_publish_killed.py: publish killed at each point of its own, and at random moments;
  a reader beside it is never blocked and never sees a mix.
- test_disk_full.py: runs on a small tmpfs filled to several levels; the previous
  publication stays current, the error names the problem, the next run recovers.
- test_bad_inputs.py: one run fed every kind of bad input; each is rejected with its file,
  row and reason, in the audit, and the run publishes the rest.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.prefect_server import PrefectServer, running_prefect_server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """A `prefect server start` the CLI runs of the fault suite report to."""
    with running_prefect_server(tmp_path_factory.mktemp("prefect")) as running:
        yield running
