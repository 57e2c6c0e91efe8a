"""R22 – fork safety: the pool is used, then the process forks 20 times per mode.

(a) the child calls ``engine.dispose(close=False)`` first; (b) it just uses the engine. Either
way the child must never talk over a socket (or, on SQLite, a connection object) it inherited
from the parent, and the parent's connections keep working.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from sqlweave.core import literal, select
from tests.reliability.conftest import pid_sql

pytestmark = [pytest.mark.backend, pytest.mark.reliability]

FORKS = 20


def _identity(conn: Any, db: str) -> tuple[Any, bool]:
    """(server session id or None, whether the DBAPI connection was made by the parent: its
    per-connection ``info`` dict carries the parent's mark)."""
    server = int(conn.exec_driver_sql(pid_sql(db)).scalar()) if db != "sqlite" else None
    return server, bool(conn.connection.info.get("rel_parent"))


def _child(eng: Any, db: str, dispose: bool, wfd: int) -> None:
    out: dict[str, Any] = {"ok": False}
    try:
        if dispose:
            eng.dispose(close=False)
        try:
            with eng.connect() as conn:
                assert conn.execute(select(literal(7))).scalar() == 7
                out["server"], out["inherited"] = _identity(conn, db)
            out["ok"] = True
        except Exception as e:  # a refusal is allowed in mode (b); reported to the parent
            out["error"] = f"{type(e).__name__}: {e}"
    finally:
        os.write(wfd, json.dumps(out).encode())
        os.close(wfd)
        os._exit(0)


@pytest.mark.timeout(120)
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("mode", ["a_dispose_close_false", "b_no_dispose"])
def test_r22_fork(make_engine: Any, db_name: str, mode: str, figures: Any) -> None:
    eng = make_engine(pool_size=2, max_overflow=0)
    parent_server: set[Any] = set()
    c1, c2 = eng.connect(), eng.connect()
    for c in (c1, c2):
        c.connection.info["rel_parent"] = True
        s, _ = _identity(c, db_name)
        parent_server.add(s)
        c.rollback()
    c1.close()
    c2.close()
    child_errors, shared, refused, parent_errors = 0, 0, 0, 0
    for _ in range(FORKS):
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            os.close(rfd)
            _child(eng, db_name, mode.startswith("a"), wfd)
        os.close(wfd)
        data = b""
        while chunk := os.read(rfd, 65536):
            data += chunk
        os.close(rfd)
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        out = json.loads(data or b"{}")
        if not out.get("ok"):
            if mode.startswith("a"):
                child_errors += 1
            else:
                refused += 1
        else:
            if out["inherited"] or (db_name != "sqlite" and out["server"] in parent_server):
                shared += 1
        # the parent's pooled connections are unaffected (both, checked out together)
        p1, p2 = eng.connect(), eng.connect()
        try:
            for c in (p1, p2):
                assert c.execute(select(literal(1))).scalar() == 1
                s, _o = _identity(c, db_name)
                assert s in parent_server
                c.rollback()
        except Exception:
            parent_errors += 1
            raise
        finally:
            p1.close()
            p2.close()
    figures(scenario="R22", mode=mode, forks=FORKS, child_errors=child_errors,
            child_refusals=refused, shared_parent_connection=shared, parent_errors=parent_errors)
    assert child_errors == 0
    assert shared == 0, "a child used a connection inherited from the parent"
    assert parent_errors == 0
