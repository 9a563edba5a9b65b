"""The CLI: every command has help with an example; `run` works end to end as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import COMMANDS, _parser, main


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(command: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "example:" in text
    assert "factledger " + command in text


def test_the_top_level_help_lists_every_command() -> None:
    text = _parser().format_help()
    for command in COMMANDS:
        assert command in text


def test_an_unknown_command_is_refused(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["frobnicate"])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.integration
def test_factledger_run_as_a_user_runs_it(tmp_path: Path) -> None:
    """The console script under Prefect's own temporary server, on the bundled corpus."""
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "raw", raw)
    # The raw directory from the environment, as a user's setting, not from --raw.
    command = [str(Path(sys.executable).with_name("factledger")), "run", "-vv"]
    done = subprocess.run(
        [*command, "--curated", str(tmp_path / "curated")],
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "HOME": str(tmp_path),
            "FACTLEDGER_RAW_DIR": str(raw),
        },
    )
    assert done.returncode == 0, done.stderr
    assert "documents: 3 new, 0 changed, 0 unchanged, 0 removed, 0 rejected" in done.stdout
    assert (tmp_path / "curated" / "warehouse.duckdb").exists()
    # the flow run is named after the directory it read, not after a missing option
    assert f"Flow run 'factledger {raw.resolve()}' - Beginning flow run" in done.stderr


def test_a_run_started_here_sends_no_heartbeats_unless_asked(monkeypatch) -> None:
    from prefect.settings import get_current_settings

    from flows.cli import without_heartbeats

    monkeypatch.delenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", raising=False)
    assert get_current_settings().flows.heartbeat_frequency == 180  # Prefect's default
    with without_heartbeats():
        assert get_current_settings().flows.heartbeat_frequency is None
    assert get_current_settings().flows.heartbeat_frequency == 180

    monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "45")
    with without_heartbeats():  # asked for in the environment: Prefect's setting stands
        assert get_current_settings().flows.heartbeat_frequency is not None


def test_sql_refuses_a_bad_setting_with_one_line(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACTLEDGER_LOCK_WAIT_SECONDS", "ten")
    assert main(["sql", "--curated", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        "factledger: FACTLEDGER_LOCK_WAIT_SECONDS (setting 'lock_wait_seconds'): found 'ten'; "
        "expected a number\n"
    )
