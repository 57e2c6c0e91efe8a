"""Transactions and savepoints: commit keeps, rollback discards, a failed block rolls back,
savepoints roll back only their own work, and isolation levels are set and reported."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import Column, Integer, MetaData, String, Table, func, insert, select
from sqlweave.core.testing.fixtures import ComplianceTest, requires

__all__ = ["TestSavepoints", "TestTransactions"]


class _LogTableTest(ComplianceTest):
    # a fixture method rather than a module-level fixture, so that the classes carry it along
    # when a dialect package imports them with ``from sqlweave.core.testing.suite import *``
    @pytest.fixture
    def swc_log(self, sw_engine: Any, sw_metadata: MetaData) -> Table:
        t = Table("swc_tx_log", sw_metadata,
                  Column("id", Integer, primary_key=True),
                  Column("msg", String(30), nullable=False))
        sw_metadata.create_all(sw_engine)
        return t


def _msgs(engine: Any, t: Table) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(t.c.msg).order_by(t.c.id)).scalars())


class TestTransactions(_LogTableTest):
    """Root transactions on the dialect's connections."""

    def test_commit_keeps_rollback_discards(self, sw_engine: Any, swc_log: Table) -> None:
        with sw_engine.connect() as conn:
            conn.execute(insert(swc_log).values(msg="lost"))
            conn.rollback()
            conn.execute(insert(swc_log).values(msg="kept"))
            conn.commit()
        assert _msgs(sw_engine, swc_log) == ["kept"]

    def test_uncommitted_work_is_rolled_back_on_close(self, sw_engine: Any, swc_log: Table) -> None:
        with sw_engine.connect() as conn:
            conn.execute(insert(swc_log).values(msg="never"))
        assert _msgs(sw_engine, swc_log) == []

    def test_begin_block_rolls_back_on_exception(self, sw_engine: Any, swc_log: Table) -> None:
        class Boom(Exception):
            pass

        with pytest.raises(Boom):
            with sw_engine.begin() as conn:
                conn.execute(insert(swc_log).values(msg="inside"))
                raise Boom
        assert _msgs(sw_engine, swc_log) == []

    def test_other_connection_sees_committed_rows(self, sw_engine: Any, swc_log: Table) -> None:
        with sw_engine.connect() as writer:
            writer.execute(insert(swc_log).values(msg="shared"))
            writer.commit()
            with sw_engine.connect() as reader:
                assert reader.scalar(select(func.count()).select_from(swc_log)) == 1

    def test_autocommit_isolation_level(self, sw_engine: Any, swc_log: Table) -> None:
        if "AUTOCOMMIT" not in sw_engine.dialect.get_isolation_level_values():
            pytest.skip(f"the {sw_engine.dialect.name} dialect has no AUTOCOMMIT level")
        with sw_engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            assert conn.get_isolation_level() == "AUTOCOMMIT"
            conn.execute(insert(swc_log).values(msg="auto"))
            conn.rollback()  # nothing to roll back: the insert is already durable
        assert _msgs(sw_engine, swc_log) == ["auto"]
        with sw_engine.connect() as conn:  # the level is reset when the connection is returned
            assert conn.get_isolation_level() != "AUTOCOMMIT"

    def test_isolation_levels_round_trip(self, sw_engine: Any) -> None:
        levels = [lv for lv in sw_engine.dialect.get_isolation_level_values() if lv != "AUTOCOMMIT"]
        assert levels, "a dialect must declare at least one isolation level"
        for level in levels:
            with sw_engine.connect() as conn:
                conn.execution_options(isolation_level=level)
                assert conn.get_isolation_level() == level


@requires("supports_savepoints")
class TestSavepoints(_LogTableTest):
    """SAVEPOINTs through ``Connection.begin_nested()``."""

    def test_rollback_to_savepoint_keeps_outer_work(self, sw_engine: Any, swc_log: Table) -> None:
        with sw_engine.begin() as conn:
            conn.execute(insert(swc_log).values(msg="outer"))
            sp = conn.begin_nested()
            conn.execute(insert(swc_log).values(msg="inner"))
            sp.rollback()
            conn.execute(insert(swc_log).values(msg="after"))
        assert _msgs(sw_engine, swc_log) == ["outer", "after"]

    def test_released_savepoint_commits_with_outer(self, sw_engine: Any, swc_log: Table) -> None:
        with sw_engine.begin() as conn:
            with conn.begin_nested():
                conn.execute(insert(swc_log).values(msg="nested"))
        assert _msgs(sw_engine, swc_log) == ["nested"]

    def test_outer_rollback_discards_released_savepoint(self, sw_engine: Any, swc_log: Table) -> None:
        with sw_engine.connect() as conn:
            with conn.begin_nested():
                conn.execute(insert(swc_log).values(msg="gone"))
            conn.rollback()
        assert _msgs(sw_engine, swc_log) == []

    def test_nested_savepoints(self, sw_engine: Any, swc_log: Table) -> None:
        with sw_engine.begin() as conn:
            with conn.begin_nested():
                conn.execute(insert(swc_log).values(msg="one"))
                inner = conn.begin_nested()
                conn.execute(insert(swc_log).values(msg="two"))
                inner.rollback()
                conn.execute(insert(swc_log).values(msg="three"))
        assert _msgs(sw_engine, swc_log) == ["one", "three"]

    def test_savepoint_recovers_from_error(self, sw_engine: Any, swc_log: Table) -> None:
        """A failed statement inside a savepoint leaves the outer transaction usable."""
        from sqlweave.core import exc

        with sw_engine.begin() as conn:
            conn.execute(insert(swc_log).values(id=1, msg="first"))
            sp = conn.begin_nested()
            with pytest.raises(exc.IntegrityError):
                conn.execute(insert(swc_log).values(id=1, msg="duplicate"))
            sp.rollback()
            conn.execute(insert(swc_log).values(id=2, msg="second"))
        assert _msgs(sw_engine, swc_log) == ["first", "second"]
