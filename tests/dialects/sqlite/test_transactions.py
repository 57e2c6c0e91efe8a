"""SQLite transactions over connections the dialect made and over ``creator=`` connections in the
driver's other transaction modes: every commit reaches the database file."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from sqlweave.core import Column, Integer, MetaData, Table, create_engine, insert, select

metadata = MetaData()
t = Table("sqlt_item", metadata, Column("id", Integer, primary_key=True), Column("n", Integer))


def _driver_modes() -> list[dict[str, Any]]:
    modes: list[dict[str, Any]] = [{"isolation_level": None}, {}]
    if sys.version_info >= (3, 12):
        modes.append({"autocommit": True})  # commit() is a no-op in this mode
    return modes


def _committed(path: Path) -> list[int]:
    with sqlite3.connect(path) as check:  # another connection: sees only committed rows
        return [r[0] for r in check.execute("SELECT n FROM sqlt_item ORDER BY n")]


def test_commits_of_the_dialects_own_connections_persist(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'own.db'}")
    metadata.create_all(engine)
    for n in (1, 2):
        with engine.begin() as conn:
            conn.execute(insert(t), {"n": n})
    assert _committed(tmp_path / "own.db") == [1, 2]
    engine.dispose()


@pytest.mark.parametrize("mode", _driver_modes(), ids=repr)
def test_commits_of_creator_connections_persist(tmp_path: Path, mode: dict[str, Any]) -> None:
    path = tmp_path / "creator.db"
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(path, check_same_thread=False, **mode))
    metadata.create_all(engine)
    for n in (1, 2):
        with engine.begin() as conn:
            conn.execute(insert(t), {"n": n})
    with engine.connect() as conn:
        assert conn.scalars(select(t.c.n).order_by(t.c.n)).all() == [1, 2]
    assert _committed(path) == [1, 2]
    engine.dispose()
