"""Engine API: create_engine arguments, pools per URL, events, logging, isolation, options."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from sqlweave.core import (
    Column,
    Integer,
    MetaData,
    NullPool,
    QueuePool,
    SingletonThreadPool,
    StaticPool,
    String,
    Table,
    create_engine,
    event,
    exc,
    insert,
    select,
    text,
)
from tests.fix_db import db_url

pytestmark = pytest.mark.backend


def test_unknown_create_engine_argument_is_named() -> None:
    with pytest.raises(exc.ArgumentError, match="pool_sise"):
        create_engine("sqlite://", pool_sise=3)


def test_unknown_dialect_lists_installed() -> None:
    with pytest.raises(exc.NoSuchModuleError) as info:
        create_engine("nosuchdb://localhost/x")
    text_ = str(info.value)
    assert "nosuchdb" in text_ and "sqlite+pysqlite" in text_ and "pip install" in text_


def test_default_pool_classes() -> None:
    assert isinstance(create_engine("sqlite://").pool, SingletonThreadPool)
    assert isinstance(create_engine("sqlite:///x.db").pool, QueuePool)
    assert isinstance(create_engine("sqlite://", poolclass=StaticPool).pool, StaticPool)
    with pytest.raises(exc.ArgumentError, match="pool_size"):
        create_engine("sqlite://", poolclass=NullPool, pool_size=3)


def test_password_never_in_repr_or_str() -> None:
    e = create_engine("sqlite://")
    e2_url = "postgresql://scott:tiger%40secret@127.0.0.1:5432/test"
    e2 = create_engine(e2_url)
    for s in (repr(e2), str(e2), repr(e2.url), str(e2.url)):
        assert "tiger" not in s
    assert "sqlite" in repr(e)


def test_cursor_events_see_sql_and_params(engine: Any) -> None:
    seen: list[tuple[str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        with engine.connect() as conn:
            conn.execute(select(text("1")).where(text("1 = :x")), {"x": 1}) if False else conn.execute(text("SELECT :x"), {"x": 42})
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert len(seen) == 1
    stmt, params = seen[0]
    assert "SELECT" in stmt and "42" not in stmt
    assert 42 in (list(params.values()) if isinstance(params, dict) else list(params))


def test_before_cursor_execute_retval_can_rewrite(engine: Any) -> None:
    def add_comment(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> Any:
        return statement + " -- tagged", parameters

    e = create_engine(db_url(engine.dialect.name if engine.dialect.name != "mysql" else "mysql"))
    event.listen(e, "before_cursor_execute", add_comment, retval=True)
    statements: list[str] = []
    event.listen(e, "after_cursor_execute", lambda c, cur, s, p, ctx, m: statements.append(s))
    with e.connect() as conn:
        assert conn.execute(text("SELECT 7")).scalar() == 7
    assert statements[-1].endswith("-- tagged")
    e.dispose()


def test_handle_error_sees_original(engine: Any) -> None:
    got: list[Any] = []
    fn = lambda ctx: got.append((type(ctx.original_exception).__name__, ctx.is_disconnect))  # noqa: E731
    event.listen(engine, "handle_error", fn)
    try:
        with engine.connect() as conn:
            with pytest.raises(exc.DBAPIError):
                conn.execute(text("SELECT * FROM no_such_table_xyz"))
    finally:
        event.remove(engine, "handle_error", fn)
    assert got and got[0][1] is False


def test_echo_logs_statements(caplog: Any) -> None:
    e = create_engine("sqlite://", echo=True)
    with caplog.at_level(logging.INFO, logger="sqlweave.engine"):
        with e.connect() as conn:
            conn.execute(text("SELECT 1"))
    messages = [r.getMessage() for r in caplog.records]
    assert any("SELECT 1" in m for m in messages)
    assert any(m == "BEGIN (implicit)" for m in messages)


def test_no_echo_no_logs(caplog: Any) -> None:
    e = create_engine("sqlite://")
    with caplog.at_level(logging.WARNING, logger="sqlweave.engine"):
        with e.connect() as conn:
            conn.execute(text("SELECT 1"))
    assert not [r for r in caplog.records if "SELECT 1" in r.getMessage()]


def test_engine_begin_commits_and_rolls_back(engine: Any, metadata: MetaData) -> None:
    t = Table("eng_api_t", metadata, Column("id", Integer, primary_key=True), Column("v", String(10)))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(t).values(v="a"))
    with pytest.raises(RuntimeError):
        with engine.begin() as conn:
            conn.execute(insert(t).values(v="b"))
            raise RuntimeError("boom")
    with engine.connect() as conn:
        assert conn.execute(select(t.c.v)).scalars().all() == ["a"]


def test_isolation_level_option_is_reset_on_return(engine: Any) -> None:
    levels = engine.dialect.get_isolation_level_values()
    target = "SERIALIZABLE" if "SERIALIZABLE" in levels else levels[0]
    with engine.connect() as conn:
        default = conn.get_isolation_level()
        conn.execution_options(isolation_level=target)
        assert conn.get_isolation_level() == target
    with engine.connect() as conn:
        assert conn.get_isolation_level() == default


def test_autocommit_isolation_commits_each_statement(engine: Any, metadata: MetaData) -> None:
    t = Table("eng_api_ac", metadata, Column("id", Integer, primary_key=True))
    metadata.create_all(engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(insert(t).values(id=1))
        conn.rollback()  # nothing to roll back: the insert is already committed
    with engine.connect() as conn:
        assert conn.execute(select(t.c.id)).scalars().all() == [1]


def test_pending_rollback_after_invalidate(engine: Any) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        conn.invalidate()
        with pytest.raises(exc.PendingRollbackError):
            conn.execute(text("SELECT 1"))
        conn.rollback()
        assert conn.execute(text("SELECT 2")).scalar() == 2


def test_dispose_and_reconnect(engine: Any) -> None:
    e = create_engine(db_url(engine.dialect.name))
    with e.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    e.dispose()
    with e.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    e.dispose()


def test_raw_connection_returns_to_pool(engine: Any) -> None:
    raw = engine.raw_connection()
    cur = raw.cursor()
    cur.execute("SELECT 1")
    assert cur.fetchone()[0] == 1
    cur.close()
    raw.close()


def test_threads_share_engine(engine: Any, metadata: MetaData, file_engine: Any) -> None:
    md = MetaData()
    t = Table("eng_api_threads", md, Column("id", Integer, primary_key=True), Column("n", Integer))
    md.drop_all(file_engine)
    md.create_all(file_engine)
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(20):
                with file_engine.begin() as conn:
                    conn.execute(insert(t).values(n=k * 100 + i))
        except BaseException as err:  # collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    with file_engine.connect() as conn:
        assert conn.scalar(select(t.c.id).order_by(t.c.id.desc()).limit(1)) == 80
    md.drop_all(file_engine)


def test_execution_options_engine_copy_shares_pool(engine: Any) -> None:
    e2 = engine.execution_options(logging_token="x")
    assert e2.pool is engine.pool
    assert e2.get_execution_options() == {"logging_token": "x"}
    assert engine.get_execution_options() == {}


def test_echo_debug_logs_rows_and_cache_origin(caplog: Any) -> None:
    e = create_engine("sqlite://", echo="debug")
    md = MetaData()
    t = Table("eng_api_dbg", md, Column("id", Integer, primary_key=True), Column("v", String(5)))
    md.create_all(e)
    with caplog.at_level(logging.DEBUG, logger="sqlweave.engine"):
        with e.begin() as conn:
            conn.execute(insert(t), [{"v": "a"}, {"v": "b"}])
            for _ in range(2):
                conn.execute(select(t.c.v).order_by(t.c.id)).all()
    messages = [r.getMessage() for r in caplog.records]
    assert "Row ('a',)" in messages and "Row ('b',)" in messages
    assert any(m.startswith("[generated in") for m in messages)
    assert any(m.startswith("[cached since") for m in messages)


def test_failed_statement_requires_rollback_then_works(engine: Any, metadata: MetaData) -> None:
    t = Table("eng_api_fail", metadata, Column("id", Integer, primary_key=True))
    metadata.create_all(engine)
    with engine.connect() as conn:
        conn.execute(insert(t).values(id=1))
        with pytest.raises(exc.IntegrityError):
            conn.execute(insert(t).values(id=1))
        with pytest.raises(exc.PendingRollbackError, match="rollback"):
            conn.execute(select(t.c.id))
        conn.rollback()
        assert conn.execute(select(t.c.id)).all() == []


def test_failed_statement_in_savepoint_only_needs_savepoint_rollback(engine: Any, metadata: MetaData) -> None:
    t = Table("eng_api_sp", metadata, Column("id", Integer, primary_key=True))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(t).values(id=1))
        with pytest.raises(exc.IntegrityError):
            with conn.begin_nested():
                conn.execute(insert(t).values(id=2))
                conn.execute(insert(t).values(id=1))
        conn.execute(insert(t).values(id=3))
    with engine.connect() as conn:
        assert conn.execute(select(t.c.id).order_by(t.c.id)).scalars().all() == [1, 3]


def test_schema_translate_map(engine: Any) -> None:
    md = MetaData()
    t = Table("eng_api_stm", md, Column("id", Integer, primary_key=True), schema="placeholder")
    stmt = select(t.c.id).where(t.c.id == 1)
    default_schema = {"sqlite": "main", "postgresql": "public", "mysql": None}[engine.dialect.name]
    with engine.connect() as conn:
        conn = conn.execution_options(schema_translate_map={"placeholder": default_schema})
        md.drop_all(conn)
        md.create_all(conn)
        try:
            conn.execute(insert(t).values(id=1))
            assert conn.execute(stmt).scalar() == 1
        finally:
            conn.rollback()
            md.drop_all(conn)
            conn.commit()


def test_pool_reuses_connections_and_events_in_order(engine: Any) -> None:
    e = create_engine(db_url(engine.dialect.name))
    calls: list[str] = []
    event.listen(e, "connect", lambda *a: calls.append("connect"))
    event.listen(e, "checkout", lambda *a: calls.append("checkout"))
    event.listen(e, "checkin", lambda *a: calls.append("checkin"))
    for name in ("begin", "commit", "rollback"):
        event.listen(e, name, lambda conn, _n=name: calls.append(_n))
    event.listen(e, "savepoint", lambda conn, name: calls.append("savepoint"))
    event.listen(e, "release_savepoint", lambda conn, name, ctx: calls.append("release_savepoint"))
    event.listen(e, "rollback_savepoint", lambda conn, name, ctx: calls.append("rollback_savepoint"))
    for _ in range(3):
        with e.connect() as conn:
            conn.execute(text("SELECT 1"))
            sp = conn.begin_nested()
            sp.rollback()
            with conn.begin_nested():
                pass
            conn.commit()
    assert calls.count("connect") == 1
    one = ["checkout", "begin", "savepoint", "rollback_savepoint", "savepoint", "release_savepoint", "commit", "checkin"]
    assert calls == ["connect"] + one * 3
    e.dispose()
