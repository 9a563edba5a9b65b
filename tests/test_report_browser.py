"""The report in a real browser: Debian's headless Chromium loads the page from file:// (no
network) and the tests assert on what it renders, after the page's script has run."""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from publish_ledger import (
    CONSISTENT_CORPUS,
    SMART_DECREASE,
    Warehouse,
    publish_and_report,
    settings_for,
)
from test_report import RUN_1, RUN_2, many_conflicts, run_and_report

from checks import CHECKS_DIR
from checks.registry import load_check_catalogue

CHROMIUM = "/usr/bin/chromium"
CUMULATIVE = "cumulative_never_decreases"
# Appended to a copy of the page: innerText is what is rendered (closed <details> bodies and
# hidden elements are left out), written into the DOM so --dump-dom carries it out. The page's
# Content-Security-Policy runs only the scripts it names by hash: the copy's names this one too.
VISIBLE_TEXT_PROBE = (
    "var probe = document.createElement('pre'); probe.id = 'seen';"
    "probe.textContent = document.querySelector('main').innerText;"
    "document.body.appendChild(probe);"
)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed here when missing (the tests run as root)."""
    if not Path(CHROMIUM).exists():
        subprocess.run(
            "apt-get update -qq && apt-get install -y -qq chromium",
            shell=True,
            check=True,
            timeout=1800,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    return CHROMIUM


def chromium_argv(chromium: str, profile: Path) -> list[str]:
    return [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1200,2000",
    ]


def visible_text(chromium: str, page: Path, tmp_path: Path) -> tuple[str, str]:
    """(the DOM after scripts ran, the text a reader sees) for a copy of `page`."""
    dom = dumped_dom(
        chromium, with_script(page.read_text(encoding="utf-8"), VISIBLE_TEXT_PROBE), tmp_path
    )
    match = re.search(r'<pre id="seen">(.*?)</pre>', dom, re.S)
    assert match, "the probe did not run: " + dom[-500:]
    return dom, unescape(match.group(1))


def dumped_dom(chromium: str, page: str, tmp_path: Path) -> str:
    """The DOM of `page` (HTML text, loaded from a file) after its scripts ran."""
    copy = tmp_path / "probe.html"
    copy.write_text(page, encoding="utf-8")
    done = subprocess.run(
        [*chromium_argv(chromium, tmp_path / "profile"), "--dump-dom", copy.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def with_script(page: str, script: str, allowed: bool = True) -> str:
    """The page with `script` run at the end of its body, named in its policy if `allowed`."""
    if allowed:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        page = page.replace("script-src ", f"script-src 'sha256-{digest}' ", 1)
    return page.replace("</body>", f"<script>{script}</script></body>")


def unescape(text: str) -> str:
    return html.unescape(text)


@pytest.fixture
def failing(tmp_path: Path) -> Path:
    warehouse = Warehouse(settings_for(tmp_path / "ledger"))
    run_and_report(warehouse, CONSISTENT_CORPUS, RUN_1)
    run_and_report(warehouse, (*CONSISTENT_CORPUS, SMART_DECREASE), RUN_2)
    return warehouse.settings.curated_dir / "report"  # the current publication's


def test_the_page_renders_offline_with_its_verdict_and_failures(
    chromium: str, failing: Path, tmp_path: Path
) -> None:
    dom, seen = visible_text(chromium, failing / "index.html", tmp_path)
    assert 'data-ready="1"' in dom  # the inline script ran
    assert "FAIL" in seen
    assert "1 error-severity failed (cumulative_never_decreases)" in seen
    (rule,) = [c.description for c in load_check_catalogue(CHECKS_DIR) if c.id == CUMULATIVE]
    assert f"Rule: {rule[:60]}" in seen
    assert "The brand has delivered 150,000 cars since launch." in seen
    # the hostile document is shown as text, and its script never became an element
    assert (
        'Analysts wrote: <script>alert("x")</script> & \'smart has delivered 140,000 cars' in seen
    )
    assert len(re.findall(r"<script", dom)) == 2  # the page's own and the probe
    assert "1 of 1 groups shown" in seen
    assert "Compared with run " + RUN_1 in seen


def test_the_policy_applies_the_pages_style_and_runs_its_script_and_no_other(
    chromium: str, failing: Path, tmp_path: Path
) -> None:
    """The hashes in the page's Content-Security-Policy are the ones a browser computes: its
    style is applied and its script runs; a script the policy does not name does not."""
    page = (failing / "index.html").read_text(encoding="utf-8")
    styled = (
        "document.body.setAttribute('data-verdict-background',"
        " getComputedStyle(document.getElementById('verdict')).backgroundColor);"
    )
    injected = "document.body.setAttribute('data-injected', '1');"
    both = with_script(with_script(page, styled), injected, allowed=False)
    dom = dumped_dom(chromium, both, tmp_path)
    assert 'data-ready="1"' in dom  # the page's own script ran
    (body,) = re.findall(r"<body[^>]*>", dom)
    assert 'data-verdict-background="rgb(179, 38, 30)"' in body  # style.css's --bad, applied
    assert "data-injected" not in body  # refused by the policy


def test_the_current_report_link_opens_in_the_browser(
    chromium: str, failing: Path, tmp_path: Path
) -> None:
    assert failing.name == "report" and failing.is_symlink()
    _, seen = visible_text(chromium, failing / "index.html", tmp_path)
    assert f"factledger run {RUN_2}" in seen


def test_screenshot_shows_a_page(chromium: str, failing: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            *chromium_argv(chromium, tmp_path / "profile"),
            f"--screenshot={shot}",
            (failing / "index.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a blank page is a few kilobytes
    keep = os.environ.get("FACTLEDGER_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)


def test_5000_violations_render_collapsed_and_capped(chromium: str, tmp_path: Path) -> None:
    warehouse = Warehouse(settings_for(tmp_path / "ledger"))
    run = warehouse.run(many_conflicts(4, 51), RUN_1)
    page = publish_and_report(warehouse.settings, run).html_path
    dom, seen = visible_text(chromium, page, tmp_path)
    assert "4 of 4 groups shown" in seen
    assert "5100 violation(s)" in seen
    # the groups start collapsed: their violations are in the DOM, not on the screen
    assert "Entity0 has 1 markets" in dom and "Entity0 has 1 markets" not in seen
