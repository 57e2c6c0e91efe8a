"""The flush keeps per-mapper plans (INSERT/UPDATE/DELETE statements, which attributes are
columns, what to fetch back) and the mapped classes keep a map of their plain column attributes;
these tests fail if either served stale data after the mapping or the listeners changed."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import Column, Integer, MetaData, String, Table, event, inspect, text
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column, registry
from sqlweave.orm import exc as orm_exc

pytestmark = pytest.mark.backend

metadata = MetaData()
fp_note = Table(
    "ormm_fp_note", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
    Column("note", String(20)),
)


class Note:
    """Mapped imperatively without ``note`` at first; the property is added later."""

    id: int
    name: str
    note: str | None


reg = registry(metadata=metadata)
reg.map_imperatively(Note, fp_note, exclude_properties=["note"])


class Base(DeclarativeBase):
    pass


class FpItem(Base):
    __tablename__ = "ormm_fp_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    x: Mapped[int] = mapped_column(default=0)
    y: Mapped[int] = mapped_column(default=0)


@pytest.fixture(scope="module")
def tables(engine: Any) -> Iterator[Any]:
    for md in (metadata, Base.metadata):
        md.drop_all(engine)
        md.create_all(engine)
    yield engine
    for md in (metadata, Base.metadata):
        md.drop_all(engine)


@pytest.fixture
def session(tables: Any) -> Iterator[Session]:
    s = Session(tables)
    yield s
    s.close()


def _rows(session: Session, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.connection().execute(text(sql)).all()]


def test_plans_follow_a_column_property_added_after_flushes(session: Session) -> None:
    first = Note(name="a")
    session.add(first)
    session.commit()  # the INSERT plan of Note is built here, without "note"
    first.name = "a2"
    session.commit()  # ... and the UPDATE plan
    inspect(Note).add_property("note", fp_note.c.note)
    second = Note(name="b", note="n-b")
    session.add(second)
    first.note = "n-a"
    session.commit()
    assert _rows(session, "SELECT name, note FROM ormm_fp_note ORDER BY id") == [("a2", "n-a"), ("b", "n-b")]
    session.delete(first)
    session.commit()
    assert _rows(session, "SELECT name FROM ormm_fp_note") == [("b",)]


def test_set_listener_added_later_sees_constructor_and_assignment(session: Session) -> None:
    FpItem(name="warm")  # the class's column-attribute map exists before the listener

    def upper(target: Any, value: Any, oldvalue: Any, initiator: Any) -> Any:
        return value.upper()

    event.listen(FpItem.name, "set", upper, retval=True)
    try:
        obj = FpItem(name="made")
        assert obj.name == "MADE"
        session.add(obj)
        session.commit()
        obj.name = "changed"
        assert obj.name == "CHANGED"
        session.commit()
    finally:
        event.remove(FpItem.name, "set", upper)
    obj.name = "plain"
    session.commit()
    assert _rows(session, "SELECT name FROM ormm_fp_item WHERE name <> 'warm'") == [("plain",)]


def test_same_columns_changed_in_either_order_share_one_batch(session: Session, counter: Any, engine: Any) -> None:
    objs = [FpItem(name=f"o{i}") for i in range(3)]
    session.add_all(objs)
    session.commit()
    objs[0].x, objs[0].y = 1, 2
    objs[1].y, objs[1].x = 3, 4  # the same column set, recorded in the other order
    objs[2].x = 5  # another column set
    counter.reset()
    session.flush()
    if engine.dialect.supports_sane_multi_rowcount:
        assert counter.count == 2
    session.commit()
    assert _rows(session, "SELECT name, x, y FROM ormm_fp_item WHERE name LIKE 'o%' ORDER BY name") == [
        ("o0", 1, 2), ("o1", 4, 3), ("o2", 5, 0)]


def test_state_forgets_a_garbage_collected_session(tables: Any) -> None:
    s = Session(tables)
    obj = FpItem(name="gc")
    s.add(obj)
    state = inspect(obj)
    assert state.session is s
    del s
    gc.collect()
    assert state.session is None


def test_expired_keys_are_per_object_after_sharing(session: Session) -> None:
    # after a commit every object shares one "all columns expired" set: loading or expiring
    # one object's attributes must not touch the others'
    a, b = FpItem(name="ea", x=1), FpItem(name="eb", x=2)
    session.add_all([a, b])
    session.commit()
    sa, sb = inspect(a), inspect(b)
    assert sa.expired_attributes == sb.expired_attributes == {"id", "name", "x", "y"}
    assert a.x == 1  # loads a's columns
    assert not sa.expired_attributes
    assert sb.expired_attributes == {"id", "name", "x", "y"}
    session.expire(a, ["x"])
    assert sa.expired_attributes == {"x"}
    assert sb.expired_attributes == {"id", "name", "x", "y"}
    assert (a.x, b.x, b.name) == (1, 2, "eb")
    assert not sa.expired_attributes and not sb.expired_attributes
    assert inspect(FpItem)._column_keys_set == {"id", "name", "x", "y"}


def test_new_objects_history_and_shared_committed_state(session: Session) -> None:
    # objects made by the default constructor with the same keywords share one read-only
    # committed_state ("no old values"); a change must copy it, never write into it
    a, b = FpItem(name="ha", x=1), FpItem(name="hb", x=2)
    sa, sb = inspect(a), inspect(b)
    assert sa.attrs.name.history == (["ha"], [], [])
    assert sa.attrs.x.history == ([1], [], [])
    assert sa.attrs.y.history == ([], [], [])
    a.name = "ha2"
    a.y = 7
    assert sa.attrs.name.history == (["ha2"], [], [])  # the old value is still "no value"
    assert sa.attrs.y.history == ([7], [], [])
    assert sb.attrs.name.history == (["hb"], [], [])
    assert "y" not in sb.committed_state
    c = FpItem(name="hc", x=3)
    assert set(inspect(c).committed_state) == {"name", "x"}
    session.add_all([a, b, c])
    assert session.is_modified(a) and session.is_modified(b) and session.is_modified(c)
    session.flush()
    assert not sa.committed_state and not sb.committed_state
    b.x = 5
    assert sb.attrs.x.history == ([5], [], [2])
    assert not inspect(c).attrs.x.history.has_changes()
    session.commit()
    assert _rows(session, "SELECT name, x, y FROM ormm_fp_item WHERE name LIKE 'h%' ORDER BY name") == [
        ("ha2", 1, 7), ("hb", 5, 0), ("hc", 3, 0)]


class FpBase(Base):
    __tablename__ = "ormm_fp_poly"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "base"}


class FpSub(FpBase):
    __mapper_args__ = {"polymorphic_identity": "sub"}


def test_propagated_set_listener_reaches_a_subclass_constructed_before(session: Session) -> None:
    FpSub(name="warm")
    FpBase(name="warm")  # both mappers have a constructor plan for name= before the listener

    def upper(target: Any, value: Any, oldvalue: Any, initiator: Any) -> Any:
        return value.upper()

    event.listen(FpBase.name, "set", upper, retval=True, propagate=True)
    try:
        assert FpSub(name="sub").name == "SUB"
        assert FpBase(name="base").name == "BASE"
    finally:
        event.remove(FpBase.name, "set", upper)


class FpOpt(Base):
    __tablename__ = "ormm_fp_opt"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str | None] = mapped_column(String(20))
    code: Mapped[str | None] = mapped_column(String(20), server_default="srv")


def test_objects_missing_attributes_in_one_flush(session: Session) -> None:
    # the INSERT parameters of objects that have all plain attributes are built in one step;
    # the others leave the missing columns out (NULL, or the server default fetched later)
    objs = [FpOpt(label="a", code="c"), FpOpt(code="c2"), FpOpt(label="b"), FpOpt(), FpOpt(label="d", code=None)]
    session.add_all(objs)
    session.flush()
    assert all(o.id is not None for o in objs)
    assert [(o.label, o.code) for o in objs] == [("a", "c"), (None, "c2"), ("b", "srv"), (None, "srv"), ("d", "srv")]
    session.commit()
    ids = [o.id for o in objs]
    rows = dict((r[0], r[1:]) for r in _rows(session, "SELECT id, label, code FROM ormm_fp_opt"))
    assert [rows[i] for i in ids] == [("a", "c"), (None, "c2"), ("b", "srv"), (None, "srv"), ("d", "srv")]


class FpAlike(Base):
    """Unhashable, and equal to every other instance: the session must tell objects apart by
    identity (their states are weak references to them, compared and hashed by identity)."""

    __tablename__ = "ormm_fp_alike"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = None  # type: ignore[assignment]


def test_states_of_equal_unhashable_objects_stay_apart(session: Session) -> None:
    a, b = FpAlike(name="a"), FpAlike(name="b")
    session.add_all([a, b])
    assert inspect(a) != inspect(b) and len({inspect(a), inspect(b)}) == 2
    assert inspect(a)() is a and inspect(a).obj() is a
    session.commit()
    assert a.id != b.id
    assert session.get(FpAlike, a.id) is a and session.get(FpAlike, b.id) is b
    key = inspect(b).key
    del b
    gc.collect()
    assert key not in session.identity_map  # the state left the map with its object
    assert _rows(session, "SELECT name FROM ormm_fp_alike ORDER BY name") == [("a",), ("b",)]


def test_add_all_takes_the_general_step_when_something_must_happen(tables: Any) -> None:
    """add_all's two-write path (transient -> pending) is taken only when nothing else must
    happen: attach listeners still see each object, an object of another session is refused,
    a detached object is re-attached as persistent."""
    seen: list[str] = []
    with Session(tables) as s1, Session(tables) as s2:
        event.listen(s1, "transient_to_pending", lambda sess, obj: seen.append(obj.name))
        s1.add_all([FpItem(name="aa-p1"), FpItem(name="aa-p2")])
        assert seen == ["aa-p1", "aa-p2"]
        assert all(inspect(o).pending for o in s1.new)
        s1.commit()
        taken = FpItem(name="aa-taken")
        s2.add(taken)
        with pytest.raises(Exception, match="already attached to session"):
            s1.add_all([taken])
        s2.commit()
        s2.close()  # taken is detached now
        s1.add_all([taken, FpItem(name="aa-p3")])
        assert inspect(taken).persistent and inspect(taken).session is s1
        taken.name = "aa-taken2"
        s1.commit()
        assert _rows(s1, "SELECT name FROM ormm_fp_item WHERE name LIKE 'aa-%' ORDER BY name") == [
            ("aa-p1",), ("aa-p2",), ("aa-p3",), ("aa-taken2",)]


class FpPlain(Base):
    """Only plain columns and a database-generated key: a lone new object takes the one-row
    INSERT path; several take the batched one."""

    __tablename__ = "ormm_fp_plain"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(20))


def test_lone_new_object_is_one_insert_and_enters_the_identity_map(session: Session, counter: Any) -> None:
    counter.reset()
    obj = FpPlain(name="lone", note="n")
    session.add(obj)
    session.flush()
    assert [s.split()[0] for s in counter.statements if s.split()[0] != "BEGIN"] == ["INSERT"]
    assert obj.id is not None and inspect(obj).persistent and obj not in session.new
    assert session.get(FpPlain, obj.id) is obj  # from the identity map: no SELECT
    assert sum(1 for s in counter.statements if s.startswith("SELECT")) == 0
    # one missing attribute or an explicit key takes the general path, with the same outcome
    partial, keyed = FpPlain(name="partial"), FpPlain(id=70_001, name="keyed", note="k")
    for o in (partial, keyed):
        session.add(o)
        session.flush()
        assert inspect(o).persistent and session.get(FpPlain, o.id) is o
    session.commit()
    assert _rows(session, "SELECT name, note FROM ormm_fp_plain WHERE name IN ('lone', 'partial', 'keyed') "
                 "ORDER BY name") == [("keyed", "k"), ("lone", "n"), ("partial", None)]
    assert keyed.id == 70_001


def test_mixed_column_sets_in_one_flush_keep_their_values(session: Session) -> None:
    objs = [FpPlain(name="m0", note="a"), FpPlain(name="m1"), FpPlain(id=70_101, name="m2", note="b"),
            FpPlain(name="m3", note="c"), FpPlain(id=70_102, name="m4")]
    session.add_all(objs)
    session.flush()
    assert len({o.id for o in objs}) == 5 and objs[2].id == 70_101 and objs[4].id == 70_102
    assert all(session.get(FpPlain, o.id) is o for o in objs)
    session.commit()
    rows = dict((r[0], r[1:]) for r in _rows(session, "SELECT id, name, note FROM ormm_fp_plain WHERE name LIKE 'm%'"))
    assert [rows[o.id] for o in objs] == [("m0", "a"), ("m1", None), ("m2", "b"), ("m3", "c"), ("m4", None)]


def _reuse_key(session: Session, key: int) -> None:
    """Delete row ``key`` behind the session's back and make the database hand that key out
    again (SQLite reuses the highest rowid by itself)."""
    conn = session.connection()
    conn.execute(text("DELETE FROM ormm_fp_plain WHERE id = :k"), {"k": key})
    name = conn.dialect.name
    if name == "postgresql":
        conn.execute(text("SELECT setval(pg_get_serial_sequence('ormm_fp_plain', 'id'), :k, false)"), {"k": key})
    elif name in ("mysql", "mariadb"):
        session.commit()  # ALTER TABLE commits implicitly on MySQL/MariaDB
        session.connection().execute(text(f"ALTER TABLE ormm_fp_plain AUTO_INCREMENT = {key}"))


@pytest.mark.parametrize("count", [1, 3], ids=["lone", "batch"])
@pytest.mark.parametrize("note", ["n", None], ids=["all-columns", "partial"])
def test_new_object_given_the_key_of_a_live_one_is_refused(session: Session, count: int, note: str | None) -> None:
    # rows of the table's highest keys, so that the database hands the deleted key out next
    session.execute(text("DELETE FROM ormm_fp_plain"))
    held = FpPlain(name="held")
    session.add(held)
    session.commit()
    key = held.id
    _reuse_key(session, key)
    # all columns given: the one-row and batched fast paths; one left out: the general path
    session.add_all([FpPlain(name=f"new{i}", **({"note": note} if note else {})) for i in range(count)])
    with pytest.raises(orm_exc.FlushError, match=rf"identity key .*\({key},\).* conflicts with persistent instance"):
        session.flush()
    session.rollback()
    # none of the refused INSERTs stayed; the DELETE was rolled back with them, except where
    # the ALTER TABLE above had committed it (MySQL/MariaDB)
    deleted = session.connection().dialect.name in ("mysql", "mariadb")
    assert _rows(session, "SELECT id, name FROM ormm_fp_plain") == ([] if deleted else [(key, "held")])
    # the session is still usable; the held object is the one it knows by that key
    assert session.get(FpPlain, key) is (None if deleted else held)


@pytest.mark.parametrize("count", [1, 3], ids=["lone", "batch"])
def test_objects_inserted_in_a_rolled_back_savepoint_become_transient(session: Session, count: int) -> None:
    session.execute(text("DELETE FROM ormm_fp_plain"))
    kept = FpPlain(name="sp-kept")
    session.add(kept)
    session.flush()
    sp = session.begin_nested()
    objs = [FpPlain(name=f"sp{i}", note="n") for i in range(count)]
    session.add_all(objs)
    session.flush()
    assert all(inspect(o).persistent for o in objs)
    sp.rollback()
    assert all(inspect(o).transient and o not in session for o in objs)
    assert inspect(kept).persistent
    session.commit()
    assert _rows(session, "SELECT name FROM ormm_fp_plain") == [("sp-kept",)]


class FpBulk(Base):
    """Plain columns and a database-generated key, flushed many at a time."""

    __tablename__ = "ormm_fp_bulk"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(20))


def test_bulk_flushes_after_the_first_send_tuples_and_keep_the_outcome(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    # a positional driver (SQLite, PyMySQL) gets DBAPI tuples made straight from the objects
    # (Connection._execute_compiled_rows) when they give exactly the plain columns; the keys,
    # the identity map and the stored rows must be those of the dict path the others take
    from sqlweave.core.engine.base import Connection

    lane: list[int] = []
    real = Connection._execute_compiled_rows

    def spy(self: Any, compiled: Any, rows: Any, extracted: Any) -> Any:
        lane.append(len(rows))
        return real(self, compiled, rows, extracted)

    monkeypatch.setattr(Connection, "_execute_compiled_rows", spy)
    batches = [
        [FpBulk(name=f"a{i}", note=f"n{i}") for i in range(5)],  # tuples, where the driver is positional
        [FpBulk(name=f"b{i}", note=f"n{i}") for i in range(7)],  # again, the compiled form remembered
        [FpBulk(name="c0", note="x"), FpBulk(id=80_001, name="c1", note="y")],  # a key given: dicts
        [FpBulk(name="d0", note="x"), FpBulk(name="d1")],  # an attribute never set: dicts
    ]
    for objs in batches:
        session.add_all(objs)
        session.flush()
        for o in objs:
            assert inspect(o).persistent and o.id is not None
            assert session.get(FpBulk, o.id) is o
    session.commit()
    expected = sorted((o.id, o.name, o.note) for objs in batches for o in objs)
    assert _rows(session, "SELECT id, name, note FROM ormm_fp_bulk ORDER BY id") == expected
    assert len({o.id for objs in batches for o in objs}) == 16
    assert [o.name for o in sorted(batches[1], key=lambda o: o.id)] == [f"b{i}" for i in range(7)]
    dialect = session.get_bind().dialect
    if dialect.positional and dialect.insert_executemany_returning:
        assert lane == [5, 7]
    else:  # named parameters (psycopg2): dicts throughout
        assert lane == []


class FpBulkUnique(Base):
    __tablename__ = "ormm_fp_bulk_unique"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)


def test_bulk_flush_of_tuples_that_violates_a_constraint_loses_nothing(session: Session) -> None:
    from sqlweave.core import exc

    session.add_all([FpBulkUnique(name=f"u{i}") for i in range(3)])
    session.commit()
    session.add_all([FpBulkUnique(name="u3"), FpBulkUnique(name="u1"), FpBulkUnique(name="u4")])
    with pytest.raises(exc.IntegrityError) as info:
        session.flush()
    assert "ormm_fp_bulk_unique" in str(info.value)  # names the statement
    session.rollback()
    assert _rows(session, "SELECT name FROM ormm_fp_bulk_unique ORDER BY name") == [("u0",), ("u1",), ("u2",)]
    retry = [FpBulkUnique(name="u3"), FpBulkUnique(name="u4")]
    session.add_all(retry)
    session.commit()
    assert all(inspect(o).persistent for o in retry)
    assert _rows(session, "SELECT name FROM ormm_fp_bulk_unique ORDER BY name") == [
        ("u0",), ("u1",), ("u2",), ("u3",), ("u4",)]
