"""R4 – network faults through the in-process proxy; R5 – a disconnect during COMMIT.

The engine's URL points at the proxy (``127.0.0.1:<proxy.port>``). Every blocking call runs in
a worker thread, so a hang is measured (and then released by thawing the proxy) instead of
hanging the suite.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from sqlweave.core import (
    Column,
    Integer,
    MetaData,
    Table,
    event,
    exc,
    func,
    insert,
    literal,
    select,
)
from tests.reliability.conftest import proxied_url
from tests.reliability.fix_proxy import Proxy
from tests.reliability.util import percentile, rel

pytestmark = [pytest.mark.backend, pytest.mark.reliability]


def _in_thread(fn: Callable[[], Any], wait: float) -> tuple[bool, Any, float]:
    """Run ``fn`` in a thread for at most ``wait`` seconds: (finished, result-or-exception,
    elapsed)."""
    box: list[Any] = []
    t0 = time.monotonic()
    done = [0.0]

    def run() -> None:
        try:
            box.append(fn())
        except BaseException as e:  # handed to the caller
            box.append(e)
        done[0] = time.monotonic() - t0

    th = threading.Thread(target=run, daemon=True)
    th.start()
    th.join(wait)
    return (not th.is_alive()), (box[0] if box else None), (done[0] or time.monotonic() - t0)


def _connect_timeout_args(db: str, seconds: int) -> dict[str, Any]:
    if db == "mysql":
        # PyMySQL's connect_timeout bounds the TCP connect only; the server greeting is read
        # with read_timeout (None = forever), so a deaf listener needs both
        return {"connect_timeout": seconds, "read_timeout": seconds}
    return {"connect_timeout": seconds}


@pytest.mark.timeout(60)
def test_r4a_proxy_stopped_refuses(make_engine: Any, proxy: Proxy, db_name: str,
                                   figures: Any) -> None:
    eng = make_engine(proxied_url(db_name, proxy), pool_size=2, max_overflow=0,
                      connect_args=_connect_timeout_args(db_name, 2))
    with eng.connect() as conn:
        assert conn.execute(select(literal(1))).scalar() == 1
    proxy.stop()
    times = []
    for _ in range(5):
        finished, res, elapsed = _in_thread(lambda: eng.connect().execute(select(literal(1))), 5)
        assert finished, "a refused connect hung"
        assert isinstance(res, exc.OperationalError), repr(res)
        times.append(elapsed)
    assert max(times) <= 2 + 0.5
    assert eng.pool.checkedout() == 0
    proxy.start()
    with eng.connect() as conn:  # recovers once the path is back
        assert conn.execute(select(literal(1))).scalar() == 1
    figures(scenario="R4", case="a refused", configured_s=2, measured_p50_s=round(percentile(times, 50), 3),
            measured_max_s=round(max(times), 3), hung_threads=0)


@pytest.mark.timeout(60)
def test_r4b_deaf_listener_connect_timeout(make_engine: Any, proxy: Proxy, db_name: str,
                                           figures: Any) -> None:
    # libpq's minimum connect_timeout is 2 s (1 is read as 2); PyMySQL honours 1 s
    timeout = 2 if db_name == "postgresql" else 1
    eng = make_engine(proxied_url(db_name, proxy), pool_size=2, max_overflow=0,
                      connect_args=_connect_timeout_args(db_name, timeout))
    proxy.deaf_listen()
    times = []
    for _ in range(3):
        finished, res, elapsed = _in_thread(lambda: eng.connect().execute(select(literal(1))),
                                            timeout + 5)
        assert finished, "a connect to a deaf listener hung"
        assert isinstance(res, exc.OperationalError), repr(res)
        times.append(elapsed)
    assert max(times) <= timeout + 0.5
    assert eng.pool.checkedout() == 0
    figures(scenario="R4", case="b deaf listener", configured_s=timeout,
            measured_p50_s=round(percentile(times, 50), 3), measured_max_s=round(max(times), 3),
            hung_threads=0)


@pytest.mark.timeout(90)
def test_r4c_freeze_during_select(make_engine: Any, proxy: Proxy, db_name: str, request: Any,
                                  figures: Any) -> None:
    if db_name == "postgresql":
        request.applymarker(pytest.mark.xfail(strict=True, reason=(
            "psycopg2 has no client-side read timeout: a statement on a frozen path waits until "
            "the path comes back (server statement_timeout cannot answer through it)")))
        kw: dict[str, Any] = {"connect_args": {"connect_timeout": 2,
                                               "options": "-c statement_timeout=1000"}}
    else:
        kw = {"connect_args": {"connect_timeout": 2, "read_timeout": 1, "write_timeout": 1}}
    eng = make_engine(proxied_url(db_name, proxy), pool_size=2, max_overflow=0, **kw)
    with eng.connect() as conn:
        assert conn.execute(select(literal(1))).scalar() == 1
    sleep_sql = "SELECT pg_sleep(3)" if db_name == "postgresql" else "SELECT SLEEP(3)"

    def frozen_select() -> Any:
        with eng.connect() as conn:
            conn.exec_driver_sql("SELECT 1").scalar()
            proxy.freeze()
            return conn.exec_driver_sql(sleep_sql).scalar()

    times, hung = [], 0
    try:
        for _ in range(3):
            finished, res, elapsed = _in_thread(frozen_select, 1 + 0.5 + 1.0)
            if not finished:
                hung += 1
                proxy.thaw()
                _in_thread(lambda: None, 0)
                break
            proxy.thaw()
            assert isinstance(res, exc.OperationalError), repr(res)
            times.append(elapsed)
    finally:
        proxy.thaw()
        deadline = time.monotonic() + 15
        while eng.pool.checkedout() and time.monotonic() < deadline:
            time.sleep(0.05)
    figures(scenario="R4", case="c freeze during SELECT", configured_s=1,
            measured_p50_s=round(percentile(times, 50), 3) if times else None,
            measured_max_s=round(max(times), 3) if times else None, hung_threads=hung)
    assert hung == 0, "a statement on a frozen path outlived its timeout"
    assert max(times) <= 1 + 0.5
    assert eng.pool.checkedout() == 0


# -- R5 -----------------------------------------------------------------------------------------

R5_ROUNDS = 200


@pytest.mark.timeout(240)
def test_r5_disconnect_during_commit(make_engine: Any, engine: Any, proxy: Proxy, db_name: str,
                                     figures: Any) -> None:
    md = MetaData()
    t = Table(rel("rel_r5"), md, Column("id", Integer, primary_key=True),
              Column("k", Integer, nullable=False))
    md.drop_all(engine)
    md.create_all(engine)
    eng = make_engine(proxied_url(db_name, proxy), pool_size=1, max_overflow=0,
                      connect_args={"connect_timeout": 5})
    inserts = [0]
    commits = [0]

    @event.listens_for(eng, "before_cursor_execute")
    def _count(conn: Any, cursor: Any, statement: str, *a: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts[0] += 1

    @event.listens_for(eng, "commit")
    def _commit(conn: Any) -> None:
        commits[0] += 1

    # the COMMIT message itself, not "SET AUTOCOMMIT": PG simple Query text ends with NUL,
    # MySQL's COM_QUERY is command byte 0x03 then the text
    pattern = b"COMMIT\x00" if db_name == "postgresql" else b"\x03COMMIT"
    outcomes = {"committed": 0, "not_committed": 0}
    wrong: list[str] = []
    try:
        with eng.connect() as conn:  # dialect initialised before the proxy starts dropping
            conn.execute(select(literal(1)))
        for k in range(R5_ROUNDS):
            proxy.drop_after(pattern)
            conn = eng.connect()
            try:
                conn.execute(insert(t).values(k=k))
                try:
                    conn.commit()
                    wrong.append(f"round {k}: commit returned normally")
                except exc.CommitOutcomeUnknownError as e:
                    if not e.connection_invalidated:
                        wrong.append(f"round {k}: not invalidated")
                except BaseException as e:  # anything else is a misclassification
                    wrong.append(f"round {k}: {type(e).__name__}: {e}")
                proxy.drop_after(None)
                conn.rollback()
            finally:
                conn.close()
            # reconcile through a direct connection: the row is there 0 or 1 times
            with engine.connect() as check:
                n = check.execute(select(func.count()).select_from(t).where(t.c.k == k)).scalar()
            if n == 1:
                outcomes["committed"] += 1
            elif n == 0:
                outcomes["not_committed"] += 1
            else:
                wrong.append(f"round {k}: row present {n} times")
        # both counts from one statement (one snapshot): a COMMIT whose outcome was unknown
        # may still be landing on the server, and two statements could see it half-way
        with engine.connect() as check:
            total, distinct = check.execute(select(func.count(), func.count(t.c.k.distinct())).select_from(t)).one()
            dup = total - distinct
    finally:
        proxy.drop_after(None)
        md.drop_all(engine)
    assert not wrong, wrong[:5]
    assert inserts[0] == R5_ROUNDS and commits[0] == R5_ROUNDS, "something was retried"
    assert proxy.drops == R5_ROUNDS
    assert dup == 0
    assert eng.pool.checkedout() == 0
    figures(scenario="R5", rounds=R5_ROUNDS, committed=outcomes["committed"],
            not_committed=outcomes["not_committed"], duplicates=dup,
            automatic_retries=inserts[0] - R5_ROUNDS)
