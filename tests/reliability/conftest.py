"""Fixtures of the reliability suite: figures, privileged admin access, engines, the TCP proxy.

* ``figures``: ``figures(**values)`` records a test's measured figures; each test's figures go to
  ``<basetemp>/reliability/<db>/<test>.json`` and the run ends with one summary table.
* ``admin``: an :class:`Admin` over a *raw driver* connection in autocommit (not through sqlweave,
  so a fault injected by the test can't break the injector): backend pids, kill, server restart.
* ``make_engine``: engines on the backend under test, disposed at teardown, each recording the
  server pids of the DBAPI connections it opened (only those are ever killed: other suites share
  the servers).
* ``proxy``: a :class:`~tests.reliability.fix_proxy.Proxy` in front of the server.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sqlweave.core import create_engine, event
from sqlweave.core.engine.url import make_url
from tests.fix_db import db_url
from tests.reliability.fix_proxy import Proxy

_FIGURES: list[tuple[str, str, dict[str, Any]]] = []


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.reliability)


@pytest.fixture
def figures(request: Any, db_name: str, tmp_path_factory: Any) -> Iterator[Callable[..., None]]:
    """``figures(key=value, ...)``: record figures of this test (JSON under the basetemp)."""
    data: dict[str, Any] = {}

    def record(**values: Any) -> None:
        data.update(values)

    yield record
    if not data:
        return
    out = tmp_path_factory.getbasetemp() / "reliability" / db_name
    out.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    (out / f"{name}.json").write_text(json.dumps(
        {"test": request.node.nodeid, "db": db_name, "machine": os.uname().machine,
         "figures": data}, indent=1, default=str))
    _FIGURES.append((db_name, request.node.name, data))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _FIGURES:
        return
    tr = terminalreporter
    tr.section("sqlweave reliability figures")
    for db, name, data in _FIGURES:
        shown = ", ".join(f"{k}={_fmt(v)}" for k, v in data.items())
        tr.write_line(f"{db:<10} {name:<48} {shown}")


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


# -- admin access -------------------------------------------------------------------------------


class Admin:
    """Privileged raw-driver access to the server under test (PostgreSQL or MariaDB)."""

    def __init__(self, db_name: str) -> None:
        self.db = db_name
        self.url = make_url(db_url(db_name))
        self._conn: Any = None
        self._lock = threading.Lock()

    def _connect(self) -> Any:
        u = self.url
        if self.db == "postgresql":
            import psycopg2

            conn = psycopg2.connect(host=u.host or "127.0.0.1", port=u.port or 5432,
                                    user=u.username or "postgres", password=u.password or "",
                                    dbname=u.database or "test", connect_timeout=5)
            conn.autocommit = True
            return conn
        import pymysql

        return pymysql.connect(host=u.host or "127.0.0.1", port=u.port or 3306,
                               user=u.username or "root", password=u.password or "",
                               database=u.database or "test", autocommit=True, connect_timeout=5)

    def query(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        """Run ``sql`` (reconnecting once if the admin connection itself died)."""
        with self._lock:
            for attempt in (0, 1):
                try:
                    if self._conn is None:
                        self._conn = self._connect()
                    cur = self._conn.cursor()
                    cur.execute(sql, params)
                    rows = list(cur.fetchall()) if cur.description else []
                    cur.close()
                    return rows
                except Exception:
                    self._reset()
                    if attempt:
                        raise
            raise AssertionError("unreachable")

    def _reset(self) -> None:
        try:
            if self._conn is not None:
                self._conn.close()
        except Exception:  # already dead
            pass
        self._conn = None

    def kill(self, pid: int) -> None:
        """Terminate one server backend / connection."""
        if self.db == "postgresql":
            self.query("SELECT pg_terminate_backend(%s)", (pid,))
        else:
            try:
                self.query(f"KILL CONNECTION {int(pid)}")
            except Exception as err:  # already gone: 1094 Unknown thread id
                if "1094" not in str(err):
                    raise

    def alive(self, pids: set[int]) -> set[int]:
        """The subset of ``pids`` that still has a server session."""
        if not pids:
            return set()
        if self.db == "postgresql":
            rows = self.query("SELECT pid FROM pg_stat_activity")
        else:
            rows = self.query("SELECT id FROM information_schema.processlist")
        return {int(r[0]) for r in rows} & pids

    def in_transaction(self, pids: set[int]) -> set[int]:
        """The subset of ``pids`` whose session is inside a transaction."""
        if not pids:
            return set()
        if self.db == "postgresql":
            rows = self.query("SELECT pid FROM pg_stat_activity WHERE state LIKE 'idle in transaction%%' "
                              "OR (xact_start IS NOT NULL AND state <> 'active')")
        else:
            rows = self.query("SELECT trx_mysql_thread_id FROM information_schema.innodb_trx")
        return {int(r[0]) for r in rows} & pids

    # -- server restarts (R3) ------------------------------------------------------------------

    def stop_server(self) -> None:
        self._reset()
        if self.db == "postgresql":
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), "main", "stop",
                            "-m", "fast"], check=True, timeout=60, capture_output=True)
        else:
            subprocess.run(["mysqladmin", "-uroot", "-h127.0.0.1", "shutdown"], check=True,
                           timeout=60, capture_output=True)
            _wait(lambda: not _pid_running("mariadbd"), 30)

    def start_server(self) -> None:
        if self.db == "postgresql":
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), "main", "start"],
                           check=False, timeout=60, capture_output=True)
        else:
            subprocess.run(["start-stop-daemon", "--start", "--oknodo", "--background", "--exec",
                            "/usr/sbin/mariadbd"], check=False, timeout=60, capture_output=True)
        self.wait_ready(60)

    def wait_ready(self, timeout: float) -> float:
        """Wait until the server accepts connections; returns the time.monotonic() it did."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._reset()
                self.query("SELECT 1")
                return time.monotonic()
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def ensure_running(self) -> None:
        """Start the server if it is down (used in ``finally`` blocks)."""
        try:
            self.query("SELECT 1")
        except Exception:
            self.start_server()

    def close(self) -> None:
        self._reset()


def _pg_version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[-1]


def _pid_running(name: str) -> bool:
    return subprocess.run(["pgrep", "-x", name], capture_output=True).returncode == 0


def _wait(cond: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def admin(db_name: str, engine: Any) -> Iterator[Admin]:
    """Privileged access to the server (PostgreSQL / MariaDB only)."""
    if db_name == "sqlite":
        pytest.skip("server fault injection needs a server (PostgreSQL or MariaDB)")
    a = Admin(db_name)
    yield a
    a.close()


def pid_sql(db_name: str) -> str:
    """SQL returning the server's id of the current session."""
    return "SELECT pg_backend_pid()" if db_name == "postgresql" else "SELECT CONNECTION_ID()"


class TrackedEngine:
    """Bookkeeping attached to engines made by ``make_engine``: the server pids they opened."""

    def __init__(self) -> None:
        self.pids: set[int] = set()
        self.lock = threading.Lock()


@pytest.fixture
def make_engine(db_name: str, engine: Any, tmp_path: Any) -> Iterator[Callable[..., Any]]:
    """``make_engine(url=None, **kw)``: a new engine on the backend under test (disposed at
    teardown). ``eng.tracked.pids`` holds the server pids of every DBAPI connection it opened.
    On SQLite the default URL is a file database in ``tmp_path``."""
    made: list[Any] = []

    def make(url: Any = None, **kw: Any) -> Any:
        if url is None:
            url = f"sqlite:///{tmp_path / 'rel.db'}" if db_name == "sqlite" else db_url(db_name)
        eng = create_engine(url, **kw)
        tracked = TrackedEngine()
        eng.tracked = tracked  # type: ignore[attr-defined]
        if db_name != "sqlite":
            sql = pid_sql(db_name)

            @event.listens_for(eng.pool, "connect")
            def _record_pid(dbapi_conn: Any, rec: Any) -> None:
                try:
                    cur = dbapi_conn.cursor()
                    cur.execute(sql)
                    pid = int(cur.fetchone()[0])
                    cur.close()
                    dbapi_conn.rollback()  # leave the new connection as the driver made it
                    rec.info["rel_pid"] = pid
                    with tracked.lock:
                        tracked.pids.add(pid)
                except Exception:  # a connect through a faulty proxy: nothing to record
                    pass

        made.append(eng)
        return eng

    yield make
    for eng in made:
        try:
            eng.dispose()
        except Exception:  # a pool whose server was killed; nothing left to close cleanly
            pass


@pytest.fixture
def proxy(db_name: str, engine: Any) -> Iterator[Proxy]:
    """A started TCP proxy in front of the server under test."""
    if db_name == "sqlite":
        pytest.skip("network faults need a server (PostgreSQL or MariaDB)")
    u = make_url(db_url(db_name))
    p = Proxy(u.host or "127.0.0.1", u.port or (5432 if db_name == "postgresql" else 3306))
    p.start()
    yield p
    p.close()


def proxied_url(db_name: str, proxy: Proxy) -> Any:
    """The backend URL, pointed at the proxy."""
    return make_url(db_url(db_name)).set(host="127.0.0.1", port=proxy.port)


@pytest.fixture(autouse=True)
def _no_thread_left() -> Iterator[None]:
    """Every thread a reliability test starts must have ended by its teardown."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    while True:
        extra = [t for t in threading.enumerate() if t not in before and t.is_alive()
                 and not t.daemon]
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not extra, f"threads left running: {extra}"
