"""docs/orm/loading.md: loader strategies and the statements each one issues."""

from __future__ import annotations

from orm_shop import Address, Order, User, count_statements, finish, make_engine, seed
from sqlweave.core import exc as sa_exc
from sqlweave.core import select, update
from sqlweave.orm import (
    Load,
    Session,
    contains_eager,
    defer,
    immediateload,
    joinedload,
    lazyload,
    load_only,
    noload,
    raiseload,
    selectinload,
    subqueryload,
    undefer,
)

engine = make_engine()
with Session(engine) as setup:
    seed(setup, users=20)  # 20 users, 2 addresses and 2 orders each


def load_users(*options: object) -> tuple[list[User], int]:
    """Load every user and read every address; return the users and the statement count."""
    with count_statements(engine) as counter, Session(engine, n_plus_one=None) as session:
        users = session.scalars(select(User).options(*options).order_by(User.id)).unique().all()
        assert sum(len(u.addresses) for u in users) == 40
        return users, counter.count


# [strategies]
_, lazy = load_users()  # default lazy="select": 1 query for users + 1 per user
_, selectin = load_users(selectinload(User.addresses))  # + 1 query: WHERE user_id IN (...)
_, joined = load_users(joinedload(User.addresses))  # 1 query with a LEFT OUTER JOIN
_, subquery = load_users(subqueryload(User.addresses))  # + 1 query joined to the original one
_, immediate = load_users(immediateload(User.addresses))  # per-object loads, while loading
assert (lazy, selectin, joined, subquery, immediate) == (21, 2, 1, 2, 21)
# [/strategies]

# [lazy-option]
with count_statements(engine) as counter, Session(engine) as session:
    stmt = select(Address).options(lazyload(Address.user)).order_by(Address.id)
    addresses = session.scalars(stmt).all()  # 40 addresses
    first_user = addresses[0].user  # a SELECT for user 1
    assert addresses[1].user is first_user  # user 1 is in the identity map now: no SQL
    assert counter.count == 2
# [/lazy-option]

# [many-to-one-identity]
with count_statements(engine) as counter, Session(engine) as session:
    users = session.scalars(select(User).options(selectinload(User.addresses))).all()
    assert counter.count == 2
    # every address's user is already in the session: the many-to-one needs no SQL at all
    assert all(a.user is u for u in users for a in u.addresses)
    assert counter.count == 2
# [/many-to-one-identity]

# [chained]
with count_statements(engine) as counter, Session(engine) as session:
    stmt = select(User).options(
        selectinload(User.orders).selectinload(Order.items),  # user -> orders -> items
        joinedload(User.addresses),
    )
    users = session.scalars(stmt.order_by(User.id)).unique().all()
    skus = {item.sku for u in users for o in u.orders for item in o.items}
    assert skus == {"sku-1", "sku-2", "sku-3"}
    assert counter.count == 3  # users+addresses, orders, items

    # Load() spells the same path starting from an entity
    session.expunge_all()
    counter.statements.clear()
    users = session.scalars(select(User).options(Load(User).selectinload(User.orders))).all()
    assert counter.count == 2 and len(users[0].orders) == 2 and counter.count == 2
# [/chained]

# [raiseload]
with Session(engine) as session:
    user = session.scalars(select(User).options(raiseload("*")).where(User.id == 1)).one()
    try:
        print(user.addresses)  # any lazy load would be a bug here: make it an error
    except sa_exc.InvalidRequestError as err:
        assert "User.addresses" in str(err)
    else:
        raise AssertionError("raiseload did not raise")

    session.expunge_all()
    quiet = session.scalars(select(User).options(noload(User.addresses)).where(User.id == 1)).one()
    assert quiet.addresses == []  # noload: never loaded, always empty
# [/raiseload]

# [columns]
with count_statements(engine) as counter, Session(engine) as session:
    user = session.scalars(select(User).options(load_only(User.id, User.name)).where(User.id == 1)).one()
    assert "fullname" not in user.__dict__  # not loaded ...
    assert user.fullname == "User Number 1"  # ... until first read: one more SELECT
    assert counter.count == 2

    session.expunge_all()
    user = session.scalars(select(User).options(defer(User.fullname)).where(User.id == 2)).one()
    assert "fullname" not in user.__dict__
    session.expunge_all()
    user = session.scalars(select(User).options(undefer(User.fullname)).where(User.id == 2)).one()
    assert user.__dict__["fullname"] == "User Number 2"
# [/columns]

# [contains-eager]
with count_statements(engine) as counter, Session(engine) as session:
    # the query joins the addresses anyway, to filter on them: fill the collection from that join
    stmt = (
        select(User)
        .join(User.addresses)
        .where(Address.email.like("%@work.example"))
        .options(contains_eager(User.addresses))
        .order_by(User.id)
    )
    users = session.scalars(stmt).unique().all()
    assert len(users) == 20
    assert [a.email for a in users[0].addresses] == ["u1@work.example"]  # only the joined rows
    assert counter.count == 1
# [/contains-eager]

# [populate-existing]
with Session(engine) as session:
    user = session.get(User, 3)
    session.commit()
    with engine.begin() as conn:
        conn.execute(update(User).where(User.id == 3).values(fullname="changed elsewhere"))
    stmt = select(User).where(User.id == 3)
    with Session(engine) as other:  # a fresh session reads the new value anyway
        assert other.scalars(stmt).one().fullname == "changed elsewhere"
    refreshed = session.scalars(stmt.execution_options(populate_existing=True)).one()
    assert refreshed is user and user.fullname == "changed elsewhere"
# [/populate-existing]

# [yield-per]
with count_statements(engine) as counter, Session(engine) as session:
    result = session.scalars(
        select(User).options(selectinload(User.addresses)).order_by(User.id)
        .execution_options(yield_per=5)
    )
    sizes = []
    for batch in result.partitions():  # 5 users at a time, their addresses loaded per batch
        sizes.append(len(batch))
        assert all(len(u.addresses) == 2 for u in batch)
    assert sizes == [5, 5, 5, 5]
    assert counter.count == 1 + 4  # the users' SELECT, then one IN query per batch
# [/yield-per]

finish(engine, "orm loading")
