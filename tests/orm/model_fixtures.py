"""Fixtures shared by the ORM test modules that each declare their own models.

``tables, session = model_fixtures(Base.metadata)`` at module level gives the module:

* ``tables``: the module's tables created once on the backend under test (module scope), dropped
  afterwards; the fixture's value is the engine;
* ``session``: a Session on that engine, every table emptied first (children before parents),
  closed afterwards. ``before_clear(conn)`` runs first where rows point at each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sqlweave.core import text
from sqlweave.orm import Session


def model_fixtures(metadata: Any, before_clear: Callable[[Any], None] | None = None) -> tuple[Any, Any]:
    @pytest.fixture(scope="module")
    def tables(engine: Any) -> Iterator[Any]:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        yield engine
        metadata.drop_all(engine)

    @pytest.fixture
    def session(tables: Any) -> Iterator[Session]:
        with tables.begin() as conn:
            if before_clear is not None:
                before_clear(conn)
            for t in reversed(metadata.sorted_tables):
                conn.execute(t.delete())
        with Session(tables) as s:
            yield s

    return tables, session


def session_rows(session: Session, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` read on the session's own connection (a second connection would block or,
    on SQLite in memory, share the one connection)."""
    return [tuple(r) for r in session.connection().execute(text(sql)).all()]
