"""ORM querying and loading against the backend under test: rows and statement counts."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import ForeignKey, String, delete, func, insert, select, update
from sqlweave.core import exc as sa_exc
from sqlweave.orm import (
    DeclarativeBase,
    Load,
    Mapped,
    Session,
    aliased,
    contains_eager,
    defaultload,
    defer,
    immediateload,
    joinedload,
    lazyload,
    load_only,
    mapped_column,
    noload,
    raiseload,
    relationship,
    scoped_session,
    selectinload,
    sessionmaker,
    subqueryload,
    undefer,
    with_loader_criteria,
    with_parent,
)
from sqlweave.orm import exc as orm_exc

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class QUser(Base):
    __tablename__ = "ormq_user"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(50))
    bio: Mapped[str | None] = mapped_column(String(50), deferred=True)
    addresses: Mapped[list[QAddress]] = relationship(back_populates="user", order_by="QAddress.id")
    orders: Mapped[list[QOrder]] = relationship(back_populates="user", order_by="QOrder.id")


class QAddress(Base):
    __tablename__ = "ormq_address"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    email: Mapped[str] = mapped_column(String(50))
    deleted: Mapped[bool] = mapped_column(default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ormq_user.id"))
    user: Mapped[QUser | None] = relationship(back_populates="addresses")


class QOrder(Base):
    __tablename__ = "ormq_order"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("ormq_user.id"))
    user: Mapped[QUser] = relationship(back_populates="orders")
    items: Mapped[list[QItem]] = relationship(order_by="QItem.id")


class QItem(Base):
    __tablename__ = "ormq_item"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    order_id: Mapped[int] = mapped_column(ForeignKey("ormq_order.id"))
    sku: Mapped[str] = mapped_column(String(20))


class QNode(Base):
    __tablename__ = "ormq_node"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("ormq_node.id"))
    name: Mapped[str] = mapped_column(String(20))


@pytest.fixture(scope="module")
def tables(engine: Any) -> Iterator[Any]:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)


def _seed(engine: Any, users: int = 100, per: int = 10) -> None:
    with engine.begin() as conn:
        for t in reversed(Base.metadata.sorted_tables):
            conn.execute(t.delete())
        conn.execute(insert(QUser.__table__), [{"id": i, "name": f"u{i:03d}", "bio": f"bio{i}"}
                                               for i in range(1, users + 1)])
        if per:
            conn.execute(insert(QAddress.__table__), [
                {"id": i * 100 + j, "email": f"{i}-{j}@x", "user_id": i, "deleted": j == 0}
                for i in range(1, users + 1) for j in range(per)])
            conn.execute(insert(QOrder.__table__), [{"id": i, "user_id": i} for i in range(1, users + 1)])
            conn.execute(insert(QItem.__table__), [{"id": i * 10 + j, "order_id": i, "sku": f"s{i}-{j}"}
                                                   for i in range(1, users + 1) for j in range(3)])


@pytest.fixture(scope="module")
def big(tables: Any) -> Any:
    """100 users x 10 addresses (read-only tests share it)."""
    _seed(tables)
    return tables


@pytest.fixture
def session(big: Any) -> Iterator[Session]:
    s = Session(big, n_plus_one=None)
    yield s
    s.close()


@pytest.fixture
def small(tables: Any) -> Iterator[Session]:
    """5 users x 3 addresses, for tests that write."""
    _seed(tables, 5, 3)
    s = Session(tables, n_plus_one=None)
    yield s
    s.close()
    _seed(tables)


# -- query forms ------------------------------------------------------------------------------

def test_entity_pairs_and_aggregates(session: Session, counter: Any) -> None:
    counter.reset()
    rows = session.execute(select(QUser, QAddress).join(QUser.addresses)
                           .where(QUser.id <= 2).order_by(QAddress.id)).all()
    assert counter.count == 1 and len(rows) == 20
    assert rows[0][0] is rows[9][0] and rows[0][1].email == "1-0@x"
    counts = session.execute(
        select(QUser.name, func.count(QAddress.id)).join(QUser.addresses)
        .where(QUser.id.in_([1, 2])).group_by(QUser.name).order_by(QUser.name)).all()
    assert [tuple(r) for r in counts] == [("u001", 10), ("u002", 10)]
    explicit = session.scalars(select(QAddress).join(QUser, QUser.id == QAddress.user_id)
                               .where(QUser.name == "u003").order_by(QAddress.id)).all()
    assert [a.id for a in explicit] == list(range(300, 310))
    having = session.execute(select(QUser.id).join(QUser.addresses).group_by(QUser.id)
                             .having(func.count(QAddress.id) > 5).order_by(QUser.id).limit(3).offset(1)).all()
    assert [r[0] for r in having] == [2, 3, 4]
    assert session.scalar(select(func.count()).select_from(QUser)) == 100
    assert session.scalars(select(QUser.name).distinct().where(QUser.id < 3).order_by(QUser.name)).all() == \
        ["u001", "u002"]
    assert session.scalars(select(QUser).filter_by(name="u007")).one().id == 7


def test_row_mapping_by_entity_attribute_and_expression(session: Session) -> None:
    ua = aliased(QUser)
    n = func.count(QAddress.id).label("n")
    row = session.execute(select(QUser, ua.name, QUser.name, n).join(ua, ua.id == QUser.id + 1)
                          .join(QUser.addresses).where(QUser.id == 1).group_by(QUser.id, ua.name)).one()
    m = row._mapping
    assert m[QUser] is session.get(QUser, 1) and m["QUser"] is m[QUser]
    assert m[ua.name] == "u002" and m[QUser.name] == "u001"  # same key "name", told apart by attribute
    assert m[QUser.__table__.c.name] == "u001"
    assert m[n] == 10 and row.n == 10
    with pytest.raises(KeyError):
        m[QAddress.email]


def test_outerjoin(session: Session) -> None:
    session.add(QUser(id=500, name="lonely"))
    rows = session.execute(select(QUser.name, QAddress.id).outerjoin(QUser.addresses)
                           .where(QUser.id.in_([1, 500])).order_by(QUser.id, QAddress.id)).all()
    assert len(rows) == 11 and tuple(rows[-1]) == ("lonely", None)
    session.rollback()


def test_aliased(session: Session) -> None:
    ua = aliased(QUser)
    rows = session.execute(select(QUser, ua).join(ua, ua.id == QUser.id + 1)
                           .where(QUser.id < 3).order_by(QUser.id)).all()
    assert [(a.id, b.id) for a, b in rows] == [(1, 2), (2, 3)]
    assert rows[0][1] is session.get(QUser, 2)
    aa = aliased(QAddress)
    names = session.scalars(select(QUser.name).join(aa, QUser.addresses).where(aa.email == "4-2@x")).all()
    assert names == ["u004"]
    via_rel = session.scalars(select(aa.email).select_from(ua).join(ua.addresses.of_type(aa))
                              .where(ua.id == 5).order_by(aa.id)).all()
    assert via_rel[:2] == ["5-0@x", "5-1@x"]
    sub = select(QUser).where(QUser.id > 97).subquery()
    us = aliased(QUser, sub)
    got = session.scalars(select(us).order_by(us.id)).all()
    assert [u.id for u in got] == [98, 99, 100] and got[0] is session.get(QUser, 98)
    cte = select(QUser).where(QUser.id <= 2).cte("few")
    uc = aliased(QUser, cte)
    assert [u.name for u in session.scalars(select(uc).order_by(uc.id))] == ["u001", "u002"]


def test_exists_and_relationship_comparisons(session: Session) -> None:
    got = session.scalars(select(QUser).where(QUser.addresses.any(QAddress.email == "9-9@x"))).all()
    assert [u.id for u in got] == [9]
    none = session.scalars(select(QUser).where(~QUser.addresses.any()).where(QUser.id < 5)).all()
    assert none == []
    has = session.scalars(select(QAddress.id).where(QAddress.user.has(QUser.name == "u002"))
                          .order_by(QAddress.id)).all()
    assert has == list(range(200, 210))
    u = session.get(QUser, 3)
    assert session.scalar(select(func.count()).select_from(QAddress).where(QAddress.user == u)) == 10
    assert session.scalar(select(func.count()).select_from(QAddress).where(QAddress.user != u)) == 990
    a = session.get(QAddress, 305)
    assert session.scalars(select(QUser).where(QUser.addresses.contains(a))).one() is u
    assert session.scalar(select(func.count()).select_from(QAddress).where(with_parent(u, QUser.addresses))) == 10
    assert session.scalars(select(QUser).where(with_parent(a, QAddress.user))).one() is u
    assert session.scalar(select(select(QUser.id).where(QUser.id == 1).exists())) in (True, 1)


def test_unique_required_for_joined_collections(session: Session, counter: Any) -> None:
    stmt = select(QUser).options(joinedload(QUser.addresses)).where(QUser.id <= 3).order_by(QUser.id)
    with pytest.raises(sa_exc.InvalidRequestError, match="unique"):
        session.scalars(stmt).all()
    counter.reset()
    users = session.scalars(stmt).unique().all()
    assert [u.id for u in users] == [1, 2, 3] and counter.count == 1
    assert [len(u.addresses) for u in users] == [10, 10, 10] and counter.count == 1
    rows = session.execute(stmt).unique().all()
    assert len(rows) == 3
    # legacy Query de-duplicates by itself
    assert len(session.query(QUser).options(joinedload(QUser.addresses)).filter(QUser.id <= 3).all()) == 3


# -- loading: statement counts for 100 parents x 10 children ---------------------------------

def _all_users(session: Session, *opts: Any) -> list[QUser]:
    return session.scalars(select(QUser).options(*opts).order_by(QUser.id)).unique().all()


@pytest.mark.parametrize("opt, expected", [
    (lazyload(QUser.addresses), 101),
    (selectinload(QUser.addresses), 2),
    (subqueryload(QUser.addresses), 2),
    (joinedload(QUser.addresses), 1),
    (immediateload(QUser.addresses), 101),
])
def test_strategy_counts(session: Session, counter: Any, opt: Any, expected: int) -> None:
    counter.reset()
    users = _all_users(session, opt)
    assert len(users) == 100
    assert sum(len(u.addresses) for u in users) == 1000
    assert users[41].addresses[3].email == "42-3@x"
    assert counter.count == expected
    counter.reset()
    assert all(a.user is u for u in users for a in u.addresses)  # many-to-one from identity map
    assert counter.count == 0


def test_selectin_batches_and_many_to_one(session: Session, counter: Any, tables: Any) -> None:
    counter.reset()
    addrs = session.scalars(select(QAddress).options(selectinload(QAddress.user)).order_by(QAddress.id)).all()
    assert len(addrs) == 1000 and counter.count == 2  # 100 distinct users: one IN query
    assert addrs[-1].user.name == "u100"
    session.expunge_all()
    counter.reset()
    session.scalars(select(QUser).where(QUser.id <= 10)).all()
    addrs = session.scalars(select(QAddress).options(selectinload(QAddress.user))).all()
    assert counter.count == 3
    in_sql = counter.statements[-1]
    assert in_sql.count(",") < 150  # users 1..10 were skipped (already in the identity map)
    assert {a.user.id for a in addrs} == set(range(1, 101))
    # more than 500 parents: one IN query per batch of 500
    session.expunge_all()
    counter.reset()
    addrs = session.scalars(select(QAddress).options(selectinload(QAddress.user).selectinload(QUser.orders))).all()
    assert counter.count == 3
    counter.reset()
    addrs2 = session.scalars(select(QAddress).options(noload(QAddress.user))).all()
    assert counter.count == 1 and addrs2[0].user is addrs[0].user  # identity map keeps loaded attrs


def test_chained_options(session: Session, counter: Any) -> None:
    counter.reset()
    users = _all_users(session, selectinload(QUser.orders).joinedload(QOrder.items))
    assert counter.count == 2
    assert [i.sku for i in users[0].orders[0].items] == ["s1-0", "s1-1", "s1-2"]
    assert counter.count == 2
    session.expunge_all()
    counter.reset()
    users = _all_users(session, joinedload(QUser.orders).joinedload(QOrder.items))
    assert counter.count == 1 and len(users[99].orders[0].items) == 3 and counter.count == 1
    session.expunge_all()
    counter.reset()
    users = _all_users(session, joinedload(QUser.orders).selectinload(QOrder.items))
    assert counter.count == 2 and users[5].orders[0].items[2].sku == "s6-2" and counter.count == 2
    session.expunge_all()
    counter.reset()
    users = _all_users(session, Load(QUser).selectinload(QUser.orders).selectinload(QOrder.items),
                       defaultload(QUser.addresses).raiseload("*"))
    assert counter.count == 3 and users[0].orders[0].items[0].sku == "s1-0"
    session.expunge_all()
    counter.reset()
    users = _all_users(session, joinedload(QUser.addresses, innerjoin=True))
    assert "JOIN" in counter.statements[0] and "LEFT OUTER" not in counter.statements[0]
    assert len(users) == 100


def test_raiseload_wildcard_defer(session: Session, counter: Any) -> None:
    u = session.scalars(select(QUser).options(raiseload("*")).where(QUser.id == 1)).one()
    with pytest.raises(sa_exc.InvalidRequestError, match="QUser.addresses"):
        u.addresses
    with pytest.raises(sa_exc.InvalidRequestError, match="QUser.orders"):
        u.orders
    session.expunge_all()
    u = session.scalars(select(QUser).options(raiseload(QUser.addresses)).where(QUser.id == 1)).one()
    assert len(u.orders) == 1
    session.expunge_all()
    counter.reset()
    u = session.scalars(select(QUser).where(QUser.id == 2)).one()
    assert "bio" not in u.__dict__ and u.bio == "bio2" and counter.count == 2
    session.expunge_all()
    u = session.scalars(select(QUser).options(undefer(QUser.bio)).where(QUser.id == 2)).one()
    assert u.__dict__["bio"] == "bio2"
    session.expunge_all()
    u = session.scalars(select(QUser).options(load_only(QUser.id)).where(QUser.id == 2)).one()
    assert "name" not in u.__dict__ and u.name == "u002"
    session.expunge_all()
    u = session.scalars(select(QUser).options(defer(QUser.name)).where(QUser.id == 2)).one()
    assert "name" not in u.__dict__


def test_contains_eager(session: Session, counter: Any) -> None:
    counter.reset()
    stmt = (select(QUser).join(QUser.addresses).where(QAddress.email.like("7-%"))
            .options(contains_eager(QUser.addresses)).order_by(QAddress.id))
    users = session.scalars(stmt).unique().all()
    assert [u.id for u in users] == [7] and len(users[0].addresses) == 10 and counter.count == 1
    session.expunge_all()
    aa = aliased(QAddress)
    stmt = (select(QUser).join(aa, QUser.addresses).where(aa.id == 803)
            .options(contains_eager(QUser.addresses, alias=aa)))
    u = session.scalars(stmt).unique().one()
    assert [a.id for a in u.addresses] == [803]


def test_with_loader_criteria(session: Session, counter: Any) -> None:
    crit = with_loader_criteria(QAddress, lambda cls: cls.deleted == False)  # noqa: E712
    got = session.scalars(select(QAddress).where(QAddress.user_id == 1).options(crit)).all()
    assert len(got) == 9 and all(not a.deleted for a in got)
    u = session.scalars(select(QUser).where(QUser.id == 2).options(crit)).one()
    assert len(u.addresses) == 9  # the lazy load carries the criteria
    session.expunge_all()
    users = _all_users(session, selectinload(QUser.addresses), crit)
    assert sum(len(u.addresses) for u in users) == 900
    session.expunge_all()
    users = _all_users(session, joinedload(QUser.addresses), crit)
    assert sum(len(u.addresses) for u in users) == 900
    n = session.scalar(select(func.count(QAddress.id)).select_from(QUser).join(QUser.addresses).options(crit))
    assert n == 900


def test_identity_map_and_populate_existing(session: Session, counter: Any) -> None:
    u = session.get(QUser, 1)
    u.name = "changed"
    with session.no_autoflush:
        again = session.scalars(select(QUser).where(QUser.id == 1)).one()
    assert again is u and u.name == "changed"
    counter.reset()
    found = session.scalars(select(QUser).where(QUser.name == "changed")).one()  # autoflush first
    assert found is u and counter.count == 2
    session.connection().execute(update(QUser.__table__).where(QUser.__table__.c.id == 2).values(name="db"))
    u2 = session.get(QUser, 2)
    u2b = session.scalars(select(QUser).where(QUser.id == 2)).one()
    assert u2b.name == "db"
    session.connection().execute(update(QUser.__table__).where(QUser.__table__.c.id == 2).values(name="db2"))
    assert session.scalars(select(QUser).where(QUser.id == 2)).one().name == "db"
    got = session.scalars(select(QUser).where(QUser.id == 2).execution_options(populate_existing=True)).one()
    assert got is u2 and got.name == "db2"
    session.rollback()


def test_yield_per(session: Session, counter: Any) -> None:
    counter.reset()
    res = session.scalars(select(QUser).options(selectinload(QUser.addresses)).order_by(QUser.id)
                          .execution_options(yield_per=25))
    seen = 0
    for part in res.partitions():
        assert len(part) == 25
        assert all(len(u.addresses) == 10 for u in part)
        seen += len(part)
        del part
    assert seen == 100 and counter.count == 1 + 4  # one selectin query per batch
    gc.collect()
    assert len(session.identity_map) < 1100
    with pytest.raises(sa_exc.InvalidRequestError, match="yield_per"):
        session.scalars(select(QUser).options(joinedload(QUser.addresses)).execution_options(yield_per=5))


def test_scoped_session(big: Any) -> None:
    Scoped = scoped_session(sessionmaker(big))
    s1 = Scoped()
    assert Scoped() is s1 and Scoped.get(QUser, 3).name == "u003"
    Scoped.remove()
    assert Scoped() is not s1
    Scoped.remove()


# -- legacy Query -----------------------------------------------------------------------------

def test_legacy_query(session: Session, counter: Any) -> None:
    q = session.query(QUser).filter(QUser.id <= 20)
    assert q.count() == 20
    assert [u.id for u in q.order_by(QUser.id.desc()).limit(3)] == [20, 19, 18]
    assert [u.id for u in q.order_by(QUser.id)[2:5]] == [3, 4, 5]
    assert q.order_by(QUser.id)[4].id == 5
    assert q.filter_by(name="u010").one().id == 10
    assert q.filter_by(name="nope").one_or_none() is None
    assert q.filter_by(name="nope").first() is None
    with pytest.raises(sa_exc.MultipleResultsFound):
        q.one()
    with pytest.raises(sa_exc.NoResultFound):
        q.filter_by(name="nope").one()
    assert session.query(func.count(QUser.id)).scalar() == 100
    assert session.query(q.filter(QUser.id == 5).exists()).scalar() in (True, 1)
    rows = (session.query(QUser.name, func.count(QAddress.id)).join(QUser.addresses)
            .group_by(QUser.name).having(func.count(QAddress.id) == 10).order_by(QUser.name).offset(1).limit(2).all())
    assert [tuple(r) for r in rows] == [("u002", 10), ("u003", 10)]
    assert session.query(QUser).outerjoin(QUser.orders).filter(QOrder.id.is_(None)).count() == 0
    assert session.query(QUser.id).distinct().join(QUser.addresses).count() == 100
    assert [r[0] for r in q.with_entities(QUser.name).order_by(QUser.id).limit(2)] == ["u001", "u002"]
    sub = session.query(QAddress.user_id).filter(QAddress.email == "3-3@x").subquery()
    assert session.query(QUser).filter(QUser.id.in_(select(sub.c.user_id))).one().id == 3
    counter.reset()
    users = session.query(QUser).options(selectinload(QUser.addresses)).filter(QUser.id < 11).all()
    assert len(users) == 10 and sum(len(u.addresses) for u in users) == 100 and counter.count == 2


# -- ORM-enabled DML ----------------------------------------------------------------------------

def test_bulk_insert_and_update(small: Session, counter: Any) -> None:
    s = small
    counter.reset()
    s.execute(insert(QUser), [{"id": 100 + i, "name": f"bulk{i}"} for i in range(20)])
    assert counter.count <= 2  # one executemany (the driver may batch it)
    assert s.scalar(select(func.count()).select_from(QUser).where(QUser.id >= 100)) == 20
    u = s.get(QUser, 101)
    counter.reset()
    s.execute(update(QUser), [{"id": 100 + i, "name": f"upd{i}"} for i in range(20)])
    assert counter.count <= 2 and u.name == "upd1"
    assert s.scalars(select(QUser.name).where(QUser.id == 119)).one() == "upd19"
    with pytest.raises(sa_exc.InvalidRequestError, match="primary key"):
        s.execute(update(QUser), [{"name": "x"}])


@pytest.mark.parametrize("sync", ["auto", "evaluate", "fetch", False])
def test_update_delete_synchronize(small: Session, sync: Any) -> None:
    s = small
    users = s.scalars(select(QUser).order_by(QUser.id)).all()
    res = s.execute(update(QUser).where(QUser.id <= 2).values(name="renamed")
                    .execution_options(synchronize_session=sync))
    assert res.rowcount == 2
    assert sorted(s.scalars(select(QUser.name).where(QUser.name == "renamed")).all()) == ["renamed"] * 2
    if sync is False:
        assert users[0].__dict__["name"] == "u001"
    else:
        assert users[0].name == "renamed" and users[2].name == "u003"
    addrs = s.scalars(select(QAddress).where(QAddress.user_id == 5)).all()
    res = s.execute(delete(QAddress).where(QAddress.user_id == 5).execution_options(synchronize_session=sync))
    assert res.rowcount == 3
    assert s.scalar(select(func.count()).select_from(QAddress)) == 12
    if sync is not False:
        assert all(a not in s for a in addrs)
    s.commit()


def test_sync_auto_falls_back_to_fetch(small: Session) -> None:
    s = small
    u = s.get(QUser, 3)
    crit = QUser.id.in_(select(QAddress.user_id).where(QAddress.email == "3-1@x"))
    with pytest.raises(sa_exc.InvalidRequestError):
        s.execute(update(QUser).where(crit).values(name="x").execution_options(synchronize_session="evaluate"))
    s.execute(update(QUser).where(crit).values(name="sub").execution_options(synchronize_session="auto"))
    assert u.name == "sub"
    assert s.query(QUser).filter(QUser.id >= 4).update({QUser.name: "q"}) == 2
    assert s.get(QUser, 4).name == "q"
    assert s.query(QAddress).filter(QAddress.user_id == 4).delete(synchronize_session="fetch") == 3
    assert s.query(QAddress).count() == 12


# -- N+1 detection ----------------------------------------------------------------------------

def _n1_users(engine: Any, mode: Any, *opts: Any) -> tuple[Session, list[QUser]]:
    s = Session(engine, n_plus_one=mode)
    return s, s.scalars(select(QUser).options(*opts).where(QUser.id <= 50).order_by(QUser.id)).all()


def test_n_plus_one_warns_once(big: Any, counter: Any) -> None:
    s, users = _n1_users(big, "warn")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        for u in users:
            assert len(u.addresses) == 10
    n1 = [x for x in w if issubclass(x.category, orm_exc.NPlusOneWarning)]
    assert len(n1) == 1
    msg = str(n1[0].message)
    assert "QUser.addresses" in msg and "selectinload(QUser.addresses)" in msg and "50" in msg
    s.close()
    s, users = _n1_users(big, "warn", selectinload(QUser.addresses))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        for u in users:
            assert len(u.addresses) == 10
    assert not [x for x in w if issubclass(x.category, orm_exc.NPlusOneWarning)]
    s.close()


def test_n_plus_one_raise_and_off(big: Any) -> None:
    s, users = _n1_users(big, "raise")
    users[0].addresses
    with pytest.raises(orm_exc.NPlusOneError, match="QUser.addresses"):
        users[1].addresses
    s.close()
    s, users = _n1_users(big, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sum(len(u.addresses) for u in users) == 500
    s.close()
    # one object per result is not N+1; default under pytest is "warn"
    assert Session(big).n_plus_one == "warn"
    assert sessionmaker(big, n_plus_one="raise")().n_plus_one == "raise"
    with pytest.raises(sa_exc.ArgumentError):
        Session(big, n_plus_one="loud")
