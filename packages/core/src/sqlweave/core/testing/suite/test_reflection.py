"""Reflection: table names, columns (names, types, nullability), primary and foreign keys,
indexes and unique constraints, and ``Table(..., autoload_with=...)``."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    UniqueConstraint,
    exc,
    insert,
    inspect,
    select,
    text,
    types,
)
from sqlweave.core.testing.fixtures import ComplianceTest

__all__ = ["TestReflection"]


class TestReflection(ComplianceTest):
    """The dialect's ``get_*`` methods, seen through :class:`~sqlweave.core.reflection.Inspector`."""

    @pytest.fixture
    def schema(self, sw_engine: Any, sw_metadata: MetaData) -> MetaData:
        Table("swc_rf_owner", sw_metadata,
              Column("id", Integer, primary_key=True),
              Column("email", String(80), nullable=False),
              Column("born", Date),
              UniqueConstraint("email", name="swc_rf_owner_email_uq"))
        Table("swc_rf_pet", sw_metadata,
              Column("owner_id", ForeignKey("swc_rf_owner.id"), primary_key=True),
              Column("seq", Integer, primary_key=True, autoincrement=False),
              Column("name", String(40)),
              Column("weight", Numeric(6, 2)),
              Index("swc_rf_pet_name_ix", "name"))
        sw_metadata.create_all(sw_engine)
        return sw_metadata

    def test_table_names(self, sw_engine: Any, schema: MetaData) -> None:
        names = inspect(sw_engine).get_table_names()
        assert {"swc_rf_owner", "swc_rf_pet"} <= set(names)

    def test_columns(self, sw_engine: Any, schema: MetaData) -> None:
        cols = {c["name"]: c for c in inspect(sw_engine).get_columns("swc_rf_owner")}
        assert list(cols) == ["id", "email", "born"]
        assert isinstance(cols["id"]["type"], types.Integer)
        assert isinstance(cols["email"]["type"], types.String)
        assert cols["email"]["type"].length == 80
        assert isinstance(cols["born"]["type"], types.Date)
        assert cols["email"]["nullable"] is False
        assert cols["born"]["nullable"] is True

    def test_numeric_precision(self, sw_engine: Any, schema: MetaData) -> None:
        cols = {c["name"]: c for c in inspect(sw_engine).get_columns("swc_rf_pet")}
        weight = cols["weight"]["type"]
        assert isinstance(weight, types.Numeric)
        assert (weight.precision, weight.scale) == (6, 2)

    def test_primary_keys(self, sw_engine: Any, schema: MetaData) -> None:
        insp = inspect(sw_engine)
        assert insp.get_pk_constraint("swc_rf_owner")["constrained_columns"] == ["id"]
        assert insp.get_pk_constraint("swc_rf_pet")["constrained_columns"] == ["owner_id", "seq"]

    def test_foreign_keys(self, sw_engine: Any, schema: MetaData) -> None:
        fks = inspect(sw_engine).get_foreign_keys("swc_rf_pet")
        assert [(fk["constrained_columns"], fk["referred_table"], fk["referred_columns"])
                for fk in fks] == [(["owner_id"], "swc_rf_owner", ["id"])]

    def test_indexes(self, sw_engine: Any, schema: MetaData) -> None:
        ixs = {ix["name"]: ix for ix in inspect(sw_engine).get_indexes("swc_rf_pet")}
        assert ixs["swc_rf_pet_name_ix"]["column_names"] == ["name"]
        assert not ixs["swc_rf_pet_name_ix"]["unique"]

    def test_unique_constraints(self, sw_engine: Any, schema: MetaData) -> None:
        uqs = inspect(sw_engine).get_unique_constraints("swc_rf_owner")
        assert [uq["column_names"] for uq in uqs] == [["email"]]

    def test_autoload_table_is_usable(self, sw_engine: Any, schema: MetaData) -> None:
        with sw_engine.begin() as conn:
            conn.execute(insert(schema.tables["swc_rf_owner"]).values(email="a@example.org"))
        reflected = Table("swc_rf_owner", MetaData(), autoload_with=sw_engine)
        assert [c.name for c in reflected.columns] == ["id", "email", "born"]
        assert [c.name for c in reflected.primary_key.columns] == ["id"]
        with sw_engine.connect() as conn:
            assert conn.execute(select(reflected.c.email)).scalars().all() == ["a@example.org"]

    def test_missing_table(self, sw_engine: Any) -> None:
        insp = inspect(sw_engine)
        assert not insp.has_table("swc_rf_nosuch")
        with pytest.raises(exc.NoSuchTableError):
            Table("swc_rf_nosuch", MetaData(), autoload_with=sw_engine)

    def test_views(self, sw_engine: Any, schema: MetaData) -> None:
        with sw_engine.begin() as conn:
            conn.execute(text("CREATE VIEW swc_rf_view AS SELECT id, email FROM swc_rf_owner"))
        try:
            insp = inspect(sw_engine)
            assert "swc_rf_view" in insp.get_view_names()
            assert "swc_rf_view" not in insp.get_table_names()
        finally:
            with sw_engine.begin() as conn:
                conn.execute(text("DROP VIEW swc_rf_view"))
