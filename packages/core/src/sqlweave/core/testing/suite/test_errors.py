"""Error translation: driver exceptions arrive as the matching ``sqlweave.core.exc`` class with
``.orig``, ``.statement`` and ``.params`` set, and the connection is usable after rollback."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import Column, Integer, MetaData, String, Table, exc, insert, select, text
from sqlweave.core.testing.fixtures import ComplianceTest

__all__ = ["TestErrorTranslation"]


class TestErrorTranslation(ComplianceTest):
    """Each kind of database error maps to its DBAPI-named sqlweave class."""

    @pytest.fixture
    def people(self, sw_engine: Any, sw_metadata: MetaData) -> Table:
        t = Table("swc_err_people", sw_metadata,
                  Column("id", Integer, primary_key=True),
                  Column("name", String(20), nullable=False, unique=True))
        sw_metadata.create_all(sw_engine)
        return t

    def test_unique_violation_is_integrity_error(self, sw_engine: Any, people: Table) -> None:
        with sw_engine.connect() as conn:
            conn.execute(insert(people).values(name="ann"))
            with pytest.raises(exc.IntegrityError) as info:
                conn.execute(insert(people).values(name="ann"))
            err = info.value
            assert isinstance(err.orig, sw_engine.dialect.loaded_dbapi.IntegrityError)
            assert err.statement is not None and "swc_err_people" in err.statement
            assert err.params is not None
            assert err.code == "gkpj"
            conn.rollback()
            assert conn.execute(select(people.c.name)).all() == []

    def test_not_null_violation_is_integrity_error(self, sw_engine: Any, people: Table) -> None:
        with sw_engine.connect() as conn:
            with pytest.raises(exc.IntegrityError):
                conn.execute(insert(people).values(name=None))
            conn.rollback()

    def test_syntax_error_is_database_error(self, sw_engine: Any) -> None:
        with sw_engine.connect() as conn:
            with pytest.raises(exc.DatabaseError) as info:
                conn.execute(text("SELEC 1"))
            assert isinstance(info.value, (exc.ProgrammingError, exc.OperationalError))
            assert isinstance(info.value.orig, sw_engine.dialect.loaded_dbapi.Error)
            conn.rollback()
            assert conn.execute(text("SELECT 1")).scalar() == 1

    def test_missing_table_is_database_error(self, sw_engine: Any) -> None:
        with sw_engine.connect() as conn:
            with pytest.raises((exc.ProgrammingError, exc.OperationalError)):
                conn.execute(text("SELECT * FROM swc_err_nosuch"))
            conn.rollback()

    def test_error_inside_begin_rolls_back(self, sw_engine: Any, people: Table) -> None:
        with pytest.raises(exc.IntegrityError):
            with sw_engine.begin() as conn:
                conn.execute(insert(people).values(name="ann"))
                conn.execute(insert(people).values(name="ann"))
        with sw_engine.connect() as conn:
            assert conn.execute(select(people.c.name)).all() == []

    def test_classify_error_declines_ordinary_errors(self, sw_engine: Any, people: Table) -> None:
        """``classify_error`` refines only deadlocks, serialization failures and cancels."""
        with sw_engine.connect() as conn:
            conn.execute(insert(people).values(name="x"))
            with pytest.raises(exc.IntegrityError) as info:
                conn.execute(insert(people).values(name="x"))
            conn.rollback()
        assert not isinstance(info.value, (exc.DeadlockError, exc.SerializationError,
                                           exc.QueryCanceledError))
        assert info.value.retryable is False
