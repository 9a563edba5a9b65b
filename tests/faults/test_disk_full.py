"""A full disk: data/curated on a small tmpfs, filled so that a run runs out of space at
different stages. The run exits 2 with a message saying so, the previous publication stays
current and whole, and once space is freed the next run publishes what a run on a roomy disk
does.

Needs to mount a tmpfs (root, and a kernel that allows it here); skipped with the reason
otherwise."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.runs import published, run_ok, run_to_the_end
from tests.integration.conftest import copy_seeds
from tests.integration.prefect_server import PrefectServer

DISK_BYTES = 48 * 2**20
# Free space left for the second run: none at all (the lock file cannot be written), then
# enough for the warehouse but not the publication (its checkpoint fails).
FREE_BYTES = (0, 2**20, 3 * 2**20)
NEW_DOCUMENT = (
    "smart_2026.txt",
    "2026-03-02",
    "smart opens in Japan. The brand now operates in 41 markets with over 600 stores.\n",
)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or 'not permitted'}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def add_document(raw: Path) -> None:
    name, published_at, text = NEW_DOCUMENT
    (raw / "documents" / name).write_text(text, encoding="utf-8")
    with (raw / "manifest.csv").open("a", encoding="utf-8") as manifest:
        manifest.write(f"{name},{published_at},smart in Japan,Test Wire,,smart\n")


def fill(disk: Path, leave_free: int) -> Path:
    """A ballast file that leaves `leave_free` bytes of the disk free (or none)."""
    ballast = disk / "ballast"
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with ballast.open("wb") as out:
        remaining = max(0, free - leave_free)
        chunk = b"\0" * 2**20
        try:
            while remaining > 0:
                remaining -= out.write(chunk[: min(len(chunk), remaining)])
        except OSError:
            pass  # full: as intended
    return ballast


@pytest.fixture(scope="module")
def roomy(server: PrefectServer, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What the seeds and the new document publish on a disk with room."""
    home = tmp_path_factory.mktemp("roomy")
    raw = copy_seeds(home)
    add_document(raw)
    run_ok(raw, home / "curated", server.env())
    return published(home / "curated")


@pytest.mark.parametrize("free", FREE_BYTES, ids=[f"{n // 2**20}MiB-free" for n in FREE_BYTES])
def test_a_run_out_of_space_leaves_the_publication_and_the_next_run_recovers(
    free: int, small_disk: Path, server: PrefectServer, roomy: dict, tmp_path: Path
) -> None:
    raw, curated = copy_seeds(tmp_path), small_disk / "curated"
    run_ok(raw, curated, server.env())
    before = published(curated)
    current = os.readlink(curated / "current")

    add_document(raw)
    ballast = fill(small_disk, free)
    code, out, err = run_to_the_end(raw, curated, server.env())
    assert code == 2, f"exit {code}\n{out}\n{err[-3000:]}"
    assert str(curated) in err.strip().splitlines()[-1]  # the message names the file
    assert "No space left on device" in err or "disk is full" in err.lower(), err[-3000:]
    assert "Traceback" not in err, err[-4000:]
    assert os.readlink(curated / "current") == current
    assert published(curated) == before

    ballast.unlink()
    run_ok(raw, curated, server.env())
    assert published(curated) == roomy
