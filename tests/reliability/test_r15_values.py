"""R15 – malicious values through every path a value can take to the database.

Paths: a bound single INSERT, an executemany INSERT, a WHERE comparison, a LIKE with an explicit
escape character, and literal rendering (a DDL ``server_default`` and ``literal_binds``). On
MariaDB the literal paths run again on an engine whose sessions use ``NO_BACKSLASH_ESCAPES``.
Every value either round-trips unchanged or is refused before it is sent (NUL on PostgreSQL, a
lone surrogate everywhere); the ``rel_sentinel`` table survives; in bound mode the captured SQL
holds placeholders only (one statement text per path, whatever the value), and exactly the
expected number of statements ran.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    event,
    exc,
    insert,
    literal,
    select,
    text,
)
from tests.reliability.util import rel

pytestmark = [pytest.mark.backend, pytest.mark.reliability]

ONE_MB = "x" * 1_000_000
SENTINEL = rel("rel_sentinel")

CORPUS: list[str] = [
    "'", "''", '"', "\\", "\\'", "%", "%%", "%s", "%(x)s", "?", ":x", "$1",
    f";DROP TABLE {SENTINEL};--", f"'; DROP TABLE {SENTINEL}; --", f"\\'; DROP TABLE {SENTINEL}; -- ",
    "' OR '1'='1", "/* */", "a\rb\nc\td", "nul\x00byte", "emoji \U0001F600", "lone \ud800 surrogate",
    "_under_score_", "back\\\\slash%_mix'", ONE_MB,
]
BLOBS: list[bytes] = [bytes(range(256)), b"\x00", b"'", b"\\", b"%s", b"\x00'\\%"]

# Values a driver may refuse before sending (never a server-side surprise).
REFUSABLE = {"nul\x00byte", "lone \ud800 surrogate"}
REFUSED_ERRORS = (ValueError, exc.DataError, exc.CompileError, exc.StatementError)


def _ident(v: str) -> str:
    return repr(v) if len(v) < 40 else f"<{len(v)} chars>"


@pytest.fixture
def rel_engine(make_engine: Any) -> Any:
    return make_engine()


@pytest.fixture
def captured(rel_engine: Any) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> None:
        seen.append((statement, parameters))

    event.listen(rel_engine, "before_cursor_execute", capture)
    yield seen
    event.remove(rel_engine, "before_cursor_execute", capture)


@pytest.fixture
def tables(rel_engine: Any, db_name: str) -> Iterator[tuple[Table, Table]]:
    md = MetaData()
    big = 4_000_000 if db_name == "mysql" else None
    sentinel = Table(SENTINEL, md, Column("id", Integer, primary_key=True))
    # a length: LONGTEXT / LONGBLOB on MariaDB (its plain TEXT holds 64 KB); TEXT elsewhere
    vals = Table(rel("rel_values"), md, Column("id", Integer, primary_key=True, autoincrement=False),
                 Column("s", Text(big)), Column("b", LargeBinary(big)))
    md.drop_all(rel_engine)
    md.create_all(rel_engine)
    with rel_engine.begin() as conn:
        conn.execute(insert(sentinel), [{"id": 1}])
    yield sentinel, vals
    with rel_engine.connect() as conn:
        assert conn.execute(select(sentinel.c.id)).scalars().all() == [1], "sentinel damaged"
    md.drop_all(rel_engine)


def _insert_one(conn: Any, vals: Table, i: int, v: Any, col: str = "s") -> BaseException | None:
    try:
        conn.execute(insert(vals).values({"id": i, col: v}))
        conn.commit()
        return None
    except REFUSED_ERRORS as err:
        conn.rollback()
        return err


@pytest.mark.timeout(120)
def test_bound_paths(rel_engine: Any, tables: tuple[Table, Table], captured: list[Any],
                     figures: Any) -> None:
    _, vals = tables
    refused: dict[str, BaseException] = {}
    passed = 0
    with rel_engine.connect() as conn:
        # -- bound single INSERT ----------------------------------------------------------------
        del captured[:]
        for i, v in enumerate(CORPUS):
            err = _insert_one(conn, vals, i, v)
            if err is not None:
                assert v in REFUSABLE, f"{_ident(v)} refused unexpectedly: {err!r}"
                refused[v] = err
        inserts = [s for s, _ in captured if s.lstrip().upper().startswith("INSERT")]
        assert len(set(inserts)) == 1, "bound INSERT text varied with the value"
        assert len(inserts) == len(CORPUS)
        got = dict(conn.execute(select(vals.c.id, vals.c.s)).all())
        conn.rollback()
        for i, v in enumerate(CORPUS):
            if v not in refused:
                assert got[i] == v, f"bound insert changed {_ident(v)}"
                passed += 1
        accepted = [v for v in CORPUS if v not in refused]

        # -- WHERE ------------------------------------------------------------------------------
        del captured[:]
        for i, v in enumerate(CORPUS):
            if v in refused:
                continue
            ids = conn.execute(select(vals.c.id).where(vals.c.s == v)).scalars().all()
            assert ids == [i], f"WHERE s = {_ident(v)} found {ids}"
            passed += 1
        assert len(captured) == len(accepted)
        assert len({s for s, _ in captured}) == 1

        # -- LIKE with an explicit escape character -------------------------------------------
        # (not the 1 MB value: SQLite caps LIKE patterns at 50,000 bytes)
        like_cases = [v for v in accepted if len(v) < 50_000]
        del captured[:]
        for i, v in enumerate(CORPUS):
            if v not in like_cases:
                continue
            pattern = v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            ids = conn.execute(select(vals.c.id).where(vals.c.s.like(pattern, escape="\\"))
                               ).scalars().all()
            assert ids == [i], f"LIKE {_ident(pattern)} ESCAPE '\\' found {ids}"
            passed += 1
        assert len(captured) == len(like_cases)
        assert len({s for s, _ in captured}) == 1
        conn.rollback()

        # -- executemany ------------------------------------------------------------------------
        conn.execute(vals.delete())
        conn.commit()
        del captured[:]
        conn.execute(insert(vals), [{"id": i, "s": v, "b": None} for i, v in enumerate(accepted)])
        conn.commit()
        got = dict(conn.execute(select(vals.c.id, vals.c.s)).all())
        conn.rollback()
        for i, v in enumerate(accepted):
            assert got[i] == v, f"executemany changed {_ident(v)}"
            passed += 1

        # -- bytes 0x00-0xFF --------------------------------------------------------------------
        conn.execute(vals.delete())
        conn.commit()
        for i, blob in enumerate(BLOBS):
            assert _insert_one(conn, vals, i, blob, "b") is None
        got_b = {k: bytes(b) for k, b in conn.execute(select(vals.c.id, vals.c.b)).all()}
        conn.rollback()
        for i, blob in enumerate(BLOBS):
            assert got_b[i] == blob
            passed += 1
    for err in refused.values():
        assert isinstance(err, REFUSED_ERRORS)
    # every refusal happened before the server saw it: the sentinel fixture checks the table
    figures(scenario="R15", path="bound", cases=len(CORPUS) + len(BLOBS), checks_passed=passed,
            refused_before_send=sorted(_ident(v) for v in refused), injections=0)


def _literal_roundtrip(engine: Any, values: list[str]) -> tuple[int, dict[str, BaseException]]:
    """``SELECT <literal>`` rendered with literal_binds and run as the driver receives it."""
    ok = 0
    refused: dict[str, BaseException] = {}
    with engine.connect() as conn:
        for v in values:
            stmt = select(literal(v, Text))
            try:
                sql = str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
            except REFUSED_ERRORS as err:
                refused[v] = err
                continue
            assert "\x00" not in sql
            if engine.dialect.paramstyle in ("format", "pyformat"):
                sql = sql.replace("%%", "%")  # what the driver does with the doubled percents
            try:
                got = conn.exec_driver_sql(sql).scalar()
            except REFUSED_ERRORS as err:
                conn.rollback()
                refused[v] = err
                continue
            assert got == v, f"literal_binds changed {_ident(v)}: {sql[:80]!r}"
            ok += 1
        conn.rollback()
    return ok, refused


def _ddl_default_roundtrip(engine: Any, values: list[str]) -> tuple[int, dict[str, BaseException]]:
    """A ``server_default`` rendered into CREATE TABLE, read back through an INSERT."""
    ok = 0
    refused: dict[str, BaseException] = {}
    for v in values:
        md = MetaData()
        t = Table(rel("rel_ddl_default"), md, Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("s", String(200), server_default=v))
        md.drop_all(engine)
        try:
            md.create_all(engine)
        except REFUSED_ERRORS as err:
            refused[v] = err
            md.drop_all(engine)
            continue
        try:
            with engine.begin() as conn:
                conn.execute(insert(t).values(id=1))
            with engine.connect() as conn:
                got = conn.execute(select(t.c.s)).scalar()
            assert got == v, f"server_default changed {_ident(v)}"
            ok += 1
        finally:
            md.drop_all(engine)
    return ok, refused


SHORT = [v for v in CORPUS if len(v) < 100]


@pytest.mark.timeout(120)
def test_literal_paths(rel_engine: Any, tables: Any, figures: Any, db_name: str) -> None:
    ok_lit, refused_lit = _literal_roundtrip(rel_engine, CORPUS)
    ok_ddl, refused_ddl = _ddl_default_roundtrip(rel_engine, SHORT)
    for v in {**refused_lit, **refused_ddl}:
        assert v in REFUSABLE, f"literal rendering refused {_ident(v)}"
    assert "nul\x00byte" in refused_lit, "a NUL must never be rendered into SQL text"
    figures(scenario="R15", path="literal", literal_ok=ok_lit, ddl_default_ok=ok_ddl,
            refused=len(refused_lit) + len(refused_ddl), injections=0)


@pytest.mark.timeout(120)
def test_literal_paths_no_backslash_escapes(make_engine: Any, db_name: str, tables: Any,
                                            figures: Any) -> None:
    if db_name != "mysql":
        pytest.skip("NO_BACKSLASH_ESCAPES is a MySQL/MariaDB sql_mode")
    eng = make_engine(connect_args={
        "init_command": "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')"})
    with eng.connect() as conn:
        assert "NO_BACKSLASH_ESCAPES" in conn.exec_driver_sql("SELECT @@SESSION.sql_mode").scalar()
        conn.rollback()
    ok_lit, refused_lit = _literal_roundtrip(eng, CORPUS)
    ok_ddl, refused_ddl = _ddl_default_roundtrip(eng, SHORT)
    for v in {**refused_lit, **refused_ddl}:
        assert v in REFUSABLE
    figures(scenario="R15", path="literal NO_BACKSLASH_ESCAPES", literal_ok=ok_lit,
            ddl_default_ok=ok_ddl, injections=0)


@pytest.mark.timeout(60)
def test_text_binds_hostile_values(rel_engine: Any, tables: Any) -> None:
    """``text()`` with bound parameters: the value never becomes SQL either."""
    _, vals = tables
    with rel_engine.begin() as conn:
        for i, v in enumerate(["'; DROP TABLE rel_sentinel; --", ":x", "%s", "%(x)s"]):
            conn.execute(text(f"INSERT INTO {vals.name} (id, s) VALUES (:id, :s)"), {"id": i, "s": v})
    with rel_engine.connect() as conn:
        assert conn.execute(select(vals.c.s).order_by(vals.c.id)).scalars().all() == [
            "'; DROP TABLE rel_sentinel; --", ":x", "%s", "%(x)s"]
