"""R19 – a timeout or a cancel is not a disconnect; R20 – deadlocks and serialization failures are
retryable, and ``engine.run_transaction(fn, retries=5)`` re-runs the whole unit."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from sqlweave.core import (
    Column,
    Integer,
    MetaData,
    Table,
    exc,
    func,
    insert,
    literal,
    select,
    update,
)
from tests.reliability.conftest import Admin, pid_sql
from tests.reliability.util import rel

pytestmark = [pytest.mark.backend, pytest.mark.reliability]

LONG_SQLITE = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) "
               "SELECT max(x) FROM c")


def _timeout_setup(db: str) -> tuple[str, str]:
    if db == "postgresql":
        return "SET statement_timeout = 200", "SELECT pg_sleep(5)"
    return "SET max_statement_time = 0.2", "SELECT SLEEP(5)"


def _sleep_sql(db: str) -> str:
    return {"postgresql": "SELECT pg_sleep(5)", "mysql": "SELECT SLEEP(5)"}.get(db, LONG_SQLITE)


def _check_not_disconnect(eng: Any, conn: Any, err: exc.DBAPIError, before_inv: float,
                          pid_before: Any, db: str) -> None:
    assert isinstance(err, exc.QueryCanceledError), f"{type(err).__name__}: {err.orig!r}"
    assert err.connection_invalidated is False
    assert not conn.invalidated
    assert eng.pool._invalidate_time == before_inv
    conn.rollback()
    assert conn.execute(select(literal(1))).scalar() == 1
    if pid_before is not None:
        assert conn.exec_driver_sql(pid_sql(db)).scalar() == pid_before, "connection was replaced"


@pytest.mark.timeout(60)
def test_r19_statement_timeout(make_engine: Any, db_name: str, figures: Any) -> None:
    if db_name == "sqlite":
        pytest.skip("SQLite has no statement timeout (the cancel test covers interrupt())")
    eng = make_engine(pool_size=1, max_overflow=0)
    setup, sleep = _timeout_setup(db_name)
    with eng.connect() as conn:
        pid = conn.exec_driver_sql(pid_sql(db_name)).scalar()
        before = eng.pool._invalidate_time
        conn.exec_driver_sql(setup)
        t0 = time.monotonic()
        with pytest.raises(exc.DBAPIError) as info:
            conn.exec_driver_sql(sleep).scalar()
        elapsed = time.monotonic() - t0
        _check_not_disconnect(eng, conn, info.value, before, pid, db_name)
        conn.exec_driver_sql("SET max_statement_time = 0" if db_name == "mysql"
                             else "SET statement_timeout = 0")
        conn.commit()
    assert eng.pool.checkedout() == 0
    figures(scenario="R19", case="statement timeout", classified=type(info.value).__name__,
            cancel_after_s=round(elapsed, 3), pool_invalidations=0)


@pytest.mark.timeout(60)
def test_r19_cancel_from_another_thread(make_engine: Any, db_name: str, engine: Any,
                                        figures: Any) -> None:
    eng = make_engine(pool_size=1, max_overflow=0)
    admin = Admin(db_name) if db_name == "mysql" else None
    try:
        with eng.connect() as conn:
            pid = conn.exec_driver_sql(pid_sql(db_name)).scalar() if db_name != "sqlite" else None
            conn.rollback()
            before = eng.pool._invalidate_time
            raw = conn.connection.dbapi_connection

            def cancel() -> None:
                if db_name == "postgresql":
                    raw.cancel()
                elif db_name == "mysql":
                    assert admin is not None
                    admin.query(f"KILL QUERY {int(pid or 0)}")
                else:
                    raw.interrupt()

            timer = threading.Timer(0.3, cancel)
            timer.start()
            try:
                with pytest.raises(exc.DBAPIError) as info:
                    conn.exec_driver_sql(_sleep_sql(db_name)).scalar()
            finally:
                timer.join(10)
            err = info.value
            if db_name == "mysql" and not isinstance(err, exc.QueryCanceledError):
                pytest.fail(f"KILL QUERY gave {type(err).__name__}: {err.orig!r}")
            _check_not_disconnect(eng, conn, err, before, pid, db_name)
    finally:
        if admin is not None:
            admin.close()
    figures(scenario="R19", case="cancel from another thread", classified=type(err).__name__,
            pool_invalidations=0)


# -- R20 ----------------------------------------------------------------------------------------


@pytest.fixture
def accounts(make_engine: Any, db_name: str) -> Any:
    eng = make_engine(pool_size=4, max_overflow=0)
    md = MetaData()
    t = Table(rel("rel_r20"), md, Column("id", Integer, primary_key=True, autoincrement=False),
              Column("balance", Integer, nullable=False))
    md.drop_all(eng)
    md.create_all(eng)
    with eng.begin() as conn:
        conn.execute(insert(t), [{"id": 1, "balance": 100}, {"id": 2, "balance": 100}])
    yield eng, t
    md.drop_all(eng)


@pytest.mark.timeout(60)
def test_r20_deadlock_is_retryable(accounts: Any, db_name: str, figures: Any) -> None:
    if db_name == "sqlite":
        pytest.skip("SQLite has one writer at a time: no row-lock deadlocks")
    eng, t = accounts
    both_locked = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []
    done: list[str] = []

    def tx(first: int, second: int, name: str) -> None:
        try:
            with eng.begin() as conn:
                conn.execute(update(t).where(t.c.id == first).values(balance=t.c.balance - 10))
                both_locked.wait()
                conn.execute(update(t).where(t.c.id == second).values(balance=t.c.balance + 10))
            done.append(name)
        except BaseException as e:  # asserted below
            errors.append(e)

    a = threading.Thread(target=tx, args=(1, 2, "a"))
    b = threading.Thread(target=tx, args=(2, 1, "b"))
    for th in (a, b):
        th.start()
    for th in (a, b):
        th.join(30)
    assert not a.is_alive() and not b.is_alive()
    assert len(errors) == 1 and len(done) == 1, (errors, done)
    err = errors[0]
    assert isinstance(err, exc.DeadlockError), repr(err)
    assert err.retryable is True and err.connection_invalidated is False
    with eng.connect() as conn:
        total = conn.execute(select(func.sum(t.c.balance))).scalar()
    assert total == 200
    assert eng.pool.checkedout() == 0
    figures(scenario="R20", case="deadlock", classified=type(err).__name__,
            invariant_violations=int(total != 200))


@pytest.mark.timeout(60)
def test_r20_run_transaction_reruns_the_unit(accounts: Any, db_name: str, figures: Any) -> None:
    """Two transfers that deadlock; each runs through run_transaction and both complete."""
    if db_name == "sqlite":
        pytest.skip("SQLite has one writer at a time: no row-lock deadlocks")
    eng, t = accounts
    gate = threading.Barrier(2, timeout=10)
    calls = {"a": 0, "b": 0}
    errors: list[BaseException] = []

    def transfer(src: int, dst: int, name: str) -> None:
        def unit(conn: Any) -> None:
            calls[name] += 1
            conn.execute(update(t).where(t.c.id == src).values(balance=t.c.balance - 10))
            if calls[name] == 1:
                try:
                    gate.wait()  # first attempt only: make them collide
                except threading.BrokenBarrierError:
                    pass
            conn.execute(update(t).where(t.c.id == dst).values(balance=t.c.balance + 10))

        try:
            eng.run_transaction(unit, retries=5)
        except BaseException as e:  # asserted below
            errors.append(e)

    a = threading.Thread(target=transfer, args=(1, 2, "a"))
    b = threading.Thread(target=transfer, args=(2, 1, "b"))
    for th in (a, b):
        th.start()
    for th in (a, b):
        th.join(30)
    assert not errors, errors
    assert sum(calls.values()) == 3, calls  # one victim, re-run once
    with eng.connect() as conn:
        rows = dict(conn.execute(select(t.c.id, t.c.balance)).all())
    assert rows == {1: 100, 2: 100}  # -10 +10 each way
    figures(scenario="R20", case="run_transaction", retries=sum(calls.values()) - 2,
            invariant_violations=int(sum(rows.values()) != 200))


@pytest.mark.timeout(60)
def test_r20_serializable_write_skew(accounts: Any, db_name: str, figures: Any) -> None:
    if db_name != "postgresql":
        pytest.skip("write skew is detected by PostgreSQL's SERIALIZABLE (SSI) only")
    eng, t = accounts
    # invariant: the sum of balances stays >= 150; each tx withdraws 30 if the sum allows it
    ready = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []
    attempts = [0]

    def withdraw(acct: int, use_run_transaction: bool) -> None:
        def unit(conn: Any) -> None:
            attempts[0] += 1
            total = conn.execute(select(func.sum(t.c.balance))).scalar()
            if attempts[0] <= 2:
                ready.wait()
            if total - 30 >= 150:
                conn.execute(update(t).where(t.c.id == acct).values(balance=t.c.balance - 30))

        ser = eng.execution_options(isolation_level="SERIALIZABLE")
        try:
            if use_run_transaction:
                ser.run_transaction(unit, retries=5)
            else:
                with ser.begin() as conn:
                    unit(conn)
        except BaseException as e:  # asserted below
            errors.append(e)

    a = threading.Thread(target=withdraw, args=(1, False))
    b = threading.Thread(target=withdraw, args=(2, False))
    for th in (a, b):
        th.start()
    for th in (a, b):
        th.join(30)
    assert len(errors) == 1, errors
    err = errors[0]
    assert isinstance(err, exc.SerializationError), repr(err)
    assert err.retryable is True and err.connection_invalidated is False
    with eng.connect() as conn:
        total = conn.execute(select(func.sum(t.c.balance))).scalar()
    assert total >= 150
    figures(scenario="R20", case="serializable write skew", classified=type(err).__name__,
            invariant_violations=int(total < 150))
