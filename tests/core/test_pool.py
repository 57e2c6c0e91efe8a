"""Tests for sqlweave.core.pool against real DBAPI connections (sqlite3; psycopg2 and pymysql for
server-side disconnects)."""

from __future__ import annotations

import gc
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sqlweave.core import event, exc
from sqlweave.core.pool import (
    AssertionPool,
    NullPool,
    Pool,
    PoolProxiedConnection,
    PoolResetState,
    QueuePool,
    SingletonThreadPool,
    StaticPool,
)

IN_CI = os.environ.get("CI") == "true"


class TrackedConnection(sqlite3.Connection):
    """A sqlite3 connection that records opens and closes in its class counters."""

    live = 0
    opened = 0
    max_live = 0
    lock = threading.Lock()

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.closed = False
        cls = type(self)
        with cls.lock:
            cls.live += 1
            cls.opened += 1
            cls.max_live = max(cls.max_live, cls.live)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            with type(self).lock:
                type(self).live -= 1
        super().close()


@pytest.fixture
def tracked() -> type[TrackedConnection]:
    cls = type("Tracked", (TrackedConnection,), {"live": 0, "opened": 0, "max_live": 0,
                                                  "lock": threading.Lock()})
    return cls


def memory_creator(factory: type[sqlite3.Connection] = sqlite3.Connection
                   ) -> Callable[[], sqlite3.Connection]:
    return lambda: sqlite3.connect(":memory:", check_same_thread=False, factory=factory)


@pytest.fixture
def pool() -> Iterator[QueuePool]:
    p = QueuePool(memory_creator())
    yield p
    p.dispose()


# -- checkout / checkin ---------------------------------------------------------------------------


def test_checkout_checkin_reuses_connection(pool: QueuePool) -> None:
    c1 = pool.connect()
    raw = c1.dbapi_connection
    assert c1.driver_connection is raw and c1.is_valid
    c1.cursor().execute("SELECT 1")
    c1.close()
    assert not c1.is_valid
    c1.close()  # idempotent
    c2 = pool.connect()
    assert c2.dbapi_connection is raw
    assert pool.checkedout() == 1 and pool.checkedin() == 0
    c2.close()
    assert pool.checkedin() == 1 and pool.checkedout() == 0
    assert "Connections in pool: 1" in pool.status()


def test_proxy_forwards_and_context_manager(pool: QueuePool) -> None:
    with pool.connect() as conn:
        assert isinstance(conn, PoolProxiedConnection)
        assert conn.in_transaction is False  # forwarded DBAPI attribute
        conn.cursor().execute("CREATE TABLE t (x INTEGER)")
        conn.commit()
        conn.rollback()
    assert pool.checkedout() == 0


def test_info_persists_across_checkouts_and_clears_on_reconnect(pool: QueuePool) -> None:
    c = pool.connect()
    c.info["k"] = "v"
    assert c.record_info is not None
    c.record_info["r"] = 1
    c.close()
    c = pool.connect()
    assert c.info == {"k": "v"} and c._connection_record is not None
    assert c._connection_record.info is c.info
    c.invalidate()
    c = pool.connect()
    assert c.info == {}  # a new DBAPI connection, a new info
    assert c.record_info == {"r": 1}  # the record outlives its connections
    c.close()


def test_fifo_and_lifo(tracked: type[TrackedConnection]) -> None:
    for lifo in (False, True):
        p = QueuePool(memory_creator(tracked), pool_size=3, use_lifo=lifo)
        a, b = p.connect(), p.connect()
        ra, rb = a.dbapi_connection, b.dbapi_connection
        a.close()
        b.close()
        c = p.connect()
        assert c.dbapi_connection is (rb if lifo else ra)
        c.close()
        p.dispose()


# -- limits ---------------------------------------------------------------------------------------


def test_overflow_and_timeout_message_and_latency(tracked: type[TrackedConnection]) -> None:
    p = QueuePool(memory_creator(tracked), pool_size=2, max_overflow=1, timeout=0.5)
    held = [p.connect() for _ in range(3)]
    assert p.overflow() == 1 and p.checkedout() == 3
    start = time.monotonic()
    with pytest.raises(exc.TimeoutError) as info:
        p.connect()
    elapsed = time.monotonic() - start
    assert 0.3 <= elapsed <= 3.0
    msg = str(info.value)
    for part in ("size 2", "overflow 1", "3 connections checked out", "0.50", "pool_size",
                 "max_overflow", "returned"):
        assert part in msg, (part, msg)
    assert isinstance(info.value, exc.PoolTimeoutError)
    # Returning an overflow connection closes it; the pool keeps pool_size.
    for c in held:
        c.close()
    assert p.checkedin() == 2 and p.overflow() == 0 and tracked.live == 2
    p.dispose()
    assert tracked.live == 0


def test_waiter_gets_returned_connection() -> None:
    p = QueuePool(memory_creator(), pool_size=1, max_overflow=0, timeout=3)
    c = p.connect()
    raw = c.dbapi_connection
    got: list[Any] = []

    def waiter() -> None:
        conn = p.connect()
        got.append(conn.dbapi_connection)
        conn.close()

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.05)
    c.close()
    t.join(5)
    assert got == [raw]


def test_waiter_woken_when_overflow_slot_freed_by_invalidation() -> None:
    """An invalidated overflow connection frees its slot; a waiter must not sit to timeout."""
    p = QueuePool(memory_creator(), pool_size=0, max_overflow=1, timeout=3)
    c = p.connect()
    done: list[float] = []

    def waiter() -> None:
        start = time.monotonic()
        p.connect().close()
        done.append(time.monotonic() - start)

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.05)
    c.invalidate()
    t.join(5)
    assert done and done[0] < 2.5


def test_unlimited_overflow(tracked: type[TrackedConnection]) -> None:
    p = QueuePool(memory_creator(tracked), pool_size=2, max_overflow=-1, timeout=0.1)
    held = [p.connect() for _ in range(20)]
    assert p.checkedout() == 20
    for c in held:
        c.close()
    assert p.checkedin() == 2 and tracked.live == 2
    p.dispose()


def test_thundering_herd_never_exceeds_overflow(tracked: type[TrackedConnection]) -> None:
    pool_size, max_overflow, n = 2, 3, 24
    slow_connect = threading.Event()

    def creator() -> sqlite3.Connection:
        time.sleep(0.01)  # widen the window between "slot free?" and "connected"
        return sqlite3.connect(":memory:", check_same_thread=False, factory=tracked)

    p = QueuePool(creator, pool_size=pool_size, max_overflow=max_overflow, timeout=10)
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            c = p.connect()
            time.sleep(0.02)
            c.cursor().execute("SELECT 1")
            c.close()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    slow_connect.set()
    assert not errors
    assert tracked.max_live <= pool_size + max_overflow
    assert p.checkedout() == 0 and p.checkedin() == pool_size
    assert p.overflow() == 0
    p.dispose()


def test_creator_failure_releases_overflow_slot() -> None:
    calls = {"n": 0}

    def creator() -> sqlite3.Connection:
        calls["n"] += 1
        if calls["n"] == 1:
            raise sqlite3.OperationalError("server is down")
        return sqlite3.connect(":memory:")

    p = QueuePool(creator, pool_size=1, max_overflow=0, timeout=0.2)
    with pytest.raises(sqlite3.OperationalError):
        p.connect()
    assert p.checkedout() == 0
    p.connect().close()


# -- reset on return ------------------------------------------------------------------------------


def _file_creator(path: Path) -> Callable[[], sqlite3.Connection]:
    return lambda: sqlite3.connect(str(path), check_same_thread=False)


def _setup_table(path: Path) -> None:
    raw = sqlite3.connect(str(path))
    raw.execute("CREATE TABLE t (x INTEGER)")
    raw.commit()
    raw.close()


def _count(path: Path) -> int:
    raw = sqlite3.connect(str(path))
    try:
        return int(raw.execute("SELECT count(*) FROM t").fetchone()[0])
    finally:
        raw.close()


@pytest.mark.parametrize("reset, expected", [(True, 0), ("rollback", 0), ("commit", 1)])
def test_reset_on_return(tmp_path: Path, reset: Any, expected: int) -> None:
    path = tmp_path / "reset.db"
    _setup_table(path)
    p = QueuePool(_file_creator(path), pool_size=1, reset_on_return=reset)
    c = p.connect()
    c.cursor().execute("INSERT INTO t VALUES (1)")  # opens a transaction, never committed
    c.close()
    c = p.connect()
    assert c.cursor().execute("SELECT count(*) FROM t").fetchone()[0] == expected
    c.close()
    assert _count(path) == expected
    p.dispose()


def test_reset_none_leaves_transaction(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    _setup_table(path)
    p = QueuePool(_file_creator(path), pool_size=1, reset_on_return=None)
    c = p.connect()
    c.cursor().execute("INSERT INTO t VALUES (1)")
    c.close()
    c = p.connect()
    assert c.dbapi_connection.in_transaction
    c.rollback()
    c.close()
    p.dispose()


def test_invalid_reset_on_return() -> None:
    with pytest.raises(exc.ArgumentError, match="reset_on_return"):
        QueuePool(memory_creator(), reset_on_return="sometimes")


def test_failed_rollback_discards_connection(tracked: type[TrackedConnection]) -> None:
    class BadRollback(tracked):  # type: ignore[valid-type, misc]
        def rollback(self) -> None:
            raise sqlite3.OperationalError("rollback failed")

    p = QueuePool(memory_creator(BadRollback), pool_size=1)
    invalidated: list[Any] = []
    event.listen(p, "invalidate", lambda conn, rec, e: invalidated.append(e))
    c = p.connect()
    raw = c.dbapi_connection
    c.close()
    assert raw.closed and len(invalidated) == 1
    assert isinstance(invalidated[0], sqlite3.OperationalError)
    c = p.connect()
    assert c.dbapi_connection is not raw
    c.invalidate()
    p.dispose()


def test_reset_event_and_finalize_callback(pool: QueuePool) -> None:
    seen: list[Any] = []
    event.listen(pool, "reset", lambda conn, rec, state: seen.append(state))
    c = pool.connect()
    assert c._connection_record is not None
    c._connection_record.finalize_callback.append(lambda conn: seen.append("finalized"))
    c.close()
    assert isinstance(seen[0], PoolResetState)
    assert seen[0].transaction_was_reset is False and seen[0].terminate_only is False
    assert seen[1] == "finalized"


# -- recycle and invalidation ---------------------------------------------------------------------


def test_recycle(tracked: type[TrackedConnection]) -> None:
    p = QueuePool(memory_creator(tracked), pool_size=1, recycle=3600)
    c = p.connect()
    old = c.dbapi_connection
    rec = c._connection_record
    assert rec is not None
    c.close()
    c2 = p.connect()
    assert c2.dbapi_connection is old  # still young: reused
    c2.close()
    rec.starttime -= 7200  # age it past recycle instead of sleeping
    c = p.connect()
    assert c.dbapi_connection is not old and old.closed
    c.close()
    p.dispose()


def test_fairy_invalidate(tracked: type[TrackedConnection]) -> None:
    p = QueuePool(memory_creator(tracked), pool_size=1)
    log: list[str] = []
    for name in ("invalidate", "close", "checkin"):
        event.listen(p, name, lambda *a, _n=name: log.append(_n))
    c = p.connect()
    old = c.dbapi_connection
    c.invalidate(ValueError("boom"))
    assert not c.is_valid and old.closed
    assert log == ["invalidate", "close", "checkin"]
    assert p.checkedout() == 0
    c.invalidate()  # already invalid: nothing happens
    c = p.connect()
    assert c.dbapi_connection is not old
    c.close()
    p.dispose()


def test_soft_invalidate(tracked: type[TrackedConnection]) -> None:
    p = QueuePool(memory_creator(tracked), pool_size=1)
    soft: list[Any] = []
    event.listen(p, "soft_invalidate", lambda conn, rec, e: soft.append(e))
    c = p.connect()
    old = c.dbapi_connection
    c.invalidate(soft=True)
    assert c.is_valid and not old.closed  # still usable until returned
    c.cursor().execute("SELECT 1")
    c.close()
    c = p.connect()
    assert c.dbapi_connection is not old and old.closed and soft == [None]
    c.close()
    p.dispose()


def test_pool_wide_invalidation_timestamp(tracked: type[TrackedConnection]) -> None:
    p = QueuePool(memory_creator(tracked), pool_size=3)
    conns = [p.connect() for _ in range(3)]
    olds = [c.dbapi_connection for c in conns]
    for c in conns[1:]:
        c.close()
    time.sleep(0.01)
    p._invalidate(conns[0], ValueError("server restarted"))
    assert not conns[0].is_valid and olds[0].closed
    assert p._invalidate_time > 0
    # Idle connections made before the timestamp are replaced at their next checkout.
    fresh = [p.connect() for _ in range(3)]
    assert not {id(c.dbapi_connection) for c in fresh} & {id(o) for o in olds}
    assert all(o.closed for o in olds)
    for c in fresh:
        c.close()
    p.dispose()


def test_detach(tracked: type[TrackedConnection]) -> None:
    p = QueuePool(memory_creator(tracked), pool_size=1)
    log: list[str] = []
    event.listen(p, "detach", lambda conn, rec: log.append("detach"))
    event.listen(p, "close_detached", lambda conn: log.append("close_detached"))
    c = p.connect()
    c.info["x"] = 1
    raw = c.dbapi_connection
    c.detach()
    assert c.is_detached and c.info == {"x": 1} and c.record_info is None
    assert p.checkedout() == 0
    other = p.connect()
    assert other.dbapi_connection is not raw and other.info == {}
    other.close()
    c.cursor().execute("SELECT 1")
    c.close()
    assert raw.closed and log == ["detach", "close_detached"]
    p.dispose()


def test_dropped_proxy_is_returned_by_gc(pool: QueuePool) -> None:
    c = pool.connect()
    raw = c.dbapi_connection
    del c
    gc.collect()
    assert pool.checkedout() == 0
    c2 = pool.connect()
    assert c2.dbapi_connection is raw
    c2.close()


# -- checkout listeners and pre-ping --------------------------------------------------------------


def test_checkout_disconnection_error_retries(tracked: type[TrackedConnection]) -> None:
    p = QueuePool(memory_creator(tracked), pool_size=1)
    seen: list[Any] = []

    def on_checkout(conn: Any, rec: Any, proxy: Any) -> None:
        seen.append(conn)
        if len(seen) < 3:
            raise exc.DisconnectionError("stale")

    event.listen(p, "checkout", on_checkout)
    c = p.connect()
    assert len(seen) == 3 and len({id(s) for s in seen}) == 3
    assert c.dbapi_connection is seen[2]
    assert seen[0].closed and seen[1].closed
    c.close()
    assert tracked.live == 1
    p.dispose()


def test_checkout_disconnection_error_exhausted(tracked: type[TrackedConnection]) -> None:
    p = QueuePool(memory_creator(tracked), pool_size=1)

    def always(conn: Any, rec: Any, proxy: Any) -> None:
        raise exc.DisconnectionError("always stale")

    event.listen(p, "checkout", always)
    with pytest.raises(exc.DisconnectionError, match="3 attempts"):
        p.connect()
    assert p.checkedout() == 0 and tracked.live == 0
    event.remove(p, "checkout", always)
    p.connect().close()


def test_checkout_listener_other_error_discards(tracked: type[TrackedConnection]) -> None:
    p = QueuePool(memory_creator(tracked), pool_size=1)

    def boom(conn: Any, rec: Any, proxy: Any) -> None:
        raise RuntimeError("listener bug")

    event.listen(p, "checkout", boom)
    with pytest.raises(RuntimeError):
        p.connect()
    assert p.checkedout() == 0 and tracked.live == 0


def test_pre_ping_replaces_dead_sqlite_connection(tracked: type[TrackedConnection]) -> None:
    p = QueuePool(memory_creator(tracked), pool_size=2, pre_ping=True)
    a, b = p.connect(), p.connect()
    ra, rb = a.dbapi_connection, b.dbapi_connection
    a.close()
    b.close()
    ra.close()  # dies behind the pool's back
    time.sleep(0.01)
    c = p.connect()  # FIFO: gets the dead one first
    assert c.dbapi_connection is not ra
    c.cursor().execute("SELECT 1")
    # A failed ping invalidates every older connection: rb is replaced too.
    d = p.connect()
    assert d.dbapi_connection is not rb and rb.closed
    c.close()
    d.close()
    p.dispose()


def test_pre_ping_non_disconnect_error_propagates() -> None:
    class Dialect:
        loaded_dbapi = sqlite3

        def do_rollback(self, c: Any) -> None:
            c.rollback()

        def do_commit(self, c: Any) -> None:
            c.commit()

        def do_close(self, c: Any) -> None:
            c.close()

        def do_ping(self, c: Any) -> bool:
            raise sqlite3.IntegrityError("not a disconnect")

        def is_disconnect(self, e: BaseException, c: Any, cursor: Any) -> bool:
            return False

    p = QueuePool(memory_creator(), pool_size=1, pre_ping=True, dialect=Dialect())
    p.connect().close()
    with pytest.raises(sqlite3.IntegrityError):
        p.connect()
    assert p.checkedout() == 0


def test_pre_ping_false_result_and_reconnect_failure_wrapped() -> None:
    state = {"connects": 0, "alive": True}

    class Dialect:
        loaded_dbapi = sqlite3

        def do_rollback(self, c: Any) -> None:
            c.rollback()

        def do_commit(self, c: Any) -> None:
            c.commit()

        def do_close(self, c: Any) -> None:
            c.close()

        def do_ping(self, c: Any) -> bool:
            return bool(state["alive"])

        def is_disconnect(self, e: BaseException, c: Any, cursor: Any) -> bool:
            return True

    def creator() -> sqlite3.Connection:
        state["connects"] += 1
        if state["connects"] > 1:
            raise sqlite3.OperationalError("could not connect to server")
        return sqlite3.connect(":memory:")

    p = QueuePool(creator, pool_size=1, pre_ping=True, dialect=Dialect())
    p.connect().close()
    state["alive"] = False
    with pytest.raises(exc.OperationalError) as info:
        p.connect()
    assert isinstance(info.value.orig, sqlite3.OperationalError)
    assert info.value.connection_invalidated
    assert p.checkedout() == 0


def test_fresh_connection_is_not_pinged() -> None:
    pings: list[Any] = []

    class Dialect:
        loaded_dbapi = sqlite3

        def do_rollback(self, c: Any) -> None:
            c.rollback()

        def do_commit(self, c: Any) -> None:
            pass

        def do_close(self, c: Any) -> None:
            c.close()

        def do_ping(self, c: Any) -> bool:
            pings.append(c)
            return True

        def is_disconnect(self, e: BaseException, c: Any, cursor: Any) -> bool:
            return True

    p = QueuePool(memory_creator(), pool_size=1, pre_ping=True, dialect=Dialect())
    p.connect().close()
    assert pings == []
    p.connect().close()
    assert len(pings) == 1


# -- events ---------------------------------------------------------------------------------------


def test_event_order_and_arguments() -> None:
    p = QueuePool(memory_creator(), pool_size=1)
    log: list[tuple[Any, ...]] = []
    for name in ("first_connect", "connect", "checkout", "reset", "checkin", "close"):
        event.listen(p, name, lambda *a, _n=name: log.append((_n, *a)))
    c = p.connect()
    raw, rec = c.dbapi_connection, c._connection_record
    c.close()
    c = p.connect()
    c.close()
    p.dispose()
    names = [entry[0] for entry in log]
    assert names == ["first_connect", "connect", "checkout", "reset", "checkin",
                     "checkout", "reset", "checkin", "close"]
    assert log[0][1:] == (raw, rec) and log[1][1:] == (raw, rec)
    assert log[2][1] is raw and log[2][2] is rec and isinstance(log[2][3], PoolProxiedConnection)
    assert log[4][1:] == (raw, rec)
    assert log[-1][1:] == (raw, rec)


def test_first_connect_once_across_recreate() -> None:
    p = QueuePool(memory_creator(), pool_size=2)
    seen: list[Any] = []
    event.listen(p, "first_connect", lambda c, r: seen.append(c))
    a, b = p.connect(), p.connect()
    a.close()
    b.close()
    new = p.recreate()
    new.connect().close()
    assert len(seen) == 1


def test_class_level_pool_listener(tracked: type[TrackedConnection]) -> None:
    existing = QueuePool(memory_creator())
    seen: list[str] = []

    def fn(conn: Any, rec: Any) -> None:
        seen.append(type(rec._pool).__name__)

    event.listen(Pool, "connect", fn)
    try:
        existing.connect().close()
        NullPool(memory_creator()).connect().close()
    finally:
        event.remove(Pool, "connect", fn)
    QueuePool(memory_creator()).connect().close()
    assert seen == ["QueuePool", "NullPool"]


def test_events_constructor_argument() -> None:
    seen: list[Any] = []
    p = QueuePool(memory_creator(), events=[(lambda c, r: seen.append(c), "connect")])
    c = p.connect()
    assert seen == [c.dbapi_connection]
    c.close()


def test_echo_logging(caplog: pytest.LogCaptureFixture) -> None:
    # Echo off: the logging configuration decides (sqlweave defaults to WARNING), and the
    # pool checks a snapshot boolean, so nothing is even formatted.
    assert logging.getLogger("sqlweave.pool").getEffectiveLevel() > logging.INFO
    quiet = QueuePool(memory_creator())
    assert not quiet._should_log_info and not quiet._should_log_debug
    quiet.connect().close()
    assert not [r for r in caplog.records if "checked out" in r.getMessage()]
    loud = QueuePool(memory_creator(), echo="debug")
    c = loud.connect()
    c.invalidate(ValueError("x"))
    messages = [r.getMessage() for r in caplog.records]
    assert any("checked out from pool" in m for m in messages)
    assert any("Invalidate connection" in m for m in messages)
    assert all(r.name.startswith("sqlweave.pool") for r in caplog.records)


# -- other pool classes ---------------------------------------------------------------------------


def test_null_pool(tracked: type[TrackedConnection]) -> None:
    p = NullPool(memory_creator(tracked))
    c = p.connect()
    raw = c.dbapi_connection
    c.close()
    assert raw.closed
    c = p.connect()
    assert c.dbapi_connection is not raw
    c.close()
    assert tracked.live == 0 and p.status() == "NullPool"
    assert isinstance(p.recreate(), NullPool)


def test_static_pool_shares_one_connection_across_threads() -> None:
    p = StaticPool(memory_creator())
    c = p.connect()
    c.cursor().execute("CREATE TABLE t (x INTEGER)")
    c.cursor().execute("INSERT INTO t VALUES (1)")
    c.commit()
    raw = c.dbapi_connection
    c.close()
    seen: list[Any] = []

    def worker() -> None:
        conn = p.connect()
        seen.append((conn.dbapi_connection,
                     conn.cursor().execute("SELECT x FROM t").fetchone()[0]))
        conn.close()

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen == [(raw, 1)]
    p.dispose()
    assert p.connect().dbapi_connection is not raw


def test_singleton_thread_pool() -> None:
    p = SingletonThreadPool(memory_creator(), pool_size=5)
    c = p.connect()
    c.cursor().execute("CREATE TABLE t (x INTEGER)")
    raw = c.dbapi_connection
    # Re-entrant within the thread: the same proxy, returned only when both close.
    c2 = p.connect()
    assert c2 is c
    c2.close()
    assert c.is_valid
    c.close()
    c = p.connect()
    assert c.dbapi_connection is raw
    c.cursor().execute("SELECT * FROM t")  # data persists within the thread
    c.close()
    other: list[Any] = []
    t = threading.Thread(target=lambda: other.append(p.connect().dbapi_connection))
    t.start()
    t.join()
    assert other[0] is not raw
    assert "size: 2" in p.status()
    p.dispose()
    assert isinstance(p.recreate(), SingletonThreadPool)


def test_singleton_thread_pool_reentry_follows_the_checkout() -> None:
    p = SingletonThreadPool(memory_creator(), pool_size=5)
    c = p.connect()
    raw = c.dbapi_connection
    c.close()
    c2 = p.connect()
    assert c2 is not c and c2.dbapi_connection is raw  # a closed proxy is never handed out again
    assert p.connect() is c2
    c2.close()
    c2.close()
    c2.detach()  # closed: nothing to detach
    c3 = p.connect()
    c3.detach()  # the thread's record forgets it; the next checkout connects afresh
    c4 = p.connect()
    assert c4 is not c3 and c4.dbapi_connection is not c3.dbapi_connection
    assert p.connect() is c4
    c4.invalidate()
    c5 = p.connect()
    assert c5 is not c4 and c5.is_valid
    c5.close()
    c3.close()
    p.dispose()


def test_assertion_pool() -> None:
    p = AssertionPool(memory_creator())
    c = p.connect()
    with pytest.raises(AssertionError, match="already checked out"):
        p.connect()
    raw = c.dbapi_connection
    c.close()
    c = p.connect()
    assert c.dbapi_connection is raw
    c.close()
    p.dispose()


def test_dispose_and_recreate(tracked: type[TrackedConnection]) -> None:
    p = QueuePool(memory_creator(tracked), pool_size=3, max_overflow=2, timeout=5)
    conns = [p.connect() for _ in range(3)]
    conns[0].close()
    conns[1].close()
    p.dispose()
    assert tracked.live == 1 and p.checkedin() == 0
    new = p.recreate()
    assert isinstance(new, QueuePool) and new.size() == 3 and new.timeout() == 5
    assert new._max_overflow == 2
    conns[2].close()
    p.dispose()
    assert tracked.live == 0


# -- real servers ---------------------------------------------------------------------------------


def _pg_connect() -> Any:
    import psycopg2

    return psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="test",
                            connect_timeout=3)


def _my_connect() -> Any:
    import pymysql

    return pymysql.connect(host="127.0.0.1", port=3306, user="root", database="test",
                           connect_timeout=3)


def _reachable(connect: Callable[[], Any]) -> bool:
    try:
        connect().close()
    except Exception:
        return False
    return True


# Skip only outside CI: in CI an unreachable server must fail the run.
requires_pg = pytest.mark.skipif(
    not IN_CI and not _reachable(_pg_connect), reason="PostgreSQL at 127.0.0.1:5432 unreachable"
)
requires_my = pytest.mark.skipif(
    not IN_CI and not _reachable(_my_connect), reason="MariaDB at 127.0.0.1:3306 unreachable"
)


def _pg_pid(conn: Any) -> int:
    cur = conn.cursor()
    cur.execute("SELECT pg_backend_pid()")
    return int(cur.fetchone()[0])


def _pg_kill(pid: int) -> None:
    admin = _pg_connect()
    admin.autocommit = True
    admin.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
    admin.close()
    time.sleep(0.1)


def _my_id(conn: Any) -> int:
    cur = conn.cursor()
    cur.execute("SELECT CONNECTION_ID()")
    return int(cur.fetchone()[0])


def _my_kill(conn_id: int) -> None:
    admin = _my_connect()
    admin.cursor().execute(f"KILL CONNECTION {int(conn_id)}")
    admin.close()
    time.sleep(0.1)


SERVERS = [
    pytest.param(_pg_connect, _pg_pid, _pg_kill, id="postgresql", marks=requires_pg),
    pytest.param(_my_connect, _my_id, _my_kill, id="mysql", marks=requires_my),
]


@pytest.mark.parametrize("connect, ident, kill", SERVERS)
def test_pre_ping_replaces_killed_server_connection(
    connect: Callable[[], Any], ident: Callable[[Any], int], kill: Callable[[int], None]
) -> None:
    p = QueuePool(connect, pool_size=2, pre_ping=True)
    a, b = p.connect(), p.connect()
    ids = {ident(a), ident(b)}
    a.close()
    b.close()
    for i in ids:
        kill(i)
    c = p.connect()
    new_id = ident(c)  # works: pre-ping found the dead connection and reconnected
    assert new_id not in ids
    d = p.connect()  # the other old connection was invalidated pool-wide
    assert ident(d) not in ids
    c.close()
    d.close()
    p.dispose()


@pytest.mark.parametrize("connect, ident, kill", SERVERS)
def test_disconnect_invalidates_pool_without_pre_ping(
    connect: Callable[[], Any], ident: Callable[[Any], int], kill: Callable[[int], None]
) -> None:
    """What the engine does on a disconnect error: pool._invalidate(proxy, e)."""
    p = QueuePool(connect, pool_size=2)
    a, b = p.connect(), p.connect()
    ids = {ident(a), ident(b)}
    a.close()
    b.close()
    for i in ids:
        kill(i)
    c = p.connect()
    with pytest.raises(Exception) as info:
        ident(c)
    time.sleep(0.01)
    p._invalidate(c, info.value)
    assert not c.is_valid
    x, y = p.connect(), p.connect()
    assert ident(x) not in ids and ident(y) not in ids
    x.close()
    y.close()
    p.dispose()


@requires_pg
def test_pg_rollback_on_return() -> None:
    admin = _pg_connect()
    admin.autocommit = True
    admin.cursor().execute("DROP TABLE IF EXISTS sw_pool_reset")
    admin.cursor().execute("CREATE TABLE sw_pool_reset (x INTEGER)")
    try:
        p = QueuePool(_pg_connect, pool_size=1)
        c = p.connect()
        c.cursor().execute("INSERT INTO sw_pool_reset VALUES (1)")
        c.close()
        cur = admin.cursor()
        cur.execute("SELECT count(*) FROM sw_pool_reset")
        assert cur.fetchone()[0] == 0
        p.dispose()
    finally:
        admin.cursor().execute("DROP TABLE IF EXISTS sw_pool_reset")
        admin.close()
