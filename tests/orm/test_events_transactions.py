"""Session transaction and attach events: after_transaction_create/end, before_attach,
detached_to_persistent — order and arguments."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import String, event, select
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class Gadget(Base):
    __tablename__ = "orme_gadgets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


@pytest.fixture
def setup(engine: Any) -> Any:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)


def test_transaction_and_attach_events(setup: Any) -> None:
    calls: list[Any] = []
    s = Session(setup, expire_on_commit=False)
    event.listen(s, "after_transaction_create", lambda sess, t: calls.append(("create", t.nested)))
    event.listen(s, "after_transaction_end", lambda sess, t: calls.append(("end", t.nested)))
    event.listen(s, "before_attach", lambda sess, obj: calls.append(("before_attach", obj.name)))
    event.listen(s, "detached_to_persistent", lambda sess, obj: calls.append(("d2p", obj.name)))
    g = Gadget(name="g1")
    s.add(g)
    with s.begin_nested():
        s.add(Gadget(name="g2"))
    s.commit()
    assert calls == [("create", False), ("before_attach", "g1"), ("create", True),
                     ("before_attach", "g2"), ("end", True), ("end", False)]
    s.close()
    calls.clear()
    s2 = Session(setup)
    for name in ("before_attach", "detached_to_persistent"):
        event.listen(s2, name, lambda sess, obj, _n=name: calls.append((_n, obj.name)))
    s2.add(g)  # g is detached (its session was closed): attaching makes it persistent again
    assert calls == [("before_attach", "g1"), ("detached_to_persistent", "g1")]
    assert s2.scalars(select(Gadget.name).order_by(Gadget.id)).all() == ["g1", "g2"]
    s2.close()


def test_persistent_to_transient_on_rollback(setup: Any) -> None:
    calls: list[str] = []
    with Session(setup, expire_on_commit=False) as s:
        event.listen(s, "persistent_to_transient", lambda sess, obj: calls.append(obj.name))
        g = Gadget(name="temp")
        s.add(g)
        s.flush()  # persistent (flushed, not committed)
        s.rollback()
        assert calls == ["temp"]
        assert g not in s


def test_deleted_to_persistent_on_rollback(setup: Any) -> None:
    calls: list[str] = []
    with Session(setup, expire_on_commit=False) as s:
        g = Gadget(name="keep")
        s.add(g)
        s.commit()
        event.listen(s, "deleted_to_persistent", lambda sess, obj: calls.append(obj.name))
        s.delete(g)
        s.flush()  # deleted (flushed, not committed)
        s.rollback()
        assert calls == ["keep"]
        assert g in s


def test_do_orm_execute_sees_get(setup: Any) -> None:
    from sqlweave.orm import with_loader_criteria

    with Session(setup) as s:
        s.add_all([Gadget(id=1, name="visible"), Gadget(id=2, name="hidden")])
        s.commit()
    seen: list[bool] = []

    def hide(state: Any) -> None:
        seen.append(state.is_select)
        state.statement = state.statement.options(
            with_loader_criteria(Gadget, lambda cls: cls.name != "hidden"))

    with Session(setup) as s:
        event.listen(s, "do_orm_execute", hide)
        assert s.get(Gadget, 1).name == "visible"
        assert s.get(Gadget, 2) is None  # the listener's criteria apply to get() too
    assert seen == [True, True]
