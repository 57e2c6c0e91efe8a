"""docs/orm/events.md: mapper, session, instance and attribute events; two recipes."""

from __future__ import annotations

import datetime
from typing import Any

from orm_shop import Address, Base, Order, User, count_statements, finish, make_engine, seed
from sqlweave.core import event, select
from sqlweave.orm import Mapped, Session, mapped_column, with_loader_criteria
from sqlweave.orm.events import validates

engine = make_engine()
with Session(engine) as setup:
    seed(setup)  # users u1, u2, u3

# [mapper-events]
log: list[str] = []


@event.listens_for(Order, "before_insert")
def order_before_insert(mapper: Any, connection: Any, target: Order) -> None:
    log.append(f"before_insert {target.status}")
    target.status = "new"  # changing a column here: the INSERT writes the new value


@event.listens_for(Order, "after_insert")
def order_after_insert(mapper: Any, connection: Any, target: Order) -> None:
    log.append(f"after_insert id={target.id}")  # the primary key is known now


with Session(engine) as session:
    session.add(Order(user_id=1))
    session.commit()
    assert session.scalars(select(Order.status).order_by(Order.id.desc())).first() == "new"
# the column default ("open") is applied by the INSERT itself, so the listener saw None
assert log == ["before_insert None", "after_insert id=7"]
event.remove(Order, "before_insert", order_before_insert)
event.remove(Order, "after_insert", order_after_insert)
# [/mapper-events]

# [session-events]
log.clear()
with Session(engine) as session:

    @event.listens_for(session, "before_flush")
    def before_flush(session: Session, flush_context: Any, instances: Any) -> None:
        # objects added here are written by the same flush
        for obj in list(session.new):
            if isinstance(obj, User) and not obj.addresses:
                obj.addresses.append(Address(email=f"{obj.name}@default.example"))
        log.append("before_flush")

    @event.listens_for(session, "after_commit")
    def after_commit(session: Session) -> None:
        log.append("after_commit")

    session.add(User(name="newcomer"))
    session.commit()
    assert session.scalars(
        select(Address.email).join(Address.user).where(User.name == "newcomer")
    ).all() == ["newcomer@default.example"]
assert log == ["before_flush", "after_commit"]
# [/session-events]

# [attribute-events]
@event.listens_for(Address.email, "set", retval=True)
def normalise_email(target: Address, value: str, oldvalue: Any, initiator: Any) -> str:
    return value.strip().lower()  # retval=True: the listener's return value is stored


a = Address(email="  Someone@Example.COM ")
assert a.email == "someone@example.com"
event.remove(Address.email, "set", normalise_email)
# [/attribute-events]


# [validates]
class Coupon(Base):
    """A class of its own for this section; @validates runs on every assignment."""

    __tablename__ = "shop_coupon"

    id: Mapped[int] = mapped_column(primary_key=True)
    percent: Mapped[int]

    @validates("percent")
    def check_percent(self, key: str, value: int) -> int:
        if not 0 < value <= 50:
            raise ValueError(f"{key} must be between 1 and 50, got {value}")
        return value


assert Coupon(percent=10).percent == 10
try:
    Coupon(percent=90)
except ValueError as err:
    assert "between 1 and 50" in str(err)
else:
    raise AssertionError("the validator did not run")
# [/validates]

# [soft-delete]
@event.listens_for(Session, "do_orm_execute")
def hide_deleted_users(state: Any) -> None:
    """Add "deleted = false" for User to every ORM SELECT, unless asked not to."""
    if state.is_select and not state.execution_options.get("include_deleted", False):
        state.statement = state.statement.options(
            with_loader_criteria(User, lambda cls: cls.deleted == False)  # noqa: E712
        )


with Session(engine) as session:
    session.get(User, 2).deleted = True  # "delete" u2 by flagging the row
    session.commit()

with Session(engine) as session:
    users = session.scalars(select(User).order_by(User.name)).all()
    assert [u.name for u in users] == ["newcomer", "u1", "u3"]  # u2 is hidden ...

    # ... also where User is joined in, not selected
    emails = session.scalars(select(Address.email).join(Address.user).where(User.name == "u2")).all()
    assert emails == []

    everyone = session.scalars(
        select(User).order_by(User.name), execution_options={"include_deleted": True}
    ).all()
    assert [u.name for u in everyone] == ["newcomer", "u1", "u2", "u3"]  # the opt-out
event.remove(Session, "do_orm_execute", hide_deleted_users)
# [/soft-delete]

# [audit-timestamps]
@event.listens_for(User, "before_update")
def stamp_updated_at(mapper: Any, connection: Any, target: User) -> None:
    target.updated_at = datetime.datetime.now()  # written by the UPDATE that is being prepared


with count_statements(engine) as counter, Session(engine) as session:
    user = session.get(User, 1)
    assert user.updated_at is None
    user.fullname = "Someone Else"
    session.commit()

    updates = [s for s in counter.statements if s.startswith("UPDATE")]
    assert len(updates) == 1 and "updated_at" in updates[0]  # one UPDATE sets both columns
    assert isinstance(user.updated_at, datetime.datetime)
event.remove(User, "before_update", stamp_updated_at)
# [/audit-timestamps]

finish(engine, "orm events")
