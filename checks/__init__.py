"""What must hold: the check catalogue, SQL checks, pandera schemas and GX suites."""

from pathlib import Path

CHECKS_DIR = Path(__file__).resolve().parent
