"""Returning a Connection's DBAPI connection to the pool skips the pool's reset rollback exactly
when the Connection itself just ended its transaction and nothing used the DBAPI connection since
(``PoolResetState.transaction_was_reset``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import event, text

pytestmark = pytest.mark.backend


@pytest.fixture
def resets(engine: Any) -> Iterator[list[bool]]:
    seen: list[bool] = []

    def on_reset(conn: Any, rec: Any, state: Any) -> None:
        seen.append(state.transaction_was_reset)

    event.listen(engine.pool, "reset", on_reset)
    yield seen
    event.remove(engine.pool, "reset", on_reset)


def test_begin_block_commits_and_skips_the_reset(engine: Any, resets: list[bool]) -> None:
    with engine.begin() as c:
        c.execute(text("SELECT 1")).all()
    assert resets == [True]


def test_connect_block_rolls_back_itself(engine: Any, resets: list[bool]) -> None:
    with engine.connect() as c:
        c.execute(text("SELECT 1")).all()
    assert resets == [True]


def test_commit_then_more_work_is_rolled_back_on_close(engine: Any, resets: list[bool]) -> None:
    with engine.connect() as c:
        c.execute(text("SELECT 1")).all()
        c.commit()
        c.execute(text("SELECT 2")).all()  # a new transaction, rolled back by close()
    assert resets == [True]


def test_unused_connection_is_reset_by_the_pool(engine: Any, resets: list[bool]) -> None:
    with engine.connect():
        pass
    assert resets == [False]


def test_dbapi_access_after_commit_is_reset_by_the_pool(engine: Any, resets: list[bool]) -> None:
    """Someone who took the DBAPI connection may have run SQL on it behind our back."""
    with engine.connect() as c:
        c.execute(text("SELECT 1")).all()
        c.commit()
        cur = c.connection.dbapi_connection.cursor()
        cur.execute("SELECT 1")
        cur.close()
    assert resets == [False]


def test_isolation_level_change_is_reset_by_the_pool(engine: Any, resets: list[bool]) -> None:
    with engine.connect() as c:
        c.execution_options(isolation_level="SERIALIZABLE")
        c.execute(text("SELECT 1")).all()
        c.commit()
    assert resets == [False]
