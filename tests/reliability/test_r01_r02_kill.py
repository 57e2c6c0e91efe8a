"""R1 – kill the backend mid-transaction; R2 – kill idle pooled connections.

The fault is injected with admin SQL (``pg_terminate_backend`` / ``KILL CONNECTION``) through a
privileged raw-driver connection, and only ever against server sessions this test's engine
opened (other suites share the servers).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from sqlweave.core import Column, Integer, MetaData, Table, exc, func, insert, literal, select
from tests.reliability.conftest import Admin, pid_sql
from tests.reliability.util import percentile, rel

pytestmark = [pytest.mark.backend, pytest.mark.reliability]


def _wait_gone(admin: Admin, pids: set[int], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while admin.alive(pids):
        assert time.monotonic() < deadline, f"sessions {admin.alive(pids)} survived the kill"
        time.sleep(0.02)


def _orig_is_kill(db_name: str, orig: BaseException | None) -> bool:
    if db_name == "postgresql":
        text = str(orig)
        return (getattr(orig, "pgcode", None) == "57P01" or type(orig).__name__ == "AdminShutdown"
                or "terminating connection" in text
                or "server closed the connection unexpectedly" in text)
    code = orig.args[0] if orig is not None and orig.args else None
    return code in (2013, 1927, 2006)


@pytest.mark.timeout(90)
def test_r1_kill_backend_mid_transaction(make_engine: Any, admin: Admin, db_name: str,
                                         figures: Any) -> None:
    eng = make_engine(pool_size=5, max_overflow=2)
    md = MetaData()
    t = Table(rel("rel_r1"), md, Column("id", Integer, primary_key=True, autoincrement=False))
    md.drop_all(eng)
    md.create_all(eng)
    try:
        base_out, base_over = eng.pool.checkedout(), eng.pool.overflow()
        conn = eng.connect()
        pid = int(conn.exec_driver_sql(pid_sql(db_name)).scalar())
        for i in range(100):
            conn.execute(insert(t).values(id=i))
        t0 = time.monotonic()
        admin.kill(pid)
        _wait_gone(admin, {pid})

        with pytest.raises(exc.OperationalError) as info:
            conn.execute(select(func.count()).select_from(t))
        err = info.value
        assert err.connection_invalidated is True
        assert _orig_is_kill(db_name, err.orig), f"unexpected driver error {err.orig!r}"
        assert conn.invalidated

        with eng.connect() as other:
            leaked = other.execute(select(func.count()).select_from(t)).scalar()
        assert leaked == 0

        for _ in range(3):  # every further use, until rollback()
            with pytest.raises(exc.PendingRollbackError):
                conn.execute(select(literal(1)))
        conn.rollback()
        new_pid = int(conn.exec_driver_sql(pid_sql(db_name)).scalar())
        recovered_ms = (time.monotonic() - t0) * 1000
        assert new_pid != pid
        assert conn.execute(select(literal(1))).scalar() == 1
        conn.close()
        assert (eng.pool.checkedout(), eng.pool.overflow()) == (base_out, base_over)
    finally:
        md.drop_all(eng)
    figures(scenario="R1", rows_leaked=leaked, kill_to_first_good_ms=round(recovered_ms, 1),
            pids_replaced=int(new_pid != pid), orig=type(err.orig).__name__)


def _concurrent_checkouts(eng: Any, n: int) -> tuple[int, list[BaseException]]:
    """``n`` threads check out at once (a barrier) and each run SELECT 1 while all are held."""
    barrier = threading.Barrier(n, timeout=20)
    held = threading.Barrier(n, timeout=20)
    errors: list[BaseException] = []
    ok = [0]
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait()
            with eng.connect() as conn:
                try:
                    assert conn.execute(select(literal(1))).scalar() == 1
                    with lock:
                        ok[0] += 1
                finally:
                    held.wait()
        except threading.BrokenBarrierError:
            pass
        except BaseException as e:  # collected and asserted by the caller
            with lock:
                errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert not any(th.is_alive() for th in threads)
    return ok[0], errors


def _fill_pool(eng: Any, n: int) -> None:
    conns = [eng.connect() for _ in range(n)]
    for c in conns:
        c.execute(select(literal(1)))
    for c in conns:
        c.close()
    assert eng.pool.checkedin() == n


@pytest.mark.timeout(90)
def test_r2_mode_a_pre_ping(make_engine: Any, admin: Admin, figures: Any) -> None:
    eng = make_engine(pool_size=5, max_overflow=0, pool_pre_ping=True)
    _fill_pool(eng, 5)
    victims = set(eng.tracked.pids)
    for pid in victims:
        admin.kill(pid)
    _wait_gone(admin, victims)
    ok, errors = _concurrent_checkouts(eng, 5)
    assert errors == [] and ok == 5
    assert not (admin.alive(eng.tracked.pids) & victims)
    figures(scenario="R2", mode="A pre_ping", killed=len(victims), user_visible_errors=len(errors))


@pytest.mark.timeout(90)
def test_r2_mode_b_no_pre_ping(make_engine: Any, admin: Admin, figures: Any) -> None:
    eng = make_engine(pool_size=5, max_overflow=0)
    _fill_pool(eng, 5)
    victims = set(eng.tracked.pids)
    for pid in victims:
        admin.kill(pid)
    _wait_gone(admin, victims)
    ok, errors = _concurrent_checkouts(eng, 5)
    # each of the 5 in-use connections may fail once, never more, and only as a disconnect
    assert ok + len(errors) == 5
    for e in errors:
        assert isinstance(e, exc.DBAPIError) and e.connection_invalidated, repr(e)
    first_errors = len(errors)
    later_errors = 0
    for _ in range(20):
        try:
            with eng.connect() as conn:
                assert conn.execute(select(literal(1))).scalar() == 1
        except exc.DBAPIError:
            later_errors += 1
    assert later_errors == 0, "the pool's invalidation timestamp must retire the other victims"
    figures(scenario="R2", mode="B no pre_ping", killed=len(victims),
            user_visible_errors=first_errors, errors_after_first=later_errors)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("guard", ["recycle", "pre_ping"])
def test_r2_mode_c_server_idle_expiry(make_engine: Any, admin: Admin, db_name: str, guard: str,
                                      figures: Any) -> None:
    if db_name == "postgresql":
        connect_args: dict[str, Any] = {"options": "-c idle_session_timeout=1000"}
        idle = 1.0
    else:
        connect_args = {"init_command": "SET SESSION wait_timeout=2"}
        idle = 2.0
    kw: dict[str, Any] = {"pool_recycle": 1} if guard == "recycle" else {"pool_pre_ping": True}
    eng = make_engine(pool_size=5, max_overflow=0, connect_args=connect_args, **kw)
    _fill_pool(eng, 5)
    victims = set(eng.tracked.pids)
    deadline = time.monotonic() + idle + 10
    while admin.alive(victims) and time.monotonic() < deadline:  # the server expires them
        time.sleep(0.1)
    assert not admin.alive(victims), "the server did not expire the idle sessions"
    ok, errors = _concurrent_checkouts(eng, 5)
    assert errors == [] and ok == 5
    figures(scenario="R2", mode=f"C idle expiry + {guard}", expired=len(victims),
            user_visible_errors=len(errors))


@pytest.mark.timeout(120)
def test_r2_pre_ping_overhead(make_engine: Any, db_name: str, figures: Any) -> None:
    """Checkout + checkin time with and without pre-ping (a figure, not an assertion)."""
    n = 10_000 if db_name != "sqlite" else 2_000
    result: dict[str, Any] = {}
    for label, kw in (("plain", {}), ("pre_ping", {"pool_pre_ping": True})):
        eng = make_engine(pool_size=1, max_overflow=0, **kw)
        eng.pool.connect().close()
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            eng.pool.connect().close()
            samples.append((time.perf_counter() - t0) * 1e6)
        result[f"{label}_p50_us"] = round(percentile(samples, 50), 1)
        result[f"{label}_p99_us"] = round(percentile(samples, 99), 1)
    assert result["pre_ping_p50_us"] > 0
    figures(scenario="R2", checkouts=n, **result)
