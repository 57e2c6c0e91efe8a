"""docs/orm/relationships.md: one-to-many, many-to-one, many-to-many and cascades."""

from __future__ import annotations

from decimal import Decimal

from orm_shop import Address, Item, Order, User, count_statements, finish, make_engine, order_items
from sqlweave.core import func, select
from sqlweave.orm import Session

engine = make_engine()

# [back-populates]
ada = User(name="ada")
home = Address(email="ada@home.example")
home.user = ada  # set the many-to-one side ...
assert ada.addresses == [home]  # ... and the collection on the other side follows at once

work = Address(email="ada@work.example")
ada.addresses.append(work)  # and the other way round
assert work.user is ada
# [/back-populates]

# [save-update]
with Session(engine) as session:
    session.add(ada)  # the save-update cascade adds both addresses too
    assert home in session and work in session
    session.commit()
    assert session.scalar(select(func.count()).select_from(Address)) == 2
# [/save-update]

# [many-to-many]
with Session(engine) as session:
    ada = session.scalars(select(User).where(User.name == "ada")).one()
    tea = Item(sku="tea", price=Decimal("3.20"))
    cups = Item(sku="cups", price=Decimal("12.00"))
    order = Order(user=ada, items=[tea, cups])  # rows for shop_order_item are written at flush
    session.add(order)
    session.commit()

    assert [o.id for o in tea.orders] == [order.id]  # the other side of the secondary table
    order.items.remove(cups)  # DELETE FROM shop_order_item ... at flush; cups itself stays
    session.commit()
    links = session.execute(select(order_items.c.item_id)).scalars().all()
    assert links == [tea.id]
    assert session.get(Item, cups.id) is not None
# [/many-to-many]

# [delete-orphan]
with Session(engine) as session:
    ada = session.scalars(select(User).where(User.name == "ada")).one()
    work = ada.addresses[1]
    ada.addresses.remove(work)  # an address without a user is an orphan: deleted at flush
    session.commit()
    assert session.scalars(select(Address.email)).all() == ["ada@home.example"]
# [/delete-orphan]

# [delete-cascade]
with count_statements(engine) as counter, Session(engine) as session:
    ada = session.scalars(select(User).where(User.name == "ada")).one()
    for order in list(ada.orders):
        session.delete(order)  # orders have no delete cascade from User: delete them yourself
    session.delete(ada)  # "all" includes "delete": her addresses go with her
    session.commit()

    deletes = [s.split()[2] for s in counter.statements if s.startswith("DELETE")]
    # dependency order: link rows before orders, orders and addresses before their user
    assert deletes[0] == "shop_order_item" and deletes[-1] == "shop_user"
    assert sorted(deletes[1:3]) == ["shop_address", "shop_order"]
    assert session.scalar(select(func.count()).select_from(Address)) == 0
    assert session.scalar(select(func.count()).select_from(Item)) == 2  # items are not owned by orders
# [/delete-cascade]

finish(engine, "orm relationships")
