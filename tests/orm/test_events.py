"""ORM events (issue 9) against the backend under test.

Every test records listener calls and the SQL sent to the driver in ONE list (``rec.log``), so
the assertions show the order of events relative to statements, the arguments received and the
effect of what the listener changed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    event,
    inspect,
    select,
)
from sqlweave.core import exc as sa_exc
from sqlweave.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    Session,
    configure_mappers,
    flag_modified,
    mapped_column,
    registry,
    relationship,
    sessionmaker,
)
from sqlweave.orm.events import validates
from tests.orm.model_fixtures import model_fixtures

pytestmark = pytest.mark.backend

STAMP = datetime.datetime(2024, 5, 6, 7, 8, 9)


class Base(DeclarativeBase):
    pass


class EUser(Base):
    __tablename__ = "orme_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime.datetime | None]
    deleted: Mapped[bool] = mapped_column(default=False)
    addresses: Mapped[list[EAddress]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="EAddress.id")

    @validates("email")
    def _check_email(self, key: str, value: Any) -> Any:
        if value is not None and "@" not in value:
            raise ValueError(f"bad {key}: {value!r}")
        return value.lower() if value is not None else None


class EAddress(Base):
    __tablename__ = "orme_address"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("orme_user.id"))
    email: Mapped[str] = mapped_column(String(100))
    user: Mapped[EUser] = relationship(back_populates="addresses")

    @validates("user")
    def _check_user(self, key: str, value: Any) -> Any:
        if value is not None and value.name == "nobody":
            raise ValueError("nobody may not own an address")
        return value


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------


class Recorder:
    """One list of ("sql", verb, statement) and ("ev", name, *args) entries, and clean-up."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.log: list[tuple[Any, ...]] = []
        self._undo: list[tuple[Any, str, Any]] = []
        self.listen(engine, "before_cursor_execute", self._on_sql, retval=True)
        self.listen(engine, "commit", lambda conn: self.log.append(("sql", "COMMIT", "")))
        self.listen(engine, "rollback", lambda conn: self.log.append(("sql", "ROLLBACK", "")))

    def _on_sql(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> Any:
        self.log.append(("sql", statement.split()[0].upper(), statement))
        return statement, parameters

    def listen(self, target: Any, name: str, fn: Any, **kw: Any) -> Any:
        event.listen(target, name, fn, **kw)
        self._undo.append((target, name, fn))
        return fn

    def record(self, target: Any, name: str, **kw: Any) -> None:
        """Listen with a function that logs ("ev", name, *args)."""

        def fn(*args: Any) -> None:
            self.log.append(("ev", name, *args))

        self.listen(target, name, fn, **kw)

    def close(self) -> None:
        for target, name, fn in reversed(self._undo):
            if event.contains(target, name, fn):
                event.remove(target, name, fn)

    def seq(self) -> list[str]:
        """The log as short strings: "INSERT", "ev:before_insert"..."""
        return [e[1] if e[0] == "sql" else f"ev:{e[1]}" for e in self.log]

    def events(self, name: str) -> list[tuple[Any, ...]]:
        return [e[2:] for e in self.log if e[0] == "ev" and e[1] == name]

    def clear(self) -> None:
        self.log.clear()


tables, session = model_fixtures(Base.metadata)


@pytest.fixture
def rec(tables: Any) -> Iterator[Recorder]:
    r = Recorder(tables)
    yield r
    r.close()


def _db_rows(engine: Any, sql_table: Any) -> list[Any]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(sql_table).order_by(sql_table.c.id))]


# ---------------------------------------------------------------------------------------------
# mapper events
# ---------------------------------------------------------------------------------------------


def test_insert_update_delete_order_and_args(session: Session, rec: Recorder) -> None:
    for name in ("before_insert", "after_insert", "before_update", "after_update",
                 "before_delete", "after_delete"):
        rec.record(EUser, name)
    u = EUser(name="ada")
    session.add(u)
    session.flush()
    assert rec.seq() == ["ev:before_insert", "INSERT", "ev:after_insert"]
    mapper, conn, target = rec.events("before_insert")[0]
    assert mapper is inspect(EUser) and target is u and conn is session.connection()
    # after_insert sees the generated primary key
    assert rec.events("after_insert")[0][2].id == u.id and u.id is not None

    rec.clear()
    u.name = "ada2"
    session.flush()
    assert rec.seq() == ["ev:before_update", "UPDATE", "ev:after_update"]
    assert rec.events("after_update")[0][2] is u

    rec.clear()
    session.delete(u)
    session.flush()
    # (the SELECT loads u.addresses for the delete cascade)
    assert rec.seq() == ["SELECT", "ev:before_delete", "DELETE", "ev:after_delete"]
    assert rec.events("before_delete")[0][2] is u
    session.commit()
    assert _db_rows(session.bind, EUser.__table__) == []


def test_before_insert_and_before_update_changes_are_written(session: Session, rec: Recorder
                                                             ) -> None:
    def stamp_insert(mapper: Any, conn: Any, target: Any) -> None:
        rec.log.append(("ev", "before_insert"))
        target.name = target.name.upper()

    def stamp_update(mapper: Any, conn: Any, target: Any) -> None:
        rec.log.append(("ev", "before_update"))
        target.updated_at = STAMP

    rec.listen(EUser, "before_insert", stamp_insert)
    rec.listen(EUser, "before_update", stamp_update)
    u = EUser(name="grace")
    session.add(u)
    session.commit()
    assert rec.seq() == ["ev:before_insert", "INSERT", "COMMIT"]
    rec.clear()
    u.email = "G@X.ORG"
    session.flush()  # (Session.commit() without a begun transaction does not flush yet)
    session.commit()
    # the listener's change travels in the same UPDATE as the user's change
    assert rec.seq() == ["ev:before_update", "UPDATE", "COMMIT"]
    update_sql = [e[2] for e in rec.log if e[1] == "UPDATE"]
    assert len(update_sql) == 1 and "updated_at" in update_sql[0] and "email" in update_sql[0]
    rows = _db_rows(session.bind, EUser.__table__)
    assert [(r[1], r[2], r[3]) for r in rows] == [("GRACE", "g@x.org", STAMP)]


def test_targets_base_propagate_mapper_and_all(session: Session, rec: Recorder) -> None:
    rec.record(Base, "before_insert", propagate=True)
    rec.record(Mapper, "after_insert")
    rec.record(inspect(EAddress), "before_insert")
    calls_no_prop: list[Any] = []
    rec.listen(Base, "before_insert", lambda m, c, t: calls_no_prop.append(t))
    u = EUser(name="x", addresses=[EAddress(email="a@x")])
    session.add(u)
    session.flush()
    targets = [type(e[2]).__name__ for e in rec.events("before_insert")]
    # propagate=True on the base reaches both classes; the mapper-instance listener only EAddress
    assert sorted(targets) == ["EAddress", "EAddress", "EUser"]
    assert sorted(type(e[2]).__name__ for e in rec.events("after_insert")) == ["EAddress", "EUser"]
    assert calls_no_prop == []  # without propagate, the (unmapped) base itself only
    seq = rec.seq()
    assert seq.index("ev:after_insert") > seq.index("INSERT")


def test_listen_before_mapping(engine: Any, metadata: MetaData, rec: Recorder) -> None:
    class Late:
        pass

    rec.record(Late, "before_insert")
    rec.record(Late, "init")
    t = Table("orme_late", metadata, Column("id", Integer, primary_key=True),
              Column("v", String(20)))
    metadata.create_all(engine)
    rec.clear()
    reg = registry()
    reg.map_imperatively(Late, t)
    obj = Late(v="x")  # type: ignore[call-arg]
    assert rec.events("init") == [(obj, (), {"v": "x"})]
    with Session(engine) as s:
        s.add(obj)
        s.commit()
    assert rec.seq() == ["ev:init", "ev:before_insert", "INSERT", "COMMIT"]


def test_configure_events(rec: Recorder) -> None:
    rec.record(Mapper, "before_configured")
    rec.record(Mapper, "after_configured")
    rec.record(Mapper, "mapper_configured")

    class B2(DeclarativeBase):
        pass

    class Cfg(B2):
        __tablename__ = "orme_cfg"
        id: Mapped[int] = mapped_column(primary_key=True)

    configure_mappers()
    seq = rec.seq()
    # other test modules' mappers may be configured in the same run
    assert seq[0] == "ev:before_configured" and seq[-1] == "ev:after_configured"
    assert set(seq[1:-1]) == {"ev:mapper_configured"}
    assert (inspect(Cfg), Cfg) in rec.events("mapper_configured")
    rec.clear()
    configure_mappers()  # nothing new: no events
    assert rec.log == []


# ---------------------------------------------------------------------------------------------
# instance events
# ---------------------------------------------------------------------------------------------


def test_init_and_init_failure(rec: Recorder) -> None:
    def on_init(target: Any, args: Any, kwargs: dict[str, Any]) -> None:
        rec.log.append(("ev", "init", dict(kwargs)))
        kwargs.setdefault("email", "default@x")

    rec.listen(EUser, "init", on_init)
    rec.record(EUser, "init_failure")
    u = EUser(name="a")
    assert u.email == "default@x"  # the listener changed the constructor's kwargs
    with pytest.raises(TypeError, match="bogus"):
        EUser(name="b", bogus=1)
    assert [e[1] for e in rec.log] == ["init", "init", "init_failure"]
    assert rec.events("init_failure")[0][2] == {"name": "b", "bogus": 1, "email": "default@x"}


def test_load_refresh_expire(session: Session, rec: Recorder) -> None:
    session.add(EUser(name="l1"))
    session.commit()
    session.close()
    rec.clear()
    rec.record(EUser, "load")
    rec.record(EUser, "refresh")
    rec.record(EUser, "expire")
    rec.record(session, "loaded_as_persistent")
    u = session.scalars(select(EUser)).one()
    assert rec.seq() == ["SELECT", "ev:load", "ev:loaded_as_persistent"]
    assert rec.events("load")[0][0] is u
    rec.clear()
    session.expire(u, ["name"])
    assert rec.events("expire") == [(u, ["name"])]
    assert u.name == "l1"
    assert rec.seq() == ["ev:expire", "SELECT", "ev:refresh"]
    assert rec.events("refresh")[0][0] is u and rec.events("refresh")[0][2] == ["name"]
    rec.clear()
    session.refresh(u)
    assert rec.seq() == ["ev:expire", "SELECT", "ev:refresh"]
    assert rec.events("expire")[0] == (u, None)
    # a second select of the same row: already in the identity map, no load event
    rec.clear()
    session.scalars(select(EUser)).all()
    assert rec.seq() == ["SELECT"]


# ---------------------------------------------------------------------------------------------
# session events
# ---------------------------------------------------------------------------------------------


def test_flush_events_order_and_before_flush_adds(session: Session, rec: Recorder) -> None:
    def before_flush(sess: Any, ctx: Any, instances: Any) -> None:
        rec.log.append(("ev", "before_flush", list(sess.new)))
        if not any(isinstance(o, EUser) and o.name == "extra" for o in sess.new):
            sess.add(EUser(name="extra"))

    def after_flush(sess: Any, ctx: Any) -> None:
        rec.log.append(("ev", "after_flush", len(sess.new)))

    rec.listen(session, "before_flush", before_flush)
    rec.listen(session, "after_flush", after_flush)
    rec.record(session, "pending_to_persistent")
    rec.record(session, "after_flush_postexec")
    u = EUser(name="main")
    session.add(u)
    session.flush()
    seq = rec.seq()
    assert seq[0] == "ev:before_flush" and seq.count("INSERT") in (1, 2)
    assert seq[-4:] == ["ev:after_flush", "ev:pending_to_persistent",
                        "ev:pending_to_persistent", "ev:after_flush_postexec"]
    assert len(rec.events("before_flush")[0][0]) == 1  # before_flush saw only "main" pending
    names = session.scalars(select(EUser.name).order_by(EUser.name)).all()
    assert names == ["extra", "main"]


def test_transaction_events(session: Session, rec: Recorder) -> None:
    for name in ("after_begin", "before_commit", "after_commit", "after_rollback",
                 "after_soft_rollback", "after_attach", "transient_to_pending",
                 "pending_to_transient", "persistent_to_deleted", "deleted_to_detached",
                 "persistent_to_detached"):
        rec.record(session, name)
    u = EUser(name="t")
    session.add(u)
    assert rec.seq() == ["ev:transient_to_pending", "ev:after_attach"]
    assert rec.events("after_attach") == [(session, u)]
    rec.clear()
    session.commit()
    assert rec.seq() == ["ev:before_commit", "ev:after_begin", "INSERT", "COMMIT",
                         "ev:after_commit"]
    sess, trans, conn = rec.events("after_begin")[0]
    assert sess is session and conn is not None

    rec.clear()
    v = EUser(name="rolled")
    session.add(v)
    session.rollback()
    seq = rec.seq()
    assert seq[:2] == ["ev:transient_to_pending", "ev:after_attach"]
    assert seq[-3:] == ["ev:pending_to_transient", "ev:after_rollback", "ev:after_soft_rollback"]
    assert rec.events("pending_to_transient") == [(session, v)]
    assert inspect(v).transient

    rec.clear()
    session.delete(u)
    session.commit()
    seq = rec.seq()
    assert seq.index("DELETE") < seq.index("ev:persistent_to_deleted") < seq.index("COMMIT")
    assert seq.index("COMMIT") < seq.index("ev:after_commit")
    assert rec.events("deleted_to_detached") == [(session, u)]

    w = EUser(name="w")
    session.add(w)
    session.commit()
    session.get(EUser, w.id)
    rec.clear()
    session.expunge(w)
    assert rec.events("persistent_to_detached") == [(session, w)]


def test_sessionmaker_and_session_class_targets(tables: Any, rec: Recorder) -> None:
    maker = sessionmaker(tables)
    rec.record(maker, "before_commit")
    rec.record(Session, "after_attach")
    s1 = maker()
    s2 = Session(tables)
    try:
        s1.add(EUser(name="m1"))
        s2.add(EUser(name="m2"))
        s1.commit()
        s2.commit()
        # before_commit only for the sessionmaker's session; after_attach for both
        assert [e[0] for e in rec.events("before_commit")] == [s1]
        assert [e[0] for e in rec.events("after_attach")] == [s1, s2]
    finally:
        s1.close()
        s2.close()
        with tables.begin() as conn:
            conn.execute(EUser.__table__.delete())


def test_do_orm_execute_soft_delete(session: Session, rec: Recorder) -> None:
    session.add_all([EUser(name="live"), EUser(name="gone", deleted=True)])
    session.commit()
    rec.clear()

    def soft_delete(state: Any) -> None:
        rec.log.append(("ev", "do_orm_execute", state.is_select))
        if state.is_select and not state.execution_options.get("include_deleted") \
                and inspect(EUser) in state.all_mappers:
            state.statement = state.statement.where(EUser.deleted == False)  # noqa: E712

    rec.listen(session, "do_orm_execute", soft_delete)
    assert [u.name for u in session.scalars(select(EUser))] == ["live"]
    assert rec.seq() == ["ev:do_orm_execute", "SELECT"]
    assert "deleted" in rec.log[1][2]
    everyone = session.scalars(select(EUser).order_by(EUser.name),
                               execution_options={"include_deleted": True}).all()
    assert [u.name for u in everyone] == ["gone", "live"]


def test_do_orm_execute_replaces_result(session: Session, rec: Recorder) -> None:
    session.add(EUser(name="cached"))
    session.commit()
    rec.clear()
    cache: dict[str, Any] = {}

    def caching(state: Any) -> Any:
        if not state.is_select:
            return None
        key = str(state.statement)
        if key not in cache:
            cache[key] = state.invoke_statement().all()
        rec.log.append(("ev", "do_orm_execute"))
        from sqlweave.core.engine.result import IteratorResult, ResultMetaData

        return IteratorResult(ResultMetaData(["EUser"]), list(cache[key]))

    rec.listen(session, "do_orm_execute", caching)
    first = session.execute(select(EUser)).all()
    second = session.execute(select(EUser)).all()
    assert rec.seq() == ["SELECT", "ev:do_orm_execute", "ev:do_orm_execute"]
    assert first[0][0].name == "cached" and second[0][0] is first[0][0]


# ---------------------------------------------------------------------------------------------
# attribute events and validates()
# ---------------------------------------------------------------------------------------------


def test_attribute_set_retval_and_oldvalue(session: Session, rec: Recorder) -> None:
    def on_set(target: Any, value: Any, oldvalue: Any, initiator: Any) -> Any:
        rec.log.append(("ev", "set", value, oldvalue, initiator.key))
        return value.strip()

    rec.listen(EUser.name, "set", on_set, retval=True)
    u = EUser(name="  pad  ")
    assert u.name == "pad"
    session.add(u)
    session.commit()
    assert rec.events("set")[0] == ("  pad  ", rec.events("set")[0][1], "name")
    assert repr(rec.events("set")[0][1]) == "NO_VALUE"  # transient: no old value
    rec.clear()
    u.name = " b "  # expired after commit, no active_history: the old value is not loaded
    assert rec.seq() == ["ev:set"]
    assert repr(rec.events("set")[0][1]) == "NO_VALUE"
    session.flush()
    session.commit()
    assert _db_rows(session.bind, EUser.__table__)[0][1] == "b"


def test_attribute_active_history(session: Session, rec: Recorder) -> None:
    session.add(EUser(name="old"))
    session.commit()
    u = session.scalars(select(EUser)).one()
    session.expire(u, ["name"])
    rec.clear()
    rec.record(EUser.name, "set", active_history=True)
    u.name = "new"
    # active_history loads the expired value before the listener runs
    assert rec.seq() == ["SELECT", "ev:set"]
    assert rec.events("set")[0][1:3] == ("new", "old")


def test_collection_append_remove_and_init_scalar_modified(session: Session, rec: Recorder
                                                          ) -> None:
    def on_append(target: Any, value: Any, initiator: Any) -> Any:
        rec.log.append(("ev", "append", value.email))
        value.email = value.email.lower()
        return value

    rec.listen(EUser.addresses, "append", on_append, retval=True)
    rec.record(EUser.addresses, "remove")

    def on_init_scalar(target: Any, value: Any, dict_: dict[str, Any]) -> Any:
        dict_["name"] = "anon"
        return "anon"

    rec.listen(EUser.name, "init_scalar", on_init_scalar, retval=True)
    rec.record(EUser.email, "modified")
    u = EUser()
    assert u.name == "anon"  # init_scalar gave a default, stored, so it is inserted
    a1, a2 = EAddress(email="A@X"), EAddress(email="B@X")
    u.addresses.append(a1)
    u.addresses.append(a2)
    u.addresses.remove(a1)
    assert [e[1] for e in rec.log] == ["append", "append", "remove"]
    assert rec.events("remove")[0][1] is a1 and a2.email == "b@x"
    u.email = "m@x"
    flag_modified(u, "email")
    assert rec.events("modified")[0][0] is u
    session.add(u)
    session.commit()
    assert [r[1] for r in _db_rows(session.bind, EUser.__table__)] == ["anon"]
    assert [r[2] for r in _db_rows(session.bind, EAddress.__table__)] == ["b@x"]


def test_validates_rejects_and_session_recovers(session: Session, rec: Recorder) -> None:
    u = EUser(name="v", email="V@X.ORG")
    assert u.email == "v@x.org"  # the validator's return value is stored
    session.add(u)
    session.flush()
    with pytest.raises(ValueError, match="bad email: 'nope'"):
        u.email = "nope"
    assert u.email == "v@x.org"  # rejected value not applied
    nobody = EUser(name="nobody")
    with pytest.raises(ValueError, match="nobody may not own"):
        EAddress(email="e@x", user=nobody)
    session.rollback()
    session.add(EUser(name="after", email="ok@x"))
    session.commit()
    assert [(r[1], r[2]) for r in _db_rows(session.bind, EUser.__table__)] == [("after", "ok@x")]


def test_listener_error_in_flush_needs_rollback(session: Session, rec: Recorder) -> None:
    def boom(mapper: Any, conn: Any, target: Any) -> None:
        raise RuntimeError("listener says no")

    rec.listen(EUser, "before_update", boom)
    u = EUser(name="e")
    session.add(u)
    session.commit()
    u.name = "e2"
    with pytest.raises(RuntimeError, match="listener says no") as info:
        session.flush()
    assert info.traceback[-1].name == "boom"  # the listener's own frame
    with pytest.raises(sa_exc.PendingRollbackError):
        session.execute(select(EUser)).all()
    session.rollback()
    event.remove(EUser, "before_update", boom)
    assert session.scalars(select(EUser.name)).all() == ["e"]


def test_once_and_remove(session: Session, rec: Recorder) -> None:
    calls: list[Any] = []
    fn = rec.listen(EUser, "before_insert", lambda m, c, t: calls.append(t.name), once=True)
    session.add_all([EUser(name="o1"), EUser(name="o2")])
    session.flush()
    assert calls == ["o1"]
    assert event.contains(EUser, "before_insert", fn)
    event.remove(EUser, "before_insert", fn)
    assert not event.contains(EUser, "before_insert", fn)
    with pytest.raises(sa_exc.InvalidRequestError, match="No such event 'before_flushh'"):
        event.listen(session, "before_flushh", fn)


def test_do_orm_execute_soft_delete_with_loader_criteria(session: Session, rec: Recorder) -> None:
    from sqlweave.orm import with_loader_criteria

    u = EUser(name="owner", addresses=[EAddress(email="a@x")])
    session.add_all([u, EUser(name="hidden", deleted=True)])
    session.commit()
    rec.clear()

    def soft_delete(state: Any) -> None:
        rec.log.append(("ev", "do_orm_execute"))
        if state.is_select and not state.execution_options.get("include_deleted"):
            state.statement = state.statement.options(
                with_loader_criteria(EUser, lambda cls: cls.deleted == False))  # noqa: E712

    rec.listen(session, "do_orm_execute", soft_delete)
    assert [x.name for x in session.scalars(select(EUser))] == ["owner"]
    assert rec.seq() == ["ev:do_orm_execute", "SELECT"]
    assert "deleted" in rec.log[1][2]
    assert len(session.scalars(select(EUser), execution_options={"include_deleted": True})
               .all()) == 2


def test_do_orm_execute_sees_relationship_loads(session: Session, rec: Recorder) -> None:
    from sqlweave.orm import selectinload, with_loader_criteria

    session.add_all([EUser(name="a", addresses=[EAddress(email="a1@x"), EAddress(email="old@x")]),
                     EUser(name="b", addresses=[EAddress(email="b1@x")])])
    session.commit()
    session.expunge_all()
    seen: list[tuple[bool, bool]] = []

    def hide_old(state: Any) -> None:
        seen.append((state.is_select, state.is_relationship_load))
        if state.is_select:  # applies to relationship loads too: they come through here
            state.statement = state.statement.options(
                with_loader_criteria(EAddress, lambda cls: cls.email != "old@x"))

    rec.listen(session, "do_orm_execute", hide_old)
    rec.clear()
    a = session.scalars(select(EUser).where(EUser.name == "a")).one()
    assert [x.email for x in a.addresses] == ["a1@x"]  # lazy load: the listener's criteria apply
    assert seen == [(True, False), (True, True)]
    assert rec.seq() == ["SELECT", "SELECT"]
    session.expunge_all()
    seen.clear()
    users = session.scalars(select(EUser).options(selectinload(EUser.addresses)).order_by(EUser.id)).all()
    assert [[x.email for x in u.addresses] for u in users] == [["a1@x"], ["b1@x"]]
    assert seen == [(True, False), (True, True)]  # the selectin load is a relationship load
