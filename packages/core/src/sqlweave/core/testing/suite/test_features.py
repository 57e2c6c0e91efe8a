"""Features a dialect declares by capability flag: sequences, identity columns, server-side
cursors, FOR UPDATE, regular expressions, DISTINCT ON, aggregate FILTER, ARRAY, comments,
DEFAULT VALUES; and case-insensitive LIKE, which every dialect must render somehow."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import (
    ARRAY,
    Column,
    Identity,
    Index,
    Integer,
    MetaData,
    Sequence,
    String,
    Table,
    exc,
    func,
    insert,
    inspect,
    select,
)
from sqlweave.core.testing.fixtures import ComplianceTest, requires

__all__ = ["TestFeatures"]


class TestFeatures(ComplianceTest):
    """One test per optional feature, each gated by the flag that declares it."""

    @pytest.fixture
    def words(self, sw_engine: Any, sw_metadata: MetaData) -> Table:
        t = Table("swc_ft_words", sw_metadata,
                  Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("grp", Integer, nullable=False),
                  Column("word", String(30), nullable=False))
        sw_metadata.create_all(sw_engine)
        with sw_engine.begin() as conn:
            conn.execute(insert(t), [
                {"id": 1, "grp": 1, "word": "Apple"}, {"id": 2, "grp": 1, "word": "apricot"},
                {"id": 3, "grp": 2, "word": "banana"}, {"id": 4, "grp": 2, "word": "Blueberry"},
                {"id": 5, "grp": 3, "word": "cherry42"},
            ])
        return t

    def _col(self, engine: Any, stmt: Any) -> list[Any]:
        with engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def test_ilike(self, sw_engine: Any, words: Table) -> None:
        stmt = select(words.c.word).where(words.c.word.ilike("a%")).order_by(words.c.id)
        assert self._col(sw_engine, stmt) == ["Apple", "apricot"]

    @requires("supports_regexp")
    def test_regexp_match(self, sw_engine: Any, words: Table) -> None:
        stmt = select(words.c.word).where(words.c.word.regexp_match("[0-9]+$"))
        assert self._col(sw_engine, stmt) == ["cherry42"]

    @requires("supports_distinct_on")
    def test_distinct_on(self, sw_engine: Any, words: Table) -> None:
        stmt = select(words.c.grp, words.c.word).distinct(words.c.grp).order_by(words.c.grp, words.c.id)
        with sw_engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(stmt)] == [(1, "Apple"), (2, "banana"), (3, "cherry42")]

    @requires("supports_aggregate_filter")
    def test_aggregate_filter(self, sw_engine: Any, words: Table) -> None:
        stmt = select(func.count(words.c.id).filter(words.c.grp == 2))
        assert self._col(sw_engine, stmt) == [2]

    @requires("supports_for_update")
    def test_select_for_update(self, sw_engine: Any, words: Table) -> None:
        with sw_engine.begin() as conn:
            stmt = select(words.c.word).where(words.c.id == 3).with_for_update()
            assert conn.execute(stmt).scalars().all() == ["banana"]

    @requires("supports_server_side_cursors")
    def test_stream_results(self, sw_engine: Any, words: Table) -> None:
        with sw_engine.connect() as conn:
            result = conn.execution_options(stream_results=True).execute(
                select(words.c.id).order_by(words.c.id))
            chunks = [list(p) for p in result.partitions(2)]
        assert [[r[0] for r in chunk] for chunk in chunks] == [[1, 2], [3, 4], [5]]

    @requires("supports_sequences")
    def test_sequence(self, sw_engine: Any, sw_metadata: MetaData) -> None:
        seq = Sequence("swc_ft_seq", start=100)
        t = Table("swc_ft_seqtab", sw_metadata,
                  Column("id", Integer, seq, primary_key=True), Column("x", String(5)))
        sw_metadata.create_all(sw_engine)
        with sw_engine.begin() as conn:
            first = conn.execute(insert(t).values(x="a")).inserted_primary_key[0]
            second = conn.execute(insert(t).values(x="b")).inserted_primary_key[0]
            assert (first, second) == (100, 101)
            assert conn.scalar(select(seq.next_value())) == 102

    @requires("supports_identity_columns")
    def test_identity_column(self, sw_engine: Any, sw_metadata: MetaData) -> None:
        t = Table("swc_ft_ident", sw_metadata,
                  Column("id", Integer, Identity(start=10, increment=5), primary_key=True),
                  Column("x", String(5)))
        sw_metadata.create_all(sw_engine)
        with sw_engine.begin() as conn:
            conn.execute(insert(t), [{"x": "a"}, {"x": "b"}])
            assert conn.execute(select(t.c.id).order_by(t.c.id)).scalars().all() == [10, 15]

    @requires("supports_arrays")
    def test_array_round_trip(self, sw_engine: Any, sw_metadata: MetaData) -> None:
        t = Table("swc_ft_array", sw_metadata,
                  Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("tags", ARRAY(String(10))), Column("nums", ARRAY(Integer)))
        sw_metadata.create_all(sw_engine)
        with sw_engine.begin() as conn:
            conn.execute(insert(t).values(id=1, tags=["a", "b"], nums=[3, 1, 2]))
            row = conn.execute(select(t.c.tags, t.c.nums)).one()
        assert tuple(row) == (["a", "b"], [3, 1, 2])

    @requires("supports_comments")
    def test_comments_reflected(self, sw_engine: Any, sw_metadata: MetaData) -> None:
        Table("swc_ft_comment", sw_metadata,
              Column("id", Integer, primary_key=True, comment="the key"),
              comment="a table with a comment")
        sw_metadata.create_all(sw_engine)
        insp = inspect(sw_engine)
        assert insp.get_table_comment("swc_ft_comment")["text"] == "a table with a comment"
        cols = {c["name"]: c for c in insp.get_columns("swc_ft_comment")}
        assert cols["id"].get("comment") == "the key"

    @requires("supports_default_values")
    def test_insert_default_values(self, sw_engine: Any, sw_metadata: MetaData) -> None:
        t = Table("swc_ft_defaults", sw_metadata,
                  Column("id", Integer, primary_key=True),
                  Column("status", String(10), server_default="new"))
        sw_metadata.create_all(sw_engine)
        with sw_engine.begin() as conn:
            pk = conn.execute(insert(t)).inserted_primary_key[0]
            assert pk is not None
            assert conn.execute(select(t.c.status)).scalar_one() == "new"

    @requires("supports_expression_indexes")
    def test_expression_index(self, sw_engine: Any, sw_metadata: MetaData) -> None:
        t = Table("swc_ft_exprix", sw_metadata,
                  Column("id", Integer, primary_key=True),
                  Column("email", String(60), nullable=False))
        Index("swc_ft_exprix_lower", func.lower(t.c.email), unique=True)
        sw_metadata.create_all(sw_engine)
        with sw_engine.connect() as conn:
            assert sw_engine.dialect.has_index(conn, "swc_ft_exprix", "swc_ft_exprix_lower")
            conn.execute(insert(t).values(email="Ann@Example.org"))
            conn.commit()
            with pytest.raises(exc.IntegrityError):  # the index is unique on lower(email)
                conn.execute(insert(t).values(email="ann@example.ORG"))
            conn.rollback()
