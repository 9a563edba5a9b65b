"""flows.runtime.temporary_server: Prefect's temporary server, started before the run's imports."""

from __future__ import annotations

import json
import urllib.request

from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

from flows.runtime import temporary_server


def test_nothing_is_started_when_an_api_is_configured() -> None:
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        assert temporary_server.needed() is False
        assert temporary_server.start_if_needed() is None
        with temporary_server.using(None):
            assert get_current_settings().api.url == "http://127.0.0.1:9/api"


def test_a_started_server_answers_is_used_and_stops() -> None:
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert temporary_server.needed() is True
        server = temporary_server.start_if_needed()
    assert server is not None
    try:
        with temporary_server.using(server):
            url = get_current_settings().api.url
            assert url == server.api_url and url.startswith("http://127.0.0.1:")
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                assert response.status == 200
            with urllib.request.urlopen(f"{url}/admin/settings", timeout=5) as response:
                services = json.load(response)["server"]["services"]
            # what records the run runs; what a single run never needs does not
            assert services["task_run_recorder"]["enabled"] is True
            assert services["event_persister"]["enabled"] is True
            assert [n for n in temporary_server.UNUSED_SERVICES if services[n]["enabled"]] == []
    finally:
        server.stop()
    assert server.process.poll() is not None
    assert not temporary_server.answers(f"{server.api_url}/health")


def test_another_runs_server_on_the_same_port_is_not_taken_for_ours(monkeypatch) -> None:
    """Two runs that start together may pick the same free port: the second's server fails to
    bind it, and the first's answers there. The second must start its own on another port, not
    use the first's (which stops with the first run)."""
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        first = temporary_server.start_if_needed()
        assert first is not None
        try:
            first_url = first.ready(temporary_server.startup_timeout_seconds())
            ports = iter([first.port])
            real = temporary_server.free_loopback_port
            monkeypatch.setattr(
                temporary_server, "free_loopback_port", lambda: next(ports, None) or real()
            )
            second = temporary_server.TemporaryServer()
            try:
                assert second.port == first.port  # the race, made certain
                second_url = second.ready(temporary_server.startup_timeout_seconds())
                assert second_url != first_url
                assert temporary_server.listens_on(second.process.pid, second.port)
                assert not temporary_server.listens_on(second.process.pid, first.port)
            finally:
                second.stop()
        finally:
            first.stop()
    assert temporary_server.answers(f"{first_url}/health") is False
