"""FlowOnWorker: a flow's Prefect settings and API client, kept by a Dask worker."""

import sys
import threading
from collections.abc import Iterator

import pytest
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.context import SettingsContext
from prefect.settings import PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED, temporary_settings

from flows.runtime.dask_runner import FlowOnWorker


@pytest.fixture
def flow_on_worker() -> Iterator[FlowOnWorker]:
    # No version check: nothing listens at this address, and nothing here calls the API.
    with temporary_settings({PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED: False}):
        settings = SettingsContext.get()
        client = SyncPrefectClient("http://127.0.0.1:9/api")
        client.__enter__()
        yield FlowOnWorker(settings.profile, settings.settings, client)
        client.__exit__(None, None, None)


def test_task_runs_in_many_threads_at_once_find_the_flows_settings_and_client(
    flow_on_worker: FlowOnWorker,
) -> None:
    # A worker of an existing cluster may run task runs in several threads. Entering the
    # settings by validating them again changed the shared settings (a KeyError in another
    # thread); a lost update of the client's count of users could close it under the others.
    failures: list[BaseException] = []

    def task_runs() -> None:
        try:
            for _ in range(400):
                with flow_on_worker.in_context():
                    assert SettingsContext.get().settings is flow_on_worker.settings
                    assert get_client(sync_client=True) is flow_on_worker.client
        except BaseException as exc:
            failures.append(exc)

    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads swap every few bytecodes: races show
    try:
        threads = [threading.Thread(target=task_runs) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch_interval)
    assert failures == []
    assert flow_on_worker.client._context_stack == 1  # the worker's own hold: still open
    assert not flow_on_worker.client._closed
