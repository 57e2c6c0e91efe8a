"""ORM test fixtures: a mapped model created in the backend under test, and a statement counter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import event


class StatementCounter:
    """Counts (and records) the statements an engine sends to the driver."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.statements: list[str] = []
        self._fn = self._on  # one bound method object, so remove() finds it
        event.listen(engine, "before_cursor_execute", self._fn)

    def _on(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> Any:
        self.statements.append(statement)
        return statement, parameters

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._fn)


@pytest.fixture
def counter(engine: Any) -> Iterator[StatementCounter]:
    c = StatementCounter(engine)
    yield c
    c.close()
