"""R8 – reset on return: uncommitted work and per-connection state never reach the next borrower.

The engine has one pooled connection (``pool_size=1``), so every cycle's borrower reuses the
DBAPI connection the previous cycle returned (unless the pool discarded it). Each cycle checks
the borrower's state first (isolation level, autocommit, the session variable), then does the
variant's damage and returns the connection without committing. At the end not one of the
uncommitted rows may exist.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sqlweave.core import Column, Integer, MetaData, Table, exc, func, insert, literal, select
from tests.reliability.util import rel

pytestmark = [pytest.mark.backend, pytest.mark.reliability]

CYCLES = 1000


@pytest.fixture
def r8(make_engine: Any) -> Iterator[tuple[Any, Table, Table]]:
    eng = make_engine(pool_size=1, max_overflow=0, pool_timeout=10)
    md = MetaData()
    t = Table(rel("rel_r8"), md, Column("id", Integer, primary_key=True, autoincrement=False))
    src = Table(rel("rel_r8_src"), md, Column("id", Integer, primary_key=True, autoincrement=False))
    md.drop_all(eng)
    md.create_all(eng)
    with eng.begin() as conn:
        conn.execute(insert(src), [{"id": i} for i in range(2000)])
    yield eng, t, src
    # SQLite: a result left open (the streaming variant) keeps its statement, and so a table
    # lock, until the result is garbage collected; close your results (docs/reliability.md)
    gc.collect()
    md.drop_all(eng)


def _session_var(conn: Any, db: str) -> Any:
    if db == "postgresql":
        return conn.exec_driver_sql("SHOW search_path").scalar()
    if db == "mysql":
        return conn.exec_driver_sql("SELECT @rel_x").scalar()
    return None  # SQLite has no session variables (PRAGMAs are connection configuration)


def _set_session_var(conn: Any, db: str) -> None:
    if db == "postgresql":
        conn.exec_driver_sql("SET search_path TO rel_nowhere, public")
    elif db == "mysql":
        conn.exec_driver_sql("SET @rel_x = 42")


def _other_level(default: str) -> str:
    return "READ UNCOMMITTED" if default == "SERIALIZABLE" else "SERIALIZABLE"


def _variants(db: str, t: Table, src: Table, default_iso: str
              ) -> dict[str, Callable[[Any, int], None]]:
    def plain(conn: Any, i: int) -> None:
        conn.execute(insert(t).values(id=i))

    def isolation(conn: Any, i: int) -> None:
        conn.execution_options(isolation_level=_other_level(default_iso))
        conn.execute(insert(t).values(id=i))

    def autocommit(conn: Any, i: int) -> None:
        # AUTOCOMMIT on, then returned; the next borrower's uncommitted insert must roll back
        conn.execution_options(isolation_level="AUTOCOMMIT")
        assert conn.execute(select(literal(1))).scalar() == 1

    def autocommit_explicit_begin(conn: Any, i: int) -> None:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("BEGIN")
        conn.execute(insert(t).values(id=i))

    def session(conn: Any, i: int) -> None:
        _set_session_var(conn, db)
        conn.execute(insert(t).values(id=i))

    def inerror(conn: Any, i: int) -> None:
        conn.execute(insert(t).values(id=i))
        with pytest.raises(exc.DBAPIError):
            conn.execute(insert(t).values(id=i))  # duplicate key
        # returned without rollback()

    def streaming(conn: Any, i: int) -> None:
        conn.execute(insert(t).values(id=i))
        result = conn.execution_options(stream_results=True).execute(select(src.c.id).order_by(src.c.id))
        assert result.fetchone()[0] == 0
        # returned with the streaming result still open

    return {"plain": plain, "isolation": isolation, "autocommit": autocommit,
            "autocommit_explicit_begin": autocommit_explicit_begin, "session": session,
            "inerror": inerror, "streaming": streaming}


VARIANTS = ["plain", "isolation", "autocommit", "autocommit_explicit_begin", "session", "inerror",
            "streaming"]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("variant", VARIANTS)
def test_r8_reset_on_return(r8: tuple[Any, Table, Table], db_name: str, variant: str,
                            figures: Any, request: Any) -> None:
    eng, t, src = r8
    if variant == "session" and db_name == "sqlite":
        pytest.skip("SQLite has no session variables (search_path / @x)")
    if variant == "session" and db_name == "mysql":
        # Known gap, reported to the MySQL dialect: a user variable set with raw SQL survives the
        # rollback on return (MariaDB's SET is not transactional); resetting it needs
        # COM_RESET_CONNECTION plus re-running the connect-time setup.
        request.applymarker(pytest.mark.xfail(
            strict=True, reason="MariaDB: raw SET @x survives reset on return (no session reset yet)"))
    with eng.connect() as conn:
        default_iso = conn.get_isolation_level()
        default_var = _session_var(conn, db_name)
        conn.rollback()
    action = _variants(db_name, t, src, default_iso)[variant]
    incidents: list[str] = []
    discarded = [0]
    from sqlweave.core import event

    @event.listens_for(eng.pool, "invalidate")
    def _inv(*a: Any) -> None:
        discarded[0] += 1

    n = CYCLES
    for i in range(n):
        conn = eng.connect()
        try:
            iso = conn.get_isolation_level()
            if iso != default_iso:
                incidents.append(f"cycle {i}: isolation {iso}")
            var = _session_var(conn, db_name)
            if var != default_var:
                incidents.append(f"cycle {i}: session variable {var!r}")
            leaked = conn.execute(select(func.count()).select_from(t)).scalar()
            if leaked:
                incidents.append(f"cycle {i}: {leaked} uncommitted rows visible")
            if variant == "autocommit":
                conn.execute(insert(t).values(id=i))  # the borrower after an AUTOCOMMIT one
                conn.close()
                conn = eng.connect()
            conn.rollback()  # end the checks' transaction: isolation can only change outside one
            action(conn, i)
        finally:
            conn.close()
        if len(incidents) > 5:
            break
    with eng.connect() as conn:
        committed = conn.execute(select(func.count()).select_from(t)).scalar()
    assert eng.pool.checkedout() == 0
    assert committed == 0, f"{committed} uncommitted rows were committed"
    assert not incidents, incidents[:5]
    figures(scenario="R8", variant=variant, cycles=n, leaked_state_incidents=len(incidents),
            rows_committed=committed, connections_discarded=discarded[0])
