"""Session invariants and the object state machine against the backend under test: merge(load=False),
refresh(with_for_update=), expire of attributes, expunge, is_modified, weakly held clean objects,
get_one, binds/get_bind, cascades (merge, refresh-expire, expunge, delete, delete-orphan), moving
objects between collections, collection replacement history and configuration errors."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from sqlweave.core import Column, ForeignKey, Integer, MetaData, String, Table, inspect, text
from sqlweave.core import exc as sa_exc
from sqlweave.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    configure_mappers,
    mapped_column,
    registry,
    relationship,
)
from sqlweave.orm import exc as orm_exc
from tests.orm.model_fixtures import model_fixtures, session_rows

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class SUser(Base):
    __tablename__ = "ormm_s_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    addresses: Mapped[list[SAddress]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="SAddress.id")
    profile: Mapped[SProfile | None] = relationship(
        back_populates="user", cascade="all, delete-orphan", uselist=False)


class SAddress(Base):
    __tablename__ = "ormm_s_address"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(50))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ormm_s_user.id"))
    user: Mapped[SUser | None] = relationship(back_populates="addresses")
    lines: Mapped[list[SLine]] = relationship(cascade="all, delete-orphan", order_by="SLine.id")


class SLine(Base):
    __tablename__ = "ormm_s_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    address_id: Mapped[int | None] = mapped_column(ForeignKey("ormm_s_address.id"))
    text: Mapped[str] = mapped_column(String(30))


class SProfile(Base):
    __tablename__ = "ormm_s_profile"
    id: Mapped[int] = mapped_column(primary_key=True)
    bio: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ormm_s_user.id"))
    user: Mapped[SUser | None] = relationship(back_populates="profile")


tables, session = model_fixtures(Base.metadata)


_rows = session_rows


def _graph(session: Session) -> SUser:
    u = SUser(id=1, name="u", profile=SProfile(id=1, bio="b"),
              addresses=[SAddress(id=1, email="a1", lines=[SLine(id=1, text="l1"), SLine(id=2, text="l2")]),
                         SAddress(id=2, email="a2", lines=[SLine(id=3, text="l3")])])
    session.add(u)
    session.commit()
    return u


# -- states ---------------------------------------------------------------------------------------


def test_state_transitions(session: Session) -> None:
    u = SUser(id=1, name="u")
    st = inspect(u)
    assert st.transient and not st.pending
    session.add(u)
    assert st.pending and u in session.new
    session.flush()
    assert st.persistent and st.key == (inspect(SUser), (1,)) and st.identity == (1,)
    session.delete(u)
    assert u in session.deleted
    session.flush()
    assert st.deleted and u not in session
    session.commit()
    assert st.detached and st.was_deleted
    assert _rows(session, "SELECT count(*) FROM ormm_s_user") == [(0,)]


def test_clean_objects_are_weakly_referenced(session: Session) -> None:
    session.add_all([SUser(id=i, name=f"u{i}") for i in range(1, 4)])
    session.commit()
    session.expunge_all()
    users = session.query(SUser).all()
    assert len(session.identity_map) == 3
    users[0].name = "dirty"  # modified: held strongly until flushed
    del users
    gc.collect()
    assert list(session.identity_map.keys()) == [(inspect(SUser), (1,))]
    session.commit()
    assert _rows(session, "SELECT name FROM ormm_s_user ORDER BY id") == [("dirty",), ("u2",), ("u3",)]
    gc.collect()
    assert len(session.identity_map) == 0  # flushed: clean again, nothing holds it


def test_get_and_get_one(session: Session, counter: Any) -> None:
    session.add(SUser(id=1, name="u"))
    session.commit()
    u = session.get(SUser, 1)
    counter.reset()
    assert session.get_one(SUser, 1) is u and counter.count == 0  # identity map, no SQL
    with pytest.raises(sa_exc.NoResultFound):
        session.get_one(SUser, 99)
    assert session.get(SUser, 99) is None


def test_merge_load_false(session: Session, counter: Any) -> None:
    session.add(SUser(id=1, name="db"))
    session.commit()
    session.close()
    # a detached copy (e.g. from a cache): merge without SQL
    other = Session(session.bind)
    cached = other.get(SUser, 1)
    other.close()
    counter.reset()
    m = session.merge(cached, load=False)
    assert counter.count == 0
    assert m is not cached and inspect(m).persistent and m.name == "db"
    assert not session.is_modified(m)
    m.name = "changed"
    session.commit()
    assert _rows(session, "SELECT name FROM ormm_s_user") == [("changed",)]
    # load=True copies state onto the persistent object and cascades along merge cascades
    detached = SUser(id=1, name="merged", addresses=[SAddress(id=5, email="m@x")])
    got = session.merge(detached)
    assert got is session.get(SUser, 1) and got.name == "merged"
    assert [a.email for a in got.addresses] == ["m@x"] and got.addresses[0] is not detached.addresses[0]
    session.commit()
    assert _rows(session, "SELECT name FROM ormm_s_user") == [("merged",)]
    assert _rows(session, "SELECT id, email, user_id FROM ormm_s_address") == [(5, "m@x", 1)]


def test_merge_load_false_rejects_dirty(session: Session) -> None:
    u = SUser(id=1, name="x")
    session.add(u)
    session.commit()
    session.expunge(u)
    u.name = "dirty"
    with pytest.raises(sa_exc.InvalidRequestError, match="load=False"):
        session.merge(u, load=False)


def test_refresh_and_expire_attributes(session: Session, counter: Any, engine: Any) -> None:
    u = SUser(id=1, name="a")
    session.add(u)
    session.commit()
    assert u.name == "a"
    session.connection().execute(text("UPDATE ormm_s_user SET name = 'b'"))
    assert u.name == "a"  # identity map keeps the loaded value
    session.expire(u, ["name"])
    assert "name" not in u.__dict__ and "id" in u.__dict__
    assert u.name == "b"
    session.connection().execute(text("UPDATE ormm_s_user SET name = 'c'"))
    counter.reset()
    session.refresh(u, with_for_update=True)
    assert u.name == "c"
    assert counter.count == 1
    if engine.dialect.supports_for_update if hasattr(engine.dialect, "supports_for_update") else True:
        assert "FOR UPDATE" in counter.statements[0] or engine.dialect.name == "sqlite"
    u.name = "pending"
    session.refresh(u)  # refresh discards the unflushed change
    assert u.name == "c" and not session.is_modified(u)


def test_is_modified_and_expunge(session: Session) -> None:
    u = _graph(session)
    a1 = u.addresses[0]
    assert len(a1.lines) == 2  # loaded before any change (a lazy load autoflushes)
    assert not session.is_modified(u)
    assert u.name == "u"  # loaded (commit expired it) ...
    u.name = "u"  # ... so the same value is not a net change
    assert not session.is_modified(u)
    u.name = "v"
    assert session.is_modified(u)
    session.expunge(u)  # cascades along "expunge" (part of "all")
    assert inspect(u).detached and inspect(a1).detached and inspect(a1.lines[0]).detached
    assert u not in session and a1 not in session
    session.commit()
    assert _rows(session, "SELECT name FROM ormm_s_user") == [("u",)]


def test_refresh_expire_cascade(session: Session) -> None:
    u = _graph(session)
    a1 = u.addresses[0]
    assert a1.email == "a1" and u.profile.bio == "b"
    session.connection().execute(text("UPDATE ormm_s_address SET email = 'new'"))
    session.connection().execute(text("UPDATE ormm_s_profile SET bio = 'nb'"))
    session.expire(u)  # cascades along "refresh-expire" to the loaded related objects
    assert "email" not in a1.__dict__
    assert u.profile.bio == "nb" and a1.email == "new"
    session.connection().execute(text("UPDATE ormm_s_profile SET bio = 'nb2'"))
    session.refresh(u)
    assert u.profile.bio == "nb2"


# -- binds -------------------------------------------------------------------------------------


def test_binds_and_get_bind(tables: Any) -> None:
    other = object()
    s = Session(binds={SUser: tables, SAddress.__table__: other})
    assert s.get_bind(SUser) is tables
    assert s.get_bind(inspect(SUser)) is tables
    assert s.get_bind(SAddress) is other  # through its table
    with pytest.raises(sa_exc.InvalidRequestError):
        Session().get_bind(SUser)
    s2 = Session(tables, binds={SAddress: other})
    assert s2.get_bind(SLine) is tables  # not listed: the default bind
    s.close()
    s2.close()


def test_binds_flush_uses_mapper_bind(tables: Any) -> None:
    with Session(binds={SUser: tables, SAddress: tables}) as s:
        s.add(SUser(id=7, name="b", addresses=[SAddress(id=7, email="e")]))
        s.commit()
        assert s.get(SAddress, 7).user.name == "b"
        s.delete(s.get(SUser, 7))
        s.commit()
        assert s.get(SUser, 7) is None


# -- cascades ----------------------------------------------------------------------------------


def test_delete_cascade_three_levels(session: Session, counter: Any) -> None:
    u = _graph(session)
    session.delete(u)
    counter.reset()
    session.commit()
    verbs = [" ".join(s.split()[:3]) for s in counter.statements if s.startswith("DELETE")]
    assert verbs == ["DELETE FROM ormm_s_line", "DELETE FROM ormm_s_address", "DELETE FROM ormm_s_profile",
                     "DELETE FROM ormm_s_user"] or verbs.index("DELETE FROM ormm_s_line") < verbs.index(
        "DELETE FROM ormm_s_address") < verbs.index("DELETE FROM ormm_s_user")
    for t in ("user", "address", "line", "profile"):
        assert _rows(session, f"SELECT count(*) FROM ormm_s_{t}") == [(0,)]


def test_delete_orphan_collection_and_scalar(session: Session) -> None:
    u = _graph(session)
    a2 = u.addresses[1]
    u.addresses.remove(a2)  # orphan: deleted with its own lines
    u.profile = SProfile(id=2, bio="new")  # the old profile is an orphan too
    session.commit()
    assert _rows(session, "SELECT id FROM ormm_s_address") == [(1,)]
    assert _rows(session, "SELECT id FROM ormm_s_line ORDER BY id") == [(1,), (2,)]
    assert _rows(session, "SELECT id, bio, user_id FROM ormm_s_profile") == [(2, "new", 1)]
    u.profile = None
    session.commit()
    assert _rows(session, "SELECT count(*) FROM ormm_s_profile") == [(0,)]


def test_move_between_collections(session: Session) -> None:
    u = _graph(session)
    v = SUser(id=2, name="v")
    session.add(v)
    a1 = u.addresses[0]
    v.addresses.append(a1)  # moves: not an orphan of u
    assert a1.user is v and a1 not in u.addresses
    session.commit()
    assert _rows(session, "SELECT id, user_id FROM ormm_s_address ORDER BY id") == [(1, 2), (2, 1)]
    assert _rows(session, "SELECT count(*) FROM ormm_s_line") == [(3,)]
    a1.user = u  # and back, through the many-to-one side
    assert a1 in u.addresses and a1 not in v.addresses
    session.commit()
    assert _rows(session, "SELECT id, user_id FROM ormm_s_address ORDER BY id") == [(1, 1), (2, 1)]


def test_replace_collection_history(session: Session) -> None:
    u = _graph(session)
    a1, a2 = u.addresses
    a3 = SAddress(id=3, email="a3")
    u.addresses = [a2, a3]
    h = inspect(u).attrs.addresses.history
    assert h.added == [a3] and h.unchanged == [a2] and h.deleted == [a1]
    assert a1.user is None and a3.user is u
    session.commit()
    assert _rows(session, "SELECT id, user_id FROM ormm_s_address ORDER BY id") == [(2, 1), (3, 1)]


def test_save_update_cascade_and_merge_cascade(session: Session) -> None:
    u = SUser(id=1, name="u")
    session.add(u)
    a = SAddress(id=1, email="x")
    u.addresses.append(a)  # save-update: joins the session with its parent
    assert a in session.new
    session.commit()
    assert _rows(session, "SELECT id, user_id FROM ormm_s_address") == [(1, 1)]


# -- configuration errors ------------------------------------------------------------------------


def test_config_error_no_primary_key() -> None:
    class B(DeclarativeBase):
        pass

    with pytest.raises(orm_exc.ORMConfigurationError,
                       match="Mapper NoPk could not assemble any primary key columns for mapped table 'ormm_nopk'"):
        class NoPk(B):
            __tablename__ = "ormm_nopk"
            x: Mapped[int]


def test_config_error_unknown_target() -> None:
    reg = registry()

    @reg.mapped
    class Lonely:
        __tablename__ = "ormm_lonely"
        id: Mapped[int] = mapped_column(primary_key=True)
        ghost: Mapped[list[Any]] = relationship("Ghost")

    try:
        with pytest.raises(orm_exc.ORMConfigurationError,
                           match=r"expression 'Ghost' for the target class of relationship Lonely.ghost failed "
                                 r"to locate a name \(name 'Ghost' is not defined\)"):
            configure_mappers()
    finally:
        _forget(Lonely)


def test_config_error_ambiguous_foreign_keys() -> None:
    reg = registry()

    @reg.mapped
    class Acct:
        __tablename__ = "ormm_acct"
        id: Mapped[int] = mapped_column(primary_key=True)

    @reg.mapped
    class Xfer:
        __tablename__ = "ormm_xfer"
        id: Mapped[int] = mapped_column(primary_key=True)
        src_id: Mapped[int] = mapped_column(ForeignKey("ormm_acct.id"))
        dst_id: Mapped[int] = mapped_column(ForeignKey("ormm_acct.id"))
        src: Mapped[Acct] = relationship()

    try:
        with pytest.raises(orm_exc.ORMConfigurationError,
                           match="relationship Xfer.src - there are multiple foreign key paths"):
            configure_mappers()
    finally:
        _forget(Acct, Xfer)


def test_config_error_back_populates_mismatch() -> None:
    reg = registry()

    @reg.mapped
    class Par:
        __tablename__ = "ormm_par"
        id: Mapped[int] = mapped_column(primary_key=True)
        kids: Mapped[list[Kid]] = relationship(back_populates="nope")

    @reg.mapped
    class Kid:
        __tablename__ = "ormm_kid"
        id: Mapped[int] = mapped_column(primary_key=True)
        par_id: Mapped[int] = mapped_column(ForeignKey("ormm_par.id"))
        par: Mapped[Par] = relationship(back_populates="kids")

    try:
        # whichever side is configured first reports it, naming both ends
        with pytest.raises(orm_exc.ORMConfigurationError,
                           match=r"(back_populates on relationship Par.kids refers to attribute Kid.nope, "
                                 r"which does not exist)|(relationship Par.kids back_populates 'nope', not "
                                 r"'par' as Kid.par expects)"):
            configure_mappers()
    finally:
        _forget(Par, Kid)


def test_config_error_back_populates_wrong_pair() -> None:
    reg = registry()

    @reg.mapped
    class Par2:
        __tablename__ = "ormm_par2"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]
        kids: Mapped[list[Kid2]] = relationship(back_populates="other")

    @reg.mapped
    class Kid2:
        __tablename__ = "ormm_kid2"
        id: Mapped[int] = mapped_column(primary_key=True)
        par_id: Mapped[int] = mapped_column(ForeignKey("ormm_par2.id"))
        par: Mapped[Par2] = relationship(back_populates="kids")
        other: Mapped[Par2] = relationship(back_populates="name", viewonly=True)

    try:
        with pytest.raises(orm_exc.ORMConfigurationError,
                           match=r"Kid2.other refers to Par2.name, which is not a relationship|"
                                 r"Par2.kids back_populates 'other', not 'par'|Kid2.other back_populates 'name'"):
            configure_mappers()
    finally:
        _forget(Par2, Kid2)


def _forget(*classes: Any) -> None:
    """Take broken test mappers out of the global configure set so other tests are unaffected."""
    from sqlweave.orm import mapper as mapper_mod

    for cls in classes:
        mapper_mod._all_mappers.discard(cls._sw_mapper)
    mapper_mod._new_mappers = any(not m.configured for m in mapper_mod._all_mappers)


_ = (Column, Integer, MetaData, Table)
