"""Types round-trip through the backend under test: values in, the same values out."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from sqlweave.core import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    Enum,
    Float,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    TypeDecorator,
    Unicode,
    Uuid,
    cast,
    exc,
    insert,
    literal,
    null,
    select,
    type_coerce,
)

pytestmark = pytest.mark.backend


class Color(enum.Enum):
    red = 1
    green = 2


class CSV(TypeDecorator):
    """A list of str stored as one comma-separated string."""

    impl = String(200)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else ",".join(value)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else value.split(",")


@pytest.fixture
def tbl(engine: Any) -> Iterator[Table]:
    md = MetaData()
    t = Table(
        "core_types", md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("i", Integer), Column("si", SmallInteger), Column("bi", BigInteger),
        Column("b", Boolean), Column("f", Float), Column("d", Double), Column("n", Numeric(10, 2)),
        Column("s", String(50)), Column("t", Text), Column("u", Unicode(50)),
        Column("dd", Date), Column("tt", Time), Column("dt", DateTime),
        Column("dtz", DateTime(timezone=True)), Column("iv", Interval),
        Column("lb", LargeBinary), Column("j", JSON), Column("jn", JSON(none_as_null=True)),
        Column("e", Enum(Color)), Column("es", Enum("a", "b", "c", name="core_es", validate_strings=True)),
        Column("uu", Uuid), Column("csv", CSV()),
    )
    md.drop_all(engine)
    md.create_all(engine)
    yield t
    md.drop_all(engine)


def _put_get(engine: Any, tbl_: Table, **values: Any) -> Any:
    t = tbl_
    with engine.begin() as conn:
        conn.execute(insert(t).values(id=1, **values))
    with engine.connect() as conn:
        row = conn.execute(select(*[t.c[k] for k in values]).where(t.c.id == 1)).one()
        conn.rollback()
    with engine.begin() as conn:
        conn.execute(t.delete())
    return row


def test_numbers(engine: Any, tbl: Table) -> None:
    row = _put_get(engine, tbl, i=-2**31, si=-32768, bi=2**62, f=1.5, d=1.0 / 3, n=Decimal("12345678.91"))
    assert row.i == -2**31 and row.si == -32768 and row.bi == 2**62
    assert row.f == 1.5 and abs(row.d - 1.0 / 3) < 1e-12
    assert row.n == Decimal("12345678.91") and isinstance(row.n, Decimal)


def test_booleans(engine: Any, tbl: Table) -> None:
    for v in (True, False, None):
        row = _put_get(engine, tbl, b=v)
        assert row.b is v


def test_strings(engine: Any, tbl: Table) -> None:
    s = "O'Brien \"quoted\" back\\slash %s %(x)s"
    u = "émoji 🐍 𝄞 日本語"
    row = _put_get(engine, tbl, s=s, t="x" * 5000, u=u)
    assert row.s == s and row.t == "x" * 5000 and row.u == u


def test_dates_and_times(engine: Any, tbl: Table) -> None:
    when = dt.datetime(2024, 2, 29, 23, 59, 58, 123456)
    tz = dt.datetime(2024, 6, 1, 12, 0, 0, 500, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    row = _put_get(engine, tbl, dd=dt.date(1999, 12, 31), tt=dt.time(13, 14, 15, 16), dt=when, dtz=tz,
                   iv=dt.timedelta(days=3, seconds=7, microseconds=9))
    assert row.dd == dt.date(1999, 12, 31)
    assert row.tt.replace(microsecond=0) == dt.time(13, 14, 15)
    assert row.dt == when
    got = row.dtz
    if got.tzinfo is None:  # a backend without time-zone storage keeps UTC-normalised or local wall time
        assert got in (tz.replace(tzinfo=None), tz.astimezone(dt.timezone.utc).replace(tzinfo=None))
    else:
        assert got == tz
    assert row.iv == dt.timedelta(days=3, seconds=7, microseconds=9)


def test_binary_all_bytes(engine: Any, tbl: Table) -> None:
    data = bytes(range(256)) * 4
    row = _put_get(engine, tbl, lb=data)
    assert row.lb == data and isinstance(row.lb, bytes)


def test_json(engine: Any, tbl: Table) -> None:
    doc = {"a": [1, 2, {"b": None}], "s": "O'Brien ☃", "n": 1.5, "t": True}
    row = _put_get(engine, tbl, j=doc)
    assert row.j == doc
    assert _put_get(engine, tbl, j=[1, "two", None]).j == [1, "two", None]
    # None: JSON null by default, SQL NULL with none_as_null
    with engine.begin() as conn:
        conn.execute(insert(tbl).values(id=1, j=None, jn=None))
        assert conn.execute(select(tbl.c.id).where(tbl.c.j.is_(None))).all() == []
        assert conn.execute(select(tbl.c.id).where(tbl.c.jn.is_(None))).scalars().all() == [1]
        conn.execute(tbl.delete())


def test_json_index_and_path(engine: Any, tbl: Table) -> None:
    with engine.begin() as conn:
        conn.execute(insert(tbl), [
            {"id": 1, "j": {"name": "ann", "age": 30, "tags": ["x", "y"], "addr": {"city": "Oslo"}}},
            {"id": 2, "j": {"name": "bob", "age": 40, "tags": ["z"], "addr": {"city": "Rome"}}},
        ])
    try:
        with engine.connect() as conn:
            j = tbl.c.j
            assert conn.execute(select(tbl.c.id).where(j["name"].as_string() == "bob")).scalars().all() == [2]
            assert conn.execute(select(tbl.c.id).where(j["age"].as_integer() > 35)).scalars().all() == [2]
            assert conn.execute(select(j[("addr", "city")].as_string()).order_by(tbl.c.id)).scalars().all() == [
                "Oslo", "Rome"]
            assert conn.execute(select(j["tags"]).where(tbl.c.id == 1)).scalar() == ["x", "y"]
            assert conn.execute(select(j[("tags", 0)].as_string()).where(tbl.c.id == 1)).scalar() == "x"
    finally:
        with engine.begin() as conn:
            conn.execute(tbl.delete())


def test_enum(engine: Any, tbl: Table) -> None:
    row = _put_get(engine, tbl, e=Color.green, es="b")
    assert row.e is Color.green and row.es == "b"
    with engine.connect() as conn:
        with pytest.raises(exc.StatementError, match="'zz'") as info:
            conn.execute(insert(tbl).values(id=5, es="zz"))
        assert not isinstance(info.value, exc.DBAPIError)  # refused before it was sent
        with pytest.raises(exc.StatementError):
            conn.execute(insert(tbl).values(id=5, e="purple"))


def test_uuid(engine: Any, tbl: Table) -> None:
    val = uuid.uuid4()
    row = _put_get(engine, tbl, uu=val)
    assert row.uu == val and isinstance(row.uu, uuid.UUID)
    with engine.begin() as conn:
        conn.execute(insert(tbl).values(id=1, uu=val))
        assert conn.execute(select(tbl.c.id).where(tbl.c.uu == val)).scalar() == 1
        conn.execute(tbl.delete())


def test_type_decorator(engine: Any, tbl: Table) -> None:
    row = _put_get(engine, tbl, csv=["a", "b", "c"])
    assert row.csv == ["a", "b", "c"]
    with engine.begin() as conn:
        conn.execute(insert(tbl).values(id=1, csv=["q", "r"]))
        assert conn.execute(select(tbl.c.id).where(tbl.c.csv == ["q", "r"])).scalar() == 1
        conn.execute(tbl.delete())


def test_cast_and_type_coerce(engine: Any, tbl: Table) -> None:
    with engine.connect() as conn:
        assert conn.scalar(select(cast(literal("42"), Integer))) == 42
        assert conn.scalar(select(cast(literal(Decimal("1.25")), Numeric(10, 2)))) == Decimal("1.25")
        assert conn.scalar(select(cast(literal("2024-01-02"), Date))) == dt.date(2024, 1, 2)
        assert conn.scalar(select(type_coerce(literal("a,b"), CSV()))) == ["a", "b"]
        assert conn.scalar(select(cast(null(), Integer))) is None


def test_nulls_everywhere(engine: Any, tbl: Table) -> None:
    cols = ["i", "si", "bi", "b", "f", "d", "n", "s", "t", "u", "dd", "tt", "dt", "dtz", "iv", "lb",
            "jn", "e", "es", "uu", "csv"]
    row = _put_get(engine, tbl, **{c: None for c in cols})
    assert all(v is None for v in row)
