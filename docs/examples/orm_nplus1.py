"""docs/orm/nplus1.md: the N+1 detector, what it reports and how to configure it."""

from __future__ import annotations

import warnings

from orm_shop import User, count_statements, finish, make_engine, seed
from sqlweave.core import select
from sqlweave.orm import Session, selectinload, sessionmaker
from sqlweave.orm.exc import NPlusOneError, NPlusOneWarning

engine = make_engine()
with Session(engine) as setup:
    seed(setup, users=50, orders_per_user=0)  # 50 users with 2 addresses each

# [default]
# "warn" when Python runs with -X dev or pytest is imported, None (off) otherwise
print(f"default n_plus_one: {Session(engine).n_plus_one!r}")
# [/default]

# [warn]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with count_statements(engine) as counter, Session(engine, n_plus_one="warn") as session:
        users = session.scalars(select(User).order_by(User.id)).all()
        emails = [a.email for u in users for a in u.addresses]  # a lazy load per user

assert len(emails) == 100
assert counter.count == 51  # 1 + 50: the N+1 pattern
reports = [w for w in caught if issubclass(w.category, NPlusOneWarning)]
assert len(reports) == 1  # reported once per query and relationship, not 49 times
message = str(reports[0].message)
print(message)
assert "User.addresses" in message and "50" in message
assert "selectinload(User.addresses)" in message  # the fix it suggests
# [/warn]

# [fixed]
with warnings.catch_warnings():
    warnings.simplefilter("error", NPlusOneWarning)  # any report would fail here
    with count_statements(engine) as counter, Session(engine, n_plus_one="warn") as session:
        stmt = select(User).options(selectinload(User.addresses)).order_by(User.id)
        emails = [a.email for u in session.scalars(stmt) for a in u.addresses]
assert len(emails) == 100 and counter.count == 2  # silent, and two statements
# [/fixed]

# [single-object]
with warnings.catch_warnings():
    warnings.simplefilter("error", NPlusOneWarning)
    with Session(engine, n_plus_one="warn") as session:
        one = session.scalars(select(User).where(User.name == "u7")).one()
        assert len(one.addresses) == 2  # one object from its query: a lazy load is fine
        for pk in (1, 2, 3):
            assert len(session.get(User, pk).addresses) == 2  # each get() is its own query
# [/single-object]

# [raise]
StrictSession = sessionmaker(engine, n_plus_one="raise")  # e.g. in your test suite
with StrictSession() as session:
    users = session.scalars(select(User).order_by(User.id)).all()
    assert len(users[0].addresses) == 2  # the first lazy load is allowed
    try:
        print(users[1].addresses)  # the second one of the same result is the pattern
    except NPlusOneError as err:
        assert "User.addresses" in str(err)
    else:
        raise AssertionError("n_plus_one='raise' did not raise")
# [/raise]

# [off]
with warnings.catch_warnings():
    warnings.simplefilter("error", NPlusOneWarning)
    with Session(engine, n_plus_one=None) as session:  # this session never checks
        users = session.scalars(select(User)).all()
        assert sum(len(u.addresses) for u in users) == 100
# [/off]

finish(engine, "orm n+1")
