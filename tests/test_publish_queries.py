"""The six queries of the README run, through the duckdb CLI, on a published database."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from publish_ledger import CONSISTENT_CORPUS, SMART_DECREASE, Warehouse, settings_for

from flows.publish import VIEWS_SQL, publish, published_path, shell_command, view_files
from flows.runtime.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def documented_views() -> list[tuple[str, str, str]]:
    """(title, the one-name form, the query it is short for) of each README query."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Six useful queries") :]
    section = section[: section.index("\n## ", 1)]
    found = re.findall(r"^### (.+?)\n.*?```sql\n(.*?)```.*?```sql\n(.*?)```", section, re.S | re.M)
    return [(title.strip(), short.strip(), sql.strip()) for title, short, sql in found]


def documented_queries() -> list[tuple[str, str]]:
    return [(title, sql) for title, _, sql in documented_views()]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Two runs: the second adds a contradicting claim (a conflict, a failure, a change)."""
    warehouse = Warehouse(settings_for(tmp_path_factory.mktemp("queries")))
    warehouse.run(CONSISTENT_CORPUS, "20260101T000000Z-aaaaaa")
    publish(
        warehouse.settings,
        warehouse.run((*CONSISTENT_CORPUS, SMART_DECREASE), "20260201T000000Z-bbbbbb"),
    )
    return warehouse.settings


def test_there_are_six_queries() -> None:
    assert len(documented_queries()) == 6


@pytest.mark.parametrize("title,sql", documented_queries(), ids=lambda v: v[:3])
def test_each_query_runs_and_finds_rows(published: Settings, title: str, sql: str) -> None:
    with duckdb.connect(str(published_path(published)), read_only=True) as con:
        rows = con.execute(sql).fetchall()
    assert rows, title
    done = subprocess.run(shell_command(published, sql), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("title,short,sql", documented_views(), ids=lambda v: v[:3])
def test_each_query_is_a_view_with_its_rows(
    published: Settings, title: str, short: str, sql: str
) -> None:
    """The one-name form in the README returns the rows of the query it is short for."""
    (view,) = re.findall(r"from ((?:curated|audit)\.\w+)", short)
    assert VIEWS_SQL / view.replace(".", "/", 1) in {p.with_suffix("") for p in view_files()}
    with duckdb.connect(str(published_path(published)), read_only=True) as con:
        expected = con.execute(sql)
        columns = [d[0] for d in expected.description]
        expected_rows = expected.fetchall()
        listed = ", ".join(f'"{c}"' for c in columns)
        rows = con.execute(f"select {listed} from ({short.rstrip(';')})").fetchall()
        kind = con.execute(
            "select count(*) from duckdb_views() where schema_name || '.' || view_name = ?",
            [view],
        ).fetchone()
    assert kind == (1,), f"{view} is not a view"
    assert expected_rows, title
    assert rows == expected_rows, title


def test_every_view_is_in_the_readme() -> None:
    shown = {re.findall(r"from ((?:curated|audit)\.\w+)", s)[0] for _, s, _ in documented_views()}
    assert shown == {f"{p.parent.name}.{p.stem}" for p in view_files()}


def test_the_queries_answer_what_they_say(published: Settings) -> None:
    queries = dict(documented_queries())
    with duckdb.connect(str(published_path(published)), read_only=True) as con:
        run = lambda title: con.execute(queries[title]).fetchall()  # noqa: E731
        timeline = run("1. The market timeline of an entity")
        assert [r[1] for r in timeline] == ["22", "31", "38", "40"]
        (conflict,) = run("2. Conflicts: claims that contradict each other in the last run")
        assert conflict[5] == ["d_2026.txt", "e_2026_hostile.txt"]
        sources = run("3. A fact's sources")
        assert {r[4] for r in sources} == {"d_2026.txt"}  # the 40th market, the latest
        (failure,) = run("4. The last run's failures")
        assert failure[:3] == ("cumulative_never_decreases", "error", "fail")
        (change,) = run("5. What changed between the last two runs")
        assert change[:2] == ("new", "cumulative_never_decreases")
        sides = run("6. Disputes: which side was kept, and why")
        assert [(r[1], r[4], r[6], r[8]) for r in sides] == [
            ("tie", "tied", "150,000 cars since launch", True),
            ("tie", "tied", "140,000 cars since launch", True),
        ]


def test_factledger_sql_runs_one_query_on_the_publication(published: Settings) -> None:
    factledger = str(Path(sys.executable).with_name("factledger"))
    command = [factledger, "sql", "--curated", str(published.curated_dir), "-c"]
    done = subprocess.run(
        [*command, "select count(*) as n from curated.documents"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "│" in done.stdout and "n" in done.stdout
    refused = subprocess.run(
        [*command, "create table curated.x as select 1"], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0
    assert "read-only" in (refused.stdout + refused.stderr).lower()


def test_factledger_sql_says_when_nothing_is_published(tmp_path: Path) -> None:
    factledger = str(Path(sys.executable).with_name("factledger"))
    done = subprocess.run(
        [factledger, "sql", "--curated", str(tmp_path), "-c", "select 1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "nothing published yet" in done.stderr


@pytest.mark.parametrize(
    "flags,expected",
    [
        (["-csv"], ["n", "{n}"]),
        (["-json"], ['[{"n":{n}}]']),
        (["-line"], ["n = {n}"]),
        (["-noheader", "-list"], ["{n}"]),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) and v[0].startswith("-") else None,
)
def test_factledger_sql_passes_duckdb_flags_through(
    published: Settings, flags: list[str], expected: list[str]
) -> None:
    """`factledger sql -csv` is duckdb's -csv, not `-c sv`; --curated may come anywhere."""
    with duckdb.connect(str(published_path(published)), read_only=True) as con:
        (n,) = con.execute("select count(*) from curated.documents").fetchone()
    factledger = str(Path(sys.executable).with_name("factledger"))
    query = ["-c", "select count(*) as n from curated.documents"]
    for argv in (
        [factledger, "sql", *flags, "--curated", str(published.curated_dir), *query],
        [factledger, "sql", "--curated", str(published.curated_dir), *flags, *query],
    ):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert [line.strip() for line in done.stdout.splitlines()] == [
            line.replace("{n}", str(n)) for line in expected
        ]


def test_factledger_sql_help_is_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    from flows.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["sql", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "-csv" in out and "--curated" in out
