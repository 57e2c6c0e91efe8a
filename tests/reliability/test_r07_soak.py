"""R7 – concurrency soak: 8 threads × 500 transfers between 100 accounts through
``pool_size=5, max_overflow=3``.

Each transfer locks its two rows in id order (``SELECT … FOR UPDATE``; ``BEGIN IMMEDIATE`` on
SQLite), moves a random amount and appends to a transfer log, through
``engine.run_transaction(fn, retries=5)`` (re-run on DeadlockError / SerializationError).
``SQLWEAVE_R7_TX`` overrides the per-thread count.
"""

from __future__ import annotations

import os
import random
import threading
import time
from typing import Any

import pytest

from sqlweave.core import Column, Integer, MetaData, Table, func, insert, select, update
from tests.reliability.conftest import Admin
from tests.reliability.util import percentile, rel

pytestmark = [pytest.mark.backend, pytest.mark.reliability]

THREADS = 8
TX_PER_THREAD = int(os.environ.get("SQLWEAVE_R7_TX", "500"))
ACCOUNTS = 100
START = 1000


@pytest.mark.timeout(420)
def test_r7_concurrency_soak(make_engine: Any, db_name: str, tmp_path: Any, engine: Any,
                             figures: Any) -> None:
    if db_name == "sqlite":
        # file database; sqlweave's BEGIN is replaced by BEGIN IMMEDIATE (AUTOCOMMIT mode makes
        # the dialect skip its own BEGIN), so writers queue instead of failing on upgrade
        eng = make_engine(f"sqlite:///{tmp_path / 'r7.db'}?timeout=60", pool_size=5,
                          max_overflow=3, pool_timeout=60)
        work_eng = eng.execution_options(isolation_level="AUTOCOMMIT")
    else:
        eng = make_engine(pool_size=5, max_overflow=3, pool_timeout=60)
        work_eng = eng
    admin = Admin(db_name) if db_name != "sqlite" else None
    md = MetaData()
    acct = Table(rel("rel_r7_acct"), md, Column("id", Integer, primary_key=True, autoincrement=False),
                 Column("balance", Integer, nullable=False))
    log = Table(rel("rel_r7_log"), md, Column("id", Integer, primary_key=True),
                Column("src", Integer, nullable=False), Column("dst", Integer, nullable=False),
                Column("amount", Integer, nullable=False))
    md.drop_all(eng)
    md.create_all(eng)
    try:
        with eng.begin() as conn:
            conn.execute(insert(acct), [{"id": i, "balance": START} for i in range(ACCOUNTS)])

        lock = threading.Lock()
        latencies: list[float] = []
        attempts = [0]
        done: list[tuple[int, int, int]] = []
        errors: list[BaseException] = []
        peak = {"overflow": eng.pool.overflow(), "server_conns": 0}
        stop = threading.Event()

        def transfer(rng: random.Random) -> None:
            a, b = rng.sample(range(ACCOUNTS), 2)
            amount = rng.randint(1, 50)
            lo, hi = sorted((a, b))

            def unit(conn: Any) -> None:
                with lock:
                    attempts[0] += 1
                if db_name == "sqlite":
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    conn.execute(select(acct.c.id).where(acct.c.id.in_([lo, hi]))).all()
                else:
                    conn.execute(select(acct.c.id).where(acct.c.id.in_([lo, hi]))
                                 .order_by(acct.c.id).with_for_update()).all()
                conn.execute(update(acct).where(acct.c.id == a).values(balance=acct.c.balance - amount))
                conn.execute(update(acct).where(acct.c.id == b).values(balance=acct.c.balance + amount))
                conn.execute(insert(log).values(src=a, dst=b, amount=amount))

            t0 = time.perf_counter()
            work_eng.run_transaction(unit, retries=5)
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                done.append((a, b, amount))

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            try:
                for _ in range(TX_PER_THREAD):
                    transfer(rng)
            except BaseException as e:  # asserted below
                with lock:
                    errors.append(e)

        def monitor() -> None:
            while not stop.is_set():
                peak["overflow"] = max(peak["overflow"], eng.pool.overflow())
                if admin is not None:
                    peak["server_conns"] = max(peak["server_conns"],
                                               len(admin.alive(set(eng.tracked.pids))))
                time.sleep(0.05)

        mon = threading.Thread(target=monitor)
        threads = [threading.Thread(target=worker, args=(s,)) for s in range(THREADS)]
        mon.start()
        t_start = time.perf_counter()
        try:
            for th in threads:
                th.start()
            for th in threads:
                th.join(400)
            assert not any(th.is_alive() for th in threads), "a worker hung"
        finally:
            stop.set()
            mon.join(10)
        wall = time.perf_counter() - t_start
        assert not errors, errors[:3]

        with eng.connect() as conn:
            balances = dict(conn.execute(select(acct.c.id, acct.c.balance)).all())
            logged = [tuple(r) for r in conn.execute(select(log.c.src, log.c.dst, log.c.amount)).all()]
            total = conn.execute(select(func.sum(acct.c.balance))).scalar()
        assert total == START * ACCOUNTS, "the balance invariant broke"
        assert sorted(logged) == sorted(done), "the log differs from the successful transfers"
        expect = {i: START for i in range(ACCOUNTS)}
        for a, b, amount in logged:
            expect[a] -= amount
            expect[b] += amount
        assert balances == expect
        assert peak["overflow"] <= 3
        if admin is not None:
            assert peak["server_conns"] <= 8
        assert eng.pool.checkedout() == 0
        in_tx = admin.in_transaction(set(eng.tracked.pids)) if admin is not None else set()
        assert not in_tx, f"connections left inside a transaction: {in_tx}"
    finally:
        if admin is not None:
            admin.close()
        md.drop_all(eng)
    n = len(done)
    figures(scenario="R7", threads=THREADS, tx_per_thread=TX_PER_THREAD, transactions=n,
            tx_per_s=round(n / wall, 1), p50_ms=round(percentile(latencies, 50) * 1000, 2),
            p99_ms=round(percentile(latencies, 99) * 1000, 2), retries=attempts[0] - n,
            peak_overflow=peak["overflow"], max_server_connections=peak["server_conns"],
            leaked_connections=0, invariant_violations=0)
