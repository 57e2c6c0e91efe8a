"""The running example of the ORM chapters (docs/orm/*.md): a small shop.

The other ``orm_*.py`` examples import this module. Run on its own it creates the tables,
checks the mapping and drops them again. Every example takes an optional database URL as its
first argument (``sqlite://`` when none is given).
"""

# [imports]
from __future__ import annotations

import datetime
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Optional

from sqlweave.core import (
    Column,
    Engine,
    ForeignKey,
    Numeric,
    String,
    Table,
    create_engine,
    event,
    inspect,
    select,
)
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

# [/imports]


# [base]
class Base(DeclarativeBase):
    """Every class of the shop shares this registry and its MetaData."""
# [/base]


# [association]
# A plain Table for the many-to-many link between orders and items: it has no columns of its
# own beyond the two keys, so it needs no class.
order_items = Table(
    "shop_order_item",
    Base.metadata,
    Column("order_id", ForeignKey("shop_order.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", ForeignKey("shop_item.id"), primary_key=True),
)
# [/association]


# [user]
class User(Base):
    __tablename__ = "shop_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    fullname: Mapped[Optional[str]] = mapped_column(String(100))  # Optional[...]: NULL allowed
    created_at: Mapped[datetime.datetime] = mapped_column(default=datetime.datetime.now)
    updated_at: Mapped[Optional[datetime.datetime]]
    deleted: Mapped[bool] = mapped_column(default=False)  # used by the soft-delete recipe

    # one-to-many; the Address side names this attribute in back_populates
    addresses: Mapped[list[Address]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Address.id"
    )
    orders: Mapped[list[Order]] = relationship(back_populates="user", order_by="Order.id")

    def __repr__(self) -> str:
        return f"User({self.name!r})"
# [/user]


# [address]
class Address(Base):
    __tablename__ = "shop_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("shop_user.id"))

    # many-to-one: the foreign key above says how to join
    user: Mapped[User] = relationship(back_populates="addresses")

    def __repr__(self) -> str:
        return f"Address({self.email!r})"
# [/address]


# [order]
class Order(Base):
    __tablename__ = "shop_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("shop_user.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")

    user: Mapped[User] = relationship(back_populates="orders")
    # many-to-many through the association table
    items: Mapped[list[Item]] = relationship(
        secondary=order_items, back_populates="orders", order_by="Item.id"
    )

    def __repr__(self) -> str:
        return f"Order({self.id}, {self.status!r})"


class Item(Base):
    __tablename__ = "shop_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))

    orders: Mapped[list[Order]] = relationship(secondary=order_items, back_populates="items")

    def __repr__(self) -> str:
        return f"Item({self.sku!r})"
# [/order]


# [inheritance]
class Payment(Base):
    """Single-table inheritance: every kind of payment is a row of shop_payment."""

    __tablename__ = "shop_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # the discriminator
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id"))

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "payment"}


class CardPayment(Payment):
    # no __tablename__: the subclass shares shop_payment, and its columns are added to it
    # (nullable, since rows of the other kinds leave them empty)
    card_last4: Mapped[Optional[str]] = mapped_column(String(4))
    __mapper_args__ = {"polymorphic_identity": "card"}


class InvoicePayment(Payment):
    invoice_no: Mapped[Optional[str]] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_identity": "invoice"}
# [/inheritance]


# Helpers the other examples share -----------------------------------------------------------

def make_engine(url: Optional[str] = None) -> Engine:
    """An engine for ``url`` (default: the first command-line argument, else SQLite in memory)
    with the shop's tables freshly created."""
    engine = create_engine(url or (sys.argv[1] if len(sys.argv) > 1 else "sqlite://"))
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    return engine


def finish(engine: Engine, name: str) -> None:
    """Drop the shop's tables and report success (the docs tests look for the last line)."""
    Base.metadata.drop_all(engine)
    engine.dispose()
    print(f"{name} finished OK")


def seed(session: Session, users: int = 3, orders_per_user: int = 2) -> None:
    """``users`` users (u1, u2 ...), two addresses each, and orders holding items."""
    items = [Item(sku=f"sku-{n}", price=Decimal(n) + Decimal("0.50")) for n in range(1, 5)]
    for i in range(1, users + 1):
        user = User(name=f"u{i}", fullname=f"User Number {i}")
        user.addresses = [Address(email=f"u{i}@home.example"), Address(email=f"u{i}@work.example")]
        for j in range(orders_per_user):
            user.orders.append(Order(items=items[j:j + 2]))
        session.add(user)
    session.commit()


# [counter]
class StatementCounter:
    """Records every SQL statement an engine sends to the database."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, params: Any,
                 context: Any, executemany: bool) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements(engine: Engine) -> Iterator[StatementCounter]:
    """Count the statements run inside the with-block (a Core engine event)."""
    counter = StatementCounter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)
# [/counter]


if __name__ == "__main__":
    # [check]
    engine = make_engine()
    assert set(inspect(engine).get_table_names()) >= {
        "shop_user", "shop_address", "shop_order", "shop_item", "shop_order_item", "shop_payment"}
    payment_columns = {c["name"] for c in inspect(engine).get_columns("shop_payment")}
    assert {"kind", "card_last4", "invoice_no"} <= payment_columns  # one table for the hierarchy
    mapper = inspect(User)
    assert [r.key for r in mapper.relationships.values()] == ["addresses", "orders"]
    assert mapper.relationships["addresses"].uselist  # a collection
    assert not inspect(Address).relationships["user"].uselist  # a single object
    assert inspect(Order).relationships["items"].secondary is order_items

    users = User.__table__.c
    assert not users.name.nullable and users.fullname.nullable  # str vs Optional[str]
    assert [type(users[k].type).__name__ for k in ("id", "created_at", "deleted")] == [
        "Integer", "DateTime", "Boolean"]
    # [/check]
    with Session(engine) as session:
        seed(session)
        assert len(session.get(User, 1).orders[1].items) == 2
        # [polymorphic]
        session.add_all([
            CardPayment(order_id=1, amount=Decimal("4.50"), card_last4="4242"),
            InvoicePayment(order_id=2, amount=Decimal("6.00"), invoice_no="INV-1"),
        ])
        session.commit()
        payments = session.scalars(select(Payment).order_by(Payment.id)).all()
        assert [type(p).__name__ for p in payments] == ["CardPayment", "InvoicePayment"]
        assert [p.kind for p in payments] == ["card", "invoice"]  # written from the identity
        cards = session.scalars(select(CardPayment)).all()  # WHERE kind IN ('card')
        assert [c.card_last4 for c in cards] == ["4242"]
        # [/polymorphic]
    finish(engine, "orm shop model")
