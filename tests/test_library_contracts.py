"""What factledger relies on in Prefect, prefect-dask and GX beyond `@flow`, `@task` and
`.submit`, each checked against the version it was written for: an upgrade that changes one
fails here, with a message naming the version and the module of ours to look at."""

from __future__ import annotations

import inspect
import subprocess
import sys
from importlib.metadata import version

WRITTEN_FOR = {"prefect": "3.8.8", "prefect-dask": "0.3.7", "great-expectations": "1.24.1"}


def changed(package: str, what: str, ours: str) -> str:
    return (
        f"{what}: written for {package} {WRITTEN_FOR[package]}, installed {version(package)}; "
        f"see {ours}"
    )


def test_prefect_server_start_takes_the_options_the_run_passes() -> None:
    from flows.runtime.temporary_server import server_command

    help_text = subprocess.run(
        [sys.executable, "-m", "prefect", "server", "start", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    options = [a for a in server_command(4200) if a.startswith("--")]
    missing = [o for o in options if o not in help_text]
    assert not missing, changed(
        "prefect",
        f"`prefect server start` no longer documents {missing}",
        "flows/runtime/temporary_server.py",
    )


def test_prefect_settings_the_run_reads_are_there() -> None:
    from prefect.settings import get_current_settings

    ephemeral = get_current_settings().server.ephemeral
    for name in ("enabled", "startup_timeout_seconds"):
        assert hasattr(ephemeral, name), changed(
            "prefect", f"no setting server.ephemeral.{name}", "flows/runtime/temporary_server.py"
        )


def test_the_server_services_a_run_turns_off_are_prefect_settings() -> None:
    from prefect.settings import get_current_settings

    from flows.runtime.temporary_server import UNUSED_SERVICES

    services = get_current_settings().server.services
    missing = [name for name in UNUSED_SERVICES if not hasattr(services, name)]
    assert not missing, changed(
        "prefect", f"no setting server.services.<name>.enabled for {missing}",
        "flows/runtime/temporary_server.py",
    )  # fmt: skip


def test_dask_task_runner_takes_a_cluster_class_and_kwargs_and_shows_its_client() -> None:
    from prefect_dask import DaskTaskRunner

    parameters = inspect.signature(DaskTaskRunner).parameters
    assert {"address", "cluster_class", "cluster_kwargs"} <= set(parameters), changed(
        "prefect-dask", "DaskTaskRunner's parameters changed", "flows/runtime/runners.py"
    )
    assert isinstance(inspect.getattr_static(DaskTaskRunner, "client"), property), changed(
        "prefect-dask", "DaskTaskRunner.client is no longer a property", "flows/runtime/runners.py"
    )


def test_gx_makes_an_ephemeral_context_from_a_config() -> None:
    import great_expectations as gx
    from great_expectations.data_context.types.base import (  # noqa: F401
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    parameters = inspect.signature(gx.get_context).parameters
    assert {"project_config", "mode"} <= set(parameters), changed(
        "great-expectations", "gx.get_context's parameters changed", "checks/engines/gx.py"
    )
