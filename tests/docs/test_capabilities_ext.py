"""The Sphinx extension that generates the capability tables (docs/_ext/capabilities.py)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sqlweave.core.engine.default import DefaultDialect
from sqlweave.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

EXT = Path(__file__).resolve().parents[2] / "docs" / "_ext"


@pytest.fixture(scope="module")
def ext() -> Iterator[Any]:
    sys.path.insert(0, str(EXT))
    try:
        yield importlib.import_module("capabilities")
    finally:
        sys.path.remove(str(EXT))


def test_every_capability_flag_is_described(ext: Any) -> None:
    """A new flag on DefaultDialect must get a line in the docs' capability tables."""
    flags = {k for k, v in vars(DefaultDialect).items() if isinstance(v, bool) and not k.startswith("_")
             and (k.startswith("supports_") or k.endswith("_returning"))}
    missing = sorted(flags - set(ext.FLAG_DOCS))
    assert missing == [], f"describe {missing} in FLAG_DOCS of docs/_ext/capabilities.py"
    assert set(ext.dialect_flags()) >= flags


def test_version_dependent_flags_are_found(ext: Any) -> None:
    found = ext.flags_set_on_connect(SQLiteDialect_pysqlite)
    assert {"insert_returning", "update_returning", "delete_returning",
            "supports_full_outer_join"} <= found
    assert "supports_savepoints" not in found
    assert ext.flags_set_on_connect(DefaultDialect) == set()
