"""R6 – saturate the pool: ``pool_size=2, max_overflow=1, pool_timeout=0.5``, three connections
held, ten more checkouts released together by a barrier."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from sqlweave.core import event, exc, literal, select
from tests.reliability.util import percentile

pytestmark = [pytest.mark.backend, pytest.mark.reliability]


@pytest.mark.timeout(60)
def test_r6_saturated_pool(make_engine: Any, figures: Any) -> None:
    eng = make_engine(pool_size=2, max_overflow=1, pool_timeout=0.5)
    pool = eng.pool
    open_dbapi: set[int] = set()
    lock = threading.Lock()

    @event.listens_for(pool, "connect")
    def _opened(dbapi_conn: Any, rec: Any) -> None:
        with lock:
            open_dbapi.add(id(dbapi_conn))

    @event.listens_for(pool, "close")
    def _closed(dbapi_conn: Any, rec: Any) -> None:
        with lock:
            open_dbapi.discard(id(dbapi_conn))

    held = [eng.connect() for _ in range(3)]
    for c in held:
        assert c.execute(select(literal(1))).scalar() == 1
    assert pool.overflow() == 1 and pool.checkedout() == 3

    max_overflow_seen = [pool.overflow()]
    stop = threading.Event()

    def monitor() -> None:
        while not stop.is_set():
            max_overflow_seen[0] = max(max_overflow_seen[0], pool.overflow())
            time.sleep(0.001)

    barrier = threading.Barrier(10, timeout=10)
    latencies: list[float] = []
    messages: list[str] = []
    unexpected: list[BaseException] = []

    def waiter() -> None:
        try:
            barrier.wait()
            t0 = time.monotonic()
            try:
                eng.connect().close()
                unexpected.append(AssertionError("a checkout succeeded on a saturated pool"))
            except exc.TimeoutError as e:
                with lock:
                    latencies.append(time.monotonic() - t0)
                    messages.append(str(e))
        except BaseException as e:  # asserted below
            unexpected.append(e)

    mon = threading.Thread(target=monitor)
    mon.start()
    threads = [threading.Thread(target=waiter) for _ in range(10)]
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(20)
        assert not any(th.is_alive() for th in threads), "a waiter hung"
    finally:
        for c in held:
            c.close()
        stop.set()
        mon.join(5)
    assert not unexpected, unexpected
    assert len(latencies) == 10
    assert min(latencies) >= 0.5 - 0.01
    assert max(latencies) <= 1.5
    for m in messages:
        assert "size 2" in m and "overflow 1" in m and "0.50" in m, m
    assert max_overflow_seen[0] <= 1

    # after release, 10 checkouts (sequential and concurrent) succeed
    for _ in range(10):
        with eng.connect() as c:
            assert c.execute(select(literal(1))).scalar() == 1
    ok = []
    barrier2 = threading.Barrier(3, timeout=10)

    def user() -> None:
        barrier2.wait()
        with eng.connect() as c:
            ok.append(c.execute(select(literal(1))).scalar())

    ts = [threading.Thread(target=user) for _ in range(3)]
    for th in ts:
        th.start()
    for th in ts:
        th.join(20)
    assert ok == [1, 1, 1]
    assert pool.checkedout() == 0

    # assert_all_closed: after dispose no DBAPI connection of this pool is open
    eng.dispose()
    assert not open_dbapi, f"{len(open_dbapi)} DBAPI connections left open"
    figures(scenario="R6", waiters=10, timeout_min_s=round(min(latencies), 3),
            timeout_p50_s=round(percentile(latencies, 50), 3),
            timeout_max_s=round(max(latencies), 3), max_overflow_seen=max_overflow_seen[0])
