"""Shared fixtures: a temporary data/raw and a fresh warehouse file. Keep this small."""

from __future__ import annotations

import csv
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb
import pytest

from flows.runtime.settings import Settings
from flows.warehouse import connect

MANIFEST_COLUMNS = ("file", "published_at", "title", "publisher", "url", "entity")


class RawDir:
    """A data/raw under tmp_path: write documents and manifest rows, get Settings for it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.documents = root / "documents"
        self.documents.mkdir(parents=True)
        self.rows: list[dict[str, str]] = []
        self.write_manifest()

    @property
    def settings(self) -> Settings:
        return Settings(raw_dir=self.root, curated_dir=self.root.parent / "curated")

    def add(
        self,
        file: str,
        content: str | bytes,
        published_at: str = "2025-06-24",
        entity: str = "smart",
        listed: bool = True,
    ) -> Path:
        """Write documents/<file> (str as UTF-8) and, if listed, its manifest row."""
        path = self.documents / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        if listed:
            self.list(file, published_at=published_at, entity=entity)
        return path

    def list(self, file: str, published_at: str = "2025-06-24", entity: str = "smart") -> None:
        """Add a manifest row (the file need not exist)."""
        self.rows.append(
            {
                "file": file,
                "published_at": published_at,
                "title": f"Title of {file}",
                "publisher": "Test Wire",
                "url": f"https://example.test/{file}",
                "entity": entity,
            }
        )
        self.write_manifest()

    def write_manifest(self, columns: tuple[str, ...] = MANIFEST_COLUMNS) -> None:
        with (self.root / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(self.rows)


@contextmanager
def fifo_that_cannot_hang(path: Path, grace_seconds: float = 2.0) -> Iterator[Path]:
    """A FIFO at `path` whose readers are released after `grace_seconds`.

    Opening a FIFO for reading waits for a writer: code that reads one would hang the test for
    ever. A thread here opens it for writing (non-blocking: that fails unless a reader waits)
    and closes it at once, so such a reader gets an empty file and the test fails on its
    assertions instead of hanging.
    """
    os.mkfifo(path)
    done = threading.Event()

    def release_readers() -> None:
        while not done.wait(grace_seconds):
            # ENXIO: nobody is reading; ENOENT: the test removed it.
            with suppress(OSError):
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))

    thread = threading.Thread(target=release_readers, daemon=True)
    thread.start()
    try:
        yield path
    finally:
        done.set()
        thread.join()


@pytest.fixture
def raw_dir(tmp_path: Path) -> RawDir:
    """An empty data/raw (documents/ and a manifest with only its header)."""
    return RawDir(tmp_path / "raw")


@pytest.fixture
def fresh_warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A new warehouse file with the schema applied."""
    con = connect(tmp_path / "curated" / "warehouse.duckdb")
    yield con
    con.close()


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect server (and database) for the whole session, shared by the
    integration and fault suites: Prefect's events client is one per process, so a second
    harness would leave task runs recorded on the first server."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
