"""Fixtures for the validate stage: a real in-memory warehouse (see ledger.py)."""

from validation.ledger import con, ledger, settings

__all__ = ["con", "ledger", "settings"]
