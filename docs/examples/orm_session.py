"""docs/orm/session.md: the Session's unit of work, identity map, transactions and savepoints."""

from __future__ import annotations

from orm_shop import Address, User, count_statements, finish, make_engine
from sqlweave.core import inspect, select, update
from sqlweave.orm import Session, sessionmaker

engine = make_engine()

# [add-commit]
with Session(engine) as session:
    ada = User(name="ada", fullname="Ada Lovelace")
    state = inspect(ada)
    assert state.transient  # not in a session, no row

    session.add(ada)
    assert state.pending and ada.id is None  # in the session; not written yet

    session.flush()  # INSERT now; the transaction stays open
    assert state.persistent and ada.id is not None

    session.commit()  # COMMIT; every object of the session is expired
    assert "name" not in ada.__dict__
    assert ada.name == "ada"  # first access reloads the row in a new transaction
# [/add-commit]

# [rollback]
with Session(engine) as session:
    ada = session.scalars(select(User).where(User.name == "ada")).one()
    ada.fullname = "Augusta Ada King"
    grace = User(name="grace")
    session.add(grace)
    session.flush()  # UPDATE and INSERT sent, not committed

    session.rollback()
    assert ada.fullname == "Ada Lovelace"  # expired by the rollback, reloaded from the row
    assert inspect(grace).transient  # the pending INSERT was undone, so grace is transient again
    assert session.scalars(select(User.name)).all() == ["ada"]
# [/rollback]

# [get-identity]
with Session(engine) as session:
    with count_statements(engine) as counter:
        ada = session.get(User, 1)  # SELECT ... WHERE id = 1
        again = session.get(User, 1)  # found in the identity map: no SQL
        same = session.scalars(select(User).where(User.name == "ada")).one()  # SQL, same object
    assert ada is again is same
    assert counter.count == 2
    assert session.get(User, 999) is None
# [/get-identity]

# [refresh-expire]
with Session(engine, expire_on_commit=False) as session:
    ada = session.get(User, 1)
    session.commit()  # ends the transaction; ada keeps its loaded values

    # meanwhile, another connection changes the row
    with engine.begin() as conn:
        conn.execute(update(User).where(User.id == 1).values(fullname="A. Lovelace"))
    assert ada.fullname == "Ada Lovelace"  # the session does not know yet

    session.expire(ada, ["fullname"])  # forget one attribute; reloaded on next access
    assert ada.fullname == "A. Lovelace"

    ada.fullname = "unsaved"
    session.refresh(ada)  # reload every column now, discarding the unsaved change
    assert ada.fullname == "A. Lovelace"
    assert not session.is_modified(ada)
# [/refresh-expire]

# [begin-nested]
class ChangedMyMind(Exception):
    pass


with Session(engine) as session:
    ada = session.get(User, 1)
    ada.addresses.append(Address(email="ada@example.com"))
    try:
        with session.begin_nested():  # flushes the address, then SAVEPOINT
            session.add(User(name="temporary"))
            session.flush()  # INSERT inside the savepoint
            raise ChangedMyMind  # leaving the block with an error: ROLLBACK TO SAVEPOINT
    except ChangedMyMind:
        pass
    assert session.scalars(select(User.name)).all() == ["ada"]
    session.commit()  # the address added before the savepoint is kept

with Session(engine) as session:
    assert [a.email for a in session.get(User, 1).addresses] == ["ada@example.com"]
# [/begin-nested]

# [sessionmaker]
SessionLocal = sessionmaker(engine, expire_on_commit=False)

with SessionLocal.begin() as session:  # commits at the end of the block, or rolls back on error
    session.add(User(name="linus"))

with SessionLocal() as session:
    linus = session.scalars(select(User).where(User.name == "linus")).one()
    session.commit()
    assert "name" in linus.__dict__  # expire_on_commit=False: still loaded after commit

assert linus.name == "linus"  # readable after the session closed
assert inspect(linus).detached
# [/sessionmaker]

finish(engine, "orm session")
