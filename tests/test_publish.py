"""The publish stage: curated tables, comments, Parquet, determinism, and the duckdb CLI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from publish_ledger import (
    CONSISTENT_CORPUS,
    SMART_CHINA,
    SMART_DECREASE,
    Warehouse,
    settings_for,
    table_rows,
)

from flows.catalogue import CatalogueError
from flows.publish import (
    PublishError,
    load_column_catalogue,
    publish,
    published_path,
    shell_command,
)
from flows.runtime.settings import Settings

CATALOGUE_DIR = Settings().catalogue_dir

CURATED = (
    "curated.claims",
    "curated.documents",
    "curated.events",
    "curated.footprint",
    "curated.metric_timeline",
)


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(settings_for(tmp_path))


def query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_publishes_every_table_with_its_row_count(warehouse: Warehouse) -> None:
    run = warehouse.run(CONSISTENT_CORPUS, "run-1")
    result = publish(warehouse.settings, run)
    curated = warehouse.settings.curated_dir
    assert result.database == curated / "publications" / result.version / "factledger.duckdb"
    assert published_path(warehouse.settings).resolve() == result.database.resolve()
    assert {
        *CURATED,
        "audit.runs",
        "audit.check_results",
        "audit.violations",
        "audit.checks",
        "audit.rejections",
        "audit.disputes",
        "audit.dispute_claims",
        "audit.resolution_rules",
        "audit.timeline_changes",
        "quarantine.claims",
    } <= set(result.row_counts)
    for table, rows in result.row_counts.items():
        assert query(result.database, f"select count(*) from {table}") == [(rows,)]
    assert result.row_counts["curated.claims"] == 7
    assert result.row_counts["curated.documents"] == 4


def test_metric_timeline_reconciles_intersects_and_implies(warehouse: Warehouse) -> None:
    publish(warehouse.settings, warehouse.run(CONSISTENT_CORPUS, "run-1"))
    rows = query(
        published_path(warehouse.settings),
        """
        select period_start::varchar, value_lo, value_hi, lo_open, value_text, confirmation,
            n_claims, files
        from curated.metric_timeline where metric = 'markets_count' order by period_end
        """,
    )
    assert rows == [
        ("2023-12-31", 22, 22, False, "22", "single source", 1, ["a_2024.txt"]),
        # 38 at the end of H1 2025 minus 7 new in it: 31 at its start, from both claims
        ("2025-01-01", 31, 31, False, "31", "implied", 3, ["b_2025.txt", "c_2025_wire.txt"]),
        (
            "2025-06-30",
            38,
            38,
            False,
            "38",
            "multiple sources",
            2,
            ["b_2025.txt", "c_2025_wire.txt"],
        ),
        ("2026-01-05", 40, 40, False, "40", "single source", 1, ["d_2026.txt"]),
    ]
    (stores,) = query(
        published_path(warehouse.settings),
        "select value_lo, value_hi, lo_open, value_text from curated.metric_timeline"
        " where metric = 'stores_count'",
    )
    assert stores == (580, float("inf"), True, "over 580")


def test_footprint_has_one_row_per_date(warehouse: Warehouse) -> None:
    publish(warehouse.settings, warehouse.run(CONSISTENT_CORPUS, "run-1"))
    rows = query(
        published_path(warehouse.settings),
        "select date::varchar, markets_text, markets_confirmation, stores_text"
        " from curated.footprint",
    )
    assert rows == [
        ("2023-12-31", "22", "single source", None),
        ("2025-01-01", "31", "implied", None),
        ("2025-06-30", "38", "multiple sources", "over 580"),
        ("2026-01-05", "40", "single source", None),
    ]


def test_claims_of_a_country_are_a_series_of_their_own(warehouse: Warehouse) -> None:
    run = warehouse.run((*CONSISTENT_CORPUS, SMART_CHINA), "run-1")
    database = publish(warehouse.settings, run).database
    assert query(database, "select count(*) from quarantine.claims") == [(0,)]
    assert query(
        database,
        "select quote, scope from curated.claims where metric like '%stores%' order by quote",
    ) == [("131 stores", "China"), ("20 new stores", "China"), ("over 580 stores", "global")]
    timeline = query(
        database,
        """
        select metric, scope, kind, period_end::varchar, value_text, confirmation
        from curated.metric_timeline where metric like '%stores%'
        """,
    )
    assert timeline == [
        ("new_stores", "China", "flow", "2025-06-30", "20", "single source"),
        # the China stock at the start of H1 from China's flow and stock, never the world's
        ("stores_count", "China", "stock", "2025-01-01", "111", "implied"),
        ("stores_count", "China", "stock", "2025-06-30", "131", "single source"),
        ("stores_count", "global", "stock", "2025-06-30", "over 580", "single source"),
    ]
    footprint = query(database, "select date::varchar, stores_text from curated.footprint")
    assert ("2025-06-30", "over 580") in footprint  # worldwide only
    assert all(stores != "131" for _, stores in footprint)


def test_quarantined_claims_stay_out_of_curated(warehouse: Warehouse) -> None:
    run = warehouse.run((*CONSISTENT_CORPUS, SMART_DECREASE), "run-1")
    database = publish(warehouse.settings, run).database
    quarantined = query(
        database, "select distinct quote from quarantine.claims where run_id = 'run-1' order by 1"
    )
    # one document against one, about two dates: no rule decides, both sides are quarantined
    assert quarantined == [("140,000 cars since launch",), ("150,000 cars since launch",)]
    published = {q for (q,) in query(database, "select quote from curated.claims")}
    assert published.isdisjoint(q for (q,) in quarantined)
    assert query(
        database,
        "select claims_published, claims_quarantined from curated.documents"
        " where file = 'e_2026_hostile.txt'",
    ) == [(0, 1)]
    # the plan for the #2 is not due on the as-of date: the event passes
    assert query(database, "select check_status from curated.events where subject = '#2'") == [
        ("pass",)
    ]


def test_claims_carry_their_check_status(warehouse: Warehouse) -> None:
    run = warehouse.run(CONSISTENT_CORPUS, "run-1")
    database = publish(warehouse.settings, run).database
    statuses = query(database, "select distinct check_status, flagged_by from curated.claims")
    assert statuses == [("pass", [])]


def test_every_table_and_column_is_described(warehouse: Warehouse) -> None:
    result = publish(warehouse.settings, warehouse.run(CONSISTENT_CORPUS, "run-1"))
    assert result.undocumented == ()
    missing = query(
        result.database,
        """
        select schema_name || '.' || table_name || '.' || column_name from duckdb_columns()
        where database_name = current_database() and (comment is null or comment = '')
        """,
    )
    assert missing == []
    tables = query(
        result.database,
        "select table_name from duckdb_tables() where comment is null or comment = ''",
    )
    assert tables == []
    views = query(
        result.database,
        "select view_name from duckdb_views() where not internal and (comment is null"
        " or comment = '')",
    )
    assert views == []
    (comment,) = query(
        result.database,
        "select comment from duckdb_columns() where schema_name = 'curated'"
        " and table_name = 'footprint' and column_name = 'markets_lo'",
    )
    assert comment == ("Lower bound of markets_count on that date. (unit: markets)",)


def test_same_inputs_publish_the_same_rows_in_the_same_order(tmp_path: Path) -> None:
    first, second = Warehouse(settings_for(tmp_path / "a")), Warehouse(settings_for(tmp_path / "b"))
    # different run ids and insertion order: neither may show in the curated rows
    publish(first.settings, first.run(CONSISTENT_CORPUS, "20260101T000000Z-aaaaaa"))
    publish(second.settings, second.run(CONSISTENT_CORPUS[::-1], "20260202T000000Z-bbbbbb"))
    for table in CURATED:
        rows_a = table_rows(published_path(first.settings), table)
        rows_b = table_rows(published_path(second.settings), table)
        assert rows_a == rows_b, table
        assert rows_a, table


def test_republishing_the_same_run_gives_identical_tables(warehouse: Warehouse) -> None:
    run = warehouse.run((*CONSISTENT_CORPUS, SMART_DECREASE), "run-1")
    before = publish(warehouse.settings, run)
    snapshot = {t: table_rows(before.database, t) for t in before.row_counts}
    after = publish(warehouse.settings, run)
    assert {t: table_rows(after.database, t) for t in after.row_counts} == snapshot


def test_parquet_copies_match_and_swap(warehouse: Warehouse) -> None:
    run = warehouse.run(CONSISTENT_CORPUS, "run-1")
    result = publish(warehouse.settings, run)
    link = warehouse.settings.curated_dir / "parquet"
    assert link.is_symlink() and link.resolve() == result.parquet_dir.resolve()
    claims = pq.read_table(link / "curated" / "claims.parquet")
    assert claims.num_rows == result.row_counts["curated.claims"]
    assert claims.column("claim_id").to_pylist() == [
        r[0] for r in table_rows(result.database, "curated.claims")
    ]
    first_target = link.resolve()
    for number in (2, 3):
        publish(warehouse.settings, warehouse.run(CONSISTENT_CORPUS, f"run-{number}"))
    assert link.resolve() != first_target
    assert not first_target.exists()  # older versions are pruned, the previous one is kept
    versions = sorted(p.name for p in (link.parent / "publications").iterdir())
    assert [v.split(".", 1)[1] for v in versions] == ["run-2", "run-3"]


def test_publications_kept_is_a_setting(warehouse: Warehouse) -> None:
    settings = warehouse.settings.with_(publications_kept=3)
    for number in (1, 2, 3, 4):
        publish(settings, warehouse.run(CONSISTENT_CORPUS, f"run-{number}"))
    versions = sorted(p.name for p in (settings.curated_dir / "publications").iterdir())
    assert [v.split(".", 1)[1] for v in versions] == ["run-2", "run-3", "run-4"]
    # fewer than two is never kept: the previous one stays for readers who opened it
    publish(settings.with_(publications_kept=1), warehouse.run(CONSISTENT_CORPUS, "run-5"))
    versions = sorted(p.name for p in (settings.curated_dir / "publications").iterdir())
    assert [v.split(".", 1)[1] for v in versions] == ["run-4", "run-5"]


def test_the_layout_before_publications_is_replaced_by_links(warehouse: Warehouse) -> None:
    """A curated directory of the older layout: a database file, a parquet link to a hidden
    version directory. The first publish replaces both with links through `current`."""
    curated = warehouse.settings.curated_dir
    curated.mkdir(parents=True)
    (curated / "factledger.duckdb").write_bytes(b"an older publication")
    (curated / ".parquet.old").mkdir()
    (curated / "parquet").symlink_to(".parquet.old")
    result = publish(warehouse.settings, warehouse.run(CONSISTENT_CORPUS, "run-1"))
    for name in ("factledger.duckdb", "parquet", "report"):
        assert os.readlink(curated / name) == f"current/{name}"
    assert (curated / "factledger.duckdb").resolve() == result.database.resolve()
    assert not (curated / ".parquet.old").exists()


def test_unknown_run_fails_and_leaves_the_publication(warehouse: Warehouse) -> None:
    publish(warehouse.settings, warehouse.run(CONSISTENT_CORPUS, "run-1"))
    before = table_rows(published_path(warehouse.settings), "curated.claims")
    with pytest.raises(PublishError, match="no-such-run"):
        publish(warehouse.settings, "no-such-run")
    assert table_rows(published_path(warehouse.settings), "curated.claims") == before
    versions = [p.name for p in (warehouse.settings.curated_dir / "publications").iterdir()]
    assert [v.split(".", 1)[1] for v in versions] == ["run-1"]


def test_duckdb_cli_opens_the_published_file_read_only(warehouse: Warehouse) -> None:
    publish(warehouse.settings, warehouse.run(CONSISTENT_CORPUS, "run-1"))
    argv = shell_command(warehouse.settings, "select count(*) as n from curated.claims")
    assert "-readonly" in argv
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
    assert "7" in done.stdout.split()
    write = shell_command(warehouse.settings, "create table curated.x (i int)")
    refused = subprocess.run(write, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "read-only" in refused.stderr.lower()


def test_shell_command_without_sql_opens_a_shell(tmp_path: Path) -> None:
    argv = shell_command(settings_for(tmp_path), None)
    assert argv[1:] == ["-readonly", str(settings_for(tmp_path).curated_dir / "factledger.duckdb")]
    assert Path(argv[0]).name == "duckdb"


def yaml_meaning(table: str, column: str) -> str:
    """The column's meaning as catalogue/columns.yaml writes it, read by PyYAML alone."""
    import yaml

    data = yaml.safe_load((CATALOGUE_DIR / "columns.yaml").read_text(encoding="utf-8"))
    entry = (data["tables"].get(table, {}).get("columns") or {}).get(column)
    entry = entry if entry is not None else data["columns"][column]
    if isinstance(entry, dict):
        return f"{' '.join(entry['description'].split())} (unit: {entry['unit']})"
    return " ".join(entry.split())


@pytest.mark.parametrize(
    "table,column,whole",
    [
        ("curated.claims", "char_start", "document's stored text, 0-based. (unit: characters)"),
        ("curated.metric_timeline", "n_claims", "the flow and stock claims). (unit: claims)"),
        ("audit.check_results", "violation_count", "excepted ones included. (unit: violations)"),
        ("audit.disputes", "claim_count", "both sides. (unit: claims)"),
    ],
)
def test_a_column_comment_is_the_whole_yaml_text(
    warehouse: Warehouse, table: str, column: str, whole: str
) -> None:
    """A comma inside a flow mapping ({description: a, b, unit: c}) once cut the comment."""
    result = publish(warehouse.settings, warehouse.run(CONSISTENT_CORPUS, "run-1"))
    schema, name = table.split(".")
    (comment,) = query(
        result.database,
        f"select comment from duckdb_columns() where schema_name = '{schema}'"
        f" and table_name = '{name}' and column_name = '{column}'",
    )
    assert comment[0] == yaml_meaning(table, column)
    assert comment[0].endswith(whole)


def test_an_unknown_key_in_columns_yaml_is_an_error_naming_it(tmp_path: Path) -> None:
    catalogue = tmp_path / "catalogue"
    catalogue.mkdir()
    (catalogue / "columns.yaml").write_text(
        "columns:\n  char_start: {description: Offset, 0-based., unit: characters}\ntables: {}\n"
    )
    settings = Settings(catalogue_dir=catalogue)
    with pytest.raises(CatalogueError) as raised:
        load_column_catalogue(settings)
    assert "columns.yaml" in str(raised.value) and "char_start" in str(raised.value)
    assert "0-based." in str(raised.value)


def test_a_curated_path_with_a_quote_publishes(tmp_path: Path) -> None:
    warehouse = Warehouse(settings_for(tmp_path / "analyst's data"))
    result = publish(warehouse.settings, warehouse.run(CONSISTENT_CORPUS, "run-1"))
    assert "'" in str(result.parquet_dir)
    claims = pq.read_table(result.parquet_dir / "curated" / "claims.parquet")
    assert claims.num_rows == result.row_counts["curated.claims"] == 7
