"""Types round-trip: a value written through a generic type reads back equal and of the same
Python type; NULL reads back as None."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
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
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    Unicode,
    Uuid,
    insert,
    select,
)
from sqlweave.core.testing.fixtures import ComplianceTest, requires

__all__ = ["TestTypesRoundTrip"]

# (id, type factory, values): whole seconds for temporal values, because DATETIME/TIME without
# a precision argument store no fractional seconds on some databases.
CASES: list[tuple[str, Any, list[Any]]] = [
    ("integer", Integer, [0, -7, 2**31 - 1]),
    ("smallint", SmallInteger, [-5, 32767]),
    ("bigint", BigInteger, [2**40, -(2**62)]),
    ("string", lambda: String(50), ["", "plain", "it's \"quoted\" % _ \\ ;"]),
    ("unicode", lambda: Unicode(50), ["naïve ☃ 漢字", "emoji 🐍"]),
    ("text", Text, ["x" * 10_000]),
    ("boolean", Boolean, [True, False]),
    ("float", Float, [1.5, -0.25]),
    ("double", Double, [1.125, -1e100]),
    ("numeric", lambda: Numeric(10, 2), [decimal.Decimal("12.34"), decimal.Decimal("-0.01")]),
    ("date", Date, [dt.date(2024, 2, 29), dt.date(1970, 1, 1)]),
    ("datetime", DateTime, [dt.datetime(2024, 5, 6, 7, 8, 9), dt.datetime(1999, 12, 31, 23, 59, 59)]),
    ("time", Time, [dt.time(13, 14, 15), dt.time(0, 0, 0)]),
    ("binary", LargeBinary, [b"\x00\x01\xff" * 10, b""]),
    ("uuid", Uuid, [uuid.UUID("12345678-1234-5678-1234-567812345678")]),
    ("enum", lambda: Enum("red", "green", name="swc_colour"), ["red", "green"]),
]


class TestTypesRoundTrip(ComplianceTest):
    """Each generic type stores and returns its Python values unchanged."""

    @pytest.mark.parametrize("name,type_,values", CASES, ids=[c[0] for c in CASES])
    def test_round_trip(self, sw_engine: Any, sw_metadata: Any, name: str, type_: Any,
                        values: list[Any]) -> None:
        t = Table(f"swc_type_{name}", sw_metadata,
                  Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("v", type_()))
        sw_metadata.create_all(sw_engine)
        rows = [{"id": i, "v": v} for i, v in enumerate([*values, None])]
        with sw_engine.begin() as conn:
            conn.execute(insert(t), rows)
        with sw_engine.connect() as conn:
            got = conn.execute(select(t.c.v).order_by(t.c.id)).scalars().all()
        assert got == [*values, None]
        for want, have in zip(values, got):
            assert type(have) is type(want), f"{name}: {have!r} is not a {type(want).__name__}"

    def test_where_on_bound_value(self, sw_engine: Any, sw_metadata: Any) -> None:
        """Typed bound values work in WHERE (bind processors run on comparison values too)."""
        t = Table("swc_type_where", sw_metadata,
                  Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("d", Date), Column("n", Numeric(10, 2)), Column("b", Boolean))
        sw_metadata.create_all(sw_engine)
        with sw_engine.begin() as conn:
            conn.execute(insert(t), [
                {"id": 1, "d": dt.date(2024, 1, 1), "n": decimal.Decimal("1.50"), "b": True},
                {"id": 2, "d": dt.date(2024, 6, 1), "n": decimal.Decimal("2.50"), "b": False},
            ])
        with sw_engine.connect() as conn:
            assert conn.scalar(select(t.c.id).where(t.c.d > dt.date(2024, 3, 1))) == 2
            assert conn.scalar(select(t.c.id).where(t.c.n == decimal.Decimal("1.50"))) == 1
            assert conn.scalar(select(t.c.id).where(t.c.b == False)) == 2  # noqa: E712

    @requires("supports_json")
    def test_json_round_trip(self, sw_engine: Any, sw_metadata: Any) -> None:
        t = Table("swc_type_json", sw_metadata,
                  Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("doc", JSON))
        sw_metadata.create_all(sw_engine)
        doc = {"name": "ann", "tags": ["a", "b"], "n": 3, "nested": {"ok": True, "none": None}}
        with sw_engine.begin() as conn:
            conn.execute(insert(t), [{"id": 1, "doc": doc}, {"id": 2, "doc": [1, 2, 3]}])
        with sw_engine.connect() as conn:
            got = conn.execute(select(t.c.doc).order_by(t.c.id)).scalars().all()
        assert got == [doc, [1, 2, 3]]

    def test_interval_round_trip(self, sw_engine: Any, sw_metadata: Any) -> None:
        """``Interval`` is native where ``supports_native_interval``, emulated elsewhere."""
        t = Table("swc_type_interval", sw_metadata,
                  Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("span", Interval))
        sw_metadata.create_all(sw_engine)
        spans = [dt.timedelta(days=3, hours=4, seconds=5), dt.timedelta(0)]
        with sw_engine.begin() as conn:
            conn.execute(insert(t), [{"id": i, "span": v} for i, v in enumerate(spans)])
        with sw_engine.connect() as conn:
            assert conn.execute(select(t.c.span).order_by(t.c.id)).scalars().all() == spans
