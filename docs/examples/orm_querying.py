"""docs/orm/querying.md: select() over mapped classes, joins, subqueries, ORM DML, legacy Query."""

from __future__ import annotations

from orm_shop import Address, Item, Order, User, count_statements, finish, make_engine, seed
from sqlweave.core import delete, func, insert, select, update
from sqlweave.core import exc as sa_exc
from sqlweave.orm import Session, aliased, joinedload, with_parent

engine = make_engine()
with Session(engine) as setup:
    seed(setup)  # users u1, u2, u3; two addresses and two orders each

session = Session(engine)

# [entities]
users = session.scalars(select(User).order_by(User.id)).all()  # objects
assert [u.name for u in users] == ["u1", "u2", "u3"]

u2 = session.scalars(select(User).filter_by(name="u2")).one()  # keyword equality
assert u2 is users[1]  # one object per row: the identity map

row = session.execute(select(User, Address).join(User.addresses).order_by(Address.id)).first()
assert row is not None
user, address = row  # a Row holds one object per entity
assert (user.name, address.email) == ("u1", "u1@home.example")

names = session.execute(select(User.id, User.name).where(User.id > 1).order_by(User.id)).all()
assert [tuple(r) for r in names] == [(2, "u2"), (3, "u3")]  # columns give plain values

assert session.scalar(select(func.count()).select_from(User)) == 3
# [/entities]

# [joins]
# along a relationship: the ON clause comes from the foreign key
emails = session.scalars(
    select(Address.email).join(Address.user).where(User.name == "u3").order_by(Address.id)
).all()
assert emails == ["u3@home.example", "u3@work.example"]

# with an explicit ON clause
same = session.scalars(
    select(Address.email).join(User, User.id == Address.user_id).where(User.name == "u3")
).all()
assert sorted(same) == emails

# a chain through the many-to-many: who ordered sku-3?
buyers = session.scalars(
    select(User.name).join(User.orders).join(Order.items).where(Item.sku == "sku-3").distinct()
    .order_by(User.name)
).all()
assert buyers == ["u1", "u2", "u3"]

# LEFT OUTER JOIN keeps users without addresses
session.add(User(name="nobody"))
rows = session.execute(
    select(User.name, Address.email).outerjoin(User.addresses).where(User.name == "nobody")
).all()  # autoflush wrote the new user first
assert [tuple(r) for r in rows] == [("nobody", None)]
# [/joins]

# [aliased]
home, work = aliased(Address), aliased(Address)
pairs = session.execute(
    select(User.name, home.email, work.email)
    .join(home, User.addresses).join(work, User.addresses)
    .where(home.email.like("%@home.example"), work.email.like("%@work.example"))
    .order_by(User.name)
).all()
assert tuple(pairs[0]) == ("u1", "u1@home.example", "u1@work.example")
# [/aliased]

# [any-has]
# EXISTS through a relationship: users with an address at "work"
with_work = session.scalars(
    select(User.name).where(User.addresses.any(Address.email.like("%@work.example"))).order_by(User.name)
).all()
assert with_work == ["u1", "u2", "u3"]

without = session.scalars(select(User.name).where(~User.addresses.any())).all()
assert without == ["nobody"]

# and from the many-to-one side
of_u1 = session.scalars(select(Address.email).where(Address.user.has(User.name == "u1"))).all()
assert len(of_u1) == 2

# comparing a relationship to an object, and with_parent()
u1 = session.get(User, 1)
assert session.scalar(select(func.count()).select_from(Address).where(Address.user == u1)) == 2
assert session.scalar(select(func.count()).select_from(Order).where(with_parent(u1, User.orders))) == 2
# [/any-has]

# [group-by]
order_counts = session.execute(
    select(User.name, func.count(Order.id).label("n_orders"))
    .outerjoin(User.orders)
    .group_by(User.name)
    .having(func.count(Order.id) < 5)
    .order_by(User.name)
).all()
assert [(r.name, r.n_orders) for r in order_counts] == [
    ("nobody", 0), ("u1", 2), ("u2", 2), ("u3", 2)]

# how often each item was ordered, most popular first
popular = session.execute(
    select(Item.sku, func.count(Order.id).label("times"))
    .join(Item.orders).group_by(Item.sku).order_by(func.count(Order.id).desc(), Item.sku).limit(2)
).all()
assert [tuple(r) for r in popular] == [("sku-2", 6), ("sku-1", 3)]
# [/group-by]

# [subqueries]
# a subquery of an entity, used as that entity through aliased()
recent = select(Order).where(Order.id > 4).subquery()
recent_order = aliased(Order, recent)
got = session.scalars(select(recent_order).order_by(recent_order.id)).all()
assert [o.id for o in got] == [5, 6] and got[0] is session.get(Order, 5)

# a CTE that counts orders per user, joined back to User
per_user = (
    select(Order.user_id, func.count(Order.id).label("n")).group_by(Order.user_id).cte("per_user")
)
busy = session.execute(
    select(User.name, per_user.c.n).join(per_user, per_user.c.user_id == User.id).order_by(User.name)
).all()
assert [tuple(r) for r in busy] == [("u1", 2), ("u2", 2), ("u3", 2)]

# a scalar subquery in the column list
n_addresses = (
    select(func.count(Address.id)).where(Address.user_id == User.id).scalar_subquery()
)
assert session.execute(select(User.name, n_addresses).where(User.id == 2)).one() == ("u2", 2)
# [/subqueries]

# [unique]
stmt = select(User).options(joinedload(User.addresses)).order_by(User.id)
try:
    session.scalars(stmt).all()  # each user arrives once per address row ...
except sa_exc.InvalidRequestError as err:
    assert "unique()" in str(err)  # ... so the result asks for unique() first
users = session.scalars(stmt).unique().all()
assert [u.name for u in users] == ["u1", "u2", "u3", "nobody"]
# [/unique]

# [orm-dml]
# bulk INSERT from a list of dicts: one executemany, no objects are created
session.execute(insert(Item), [
    {"sku": "mug", "price": 6}, {"sku": "plate", "price": 9}, {"sku": "fork", "price": 2},
])

# UPDATE ... WHERE: objects already loaded are kept in step ("auto" is the default)
mug = session.scalars(select(Item).where(Item.sku == "mug")).one()
result = session.execute(
    update(Item).where(Item.sku.in_(["mug", "plate"])).values(price=Item.price * 2),
    execution_options={"synchronize_session": "fetch"},  # or "auto", "evaluate", False
)
assert result.rowcount == 2
assert mug.price == 12  # refreshed from the database by "fetch"

# bulk UPDATE by primary key from a list of dicts
fork_id = session.scalar(select(Item.id).where(Item.sku == "fork"))
session.execute(update(Item), [{"id": fork_id, "price": 3}])
assert session.scalar(select(Item.price).where(Item.id == fork_id)) == 3

# DELETE ... WHERE: matching objects in the session are marked deleted
deleted = session.execute(
    delete(Item).where(Item.sku.in_(["mug", "plate", "fork"])).execution_options(synchronize_session="auto")
)
assert deleted.rowcount == 3 and mug not in session
session.commit()
# [/orm-dml]

# [orm-dml-returning]
# returning(Item): the inserted rows come back as persistent objects, in parameter order
new_items = session.scalars(
    insert(Item).returning(Item, sort_by_parameter_order=True),
    [{"sku": "cup", "price": 4}, {"sku": "bowl", "price": 7}],
).all()
assert [i.sku for i in new_items] == ["cup", "bowl"]
assert session.get(Item, new_items[0].id) is new_items[0]  # in the identity map: no SQL

# entities and columns mix; a DELETE's returned objects are the session's, now deleted
cup, price = session.execute(delete(Item).where(Item.sku == "cup").returning(Item, Item.price)).one()
assert cup is new_items[0] and price == 4 and cup not in session
session.commit()
# [/orm-dml-returning]

# [legacy-query]
q = session.query(User).filter(User.name.like("u%")).order_by(User.id)
assert q.count() == 3
assert [u.name for u in q.limit(2)] == ["u1", "u2"]  # a Query iterates over its results
assert q[1:3][0].name == "u2"  # slicing becomes LIMIT/OFFSET
assert q.filter_by(name="u3").one().id == 3
assert q.filter_by(name="zz").first() is None
assert session.query(func.count(Address.id)).scalar() == 6
pairs = (
    session.query(User.name, func.count(Order.id)).join(User.orders)
    .group_by(User.name).order_by(User.name).all()
)
assert [tuple(p) for p in pairs] == [("u1", 2), ("u2", 2), ("u3", 2)]
assert session.query(User).filter(User.name == "nobody").delete() == 1
session.commit()
# [/legacy-query]

# [autoflush]
with count_statements(engine) as counter:
    with Session(engine) as s2:
        u1 = s2.get(User, 1)
        u1.fullname = "Renamed"  # pending change, not yet written
        found = s2.scalars(select(User).where(User.fullname == "Renamed")).one()
        assert found is u1  # the query saw the change: the UPDATE was flushed first
        s2.rollback()
statements = [s.split()[0] for s in counter.statements]
assert statements == ["SELECT", "UPDATE", "SELECT"]
# [/autoflush]

session.close()
finish(engine, "orm querying")
