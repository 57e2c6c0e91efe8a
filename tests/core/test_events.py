"""Tests for the generic event registry (sqlweave.core.event) and the Core event declarations."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import event, exc
from sqlweave.core.event.base import Events, _Listeners, dispatcher
from sqlweave.core.events import ConnectionEvents, DialectEvents, PoolEvents
from sqlweave.core.pool import Pool, QueuePool

# -- a self-contained target family, as the ORM would declare one ------------------------------


class WidgetEvents(Events):
    """Test events."""

    def spin(self, widget: Any, speed: int) -> None:
        """The widget spins."""

    def stop(self, widget: Any) -> None:
        """The widget stops."""


class Widget:
    dispatch = dispatcher(WidgetEvents)

    def __init__(self, name: str = "w") -> None:
        self.name = name

    def spin(self, speed: int) -> None:
        if self.dispatch.spin:
            self.dispatch.spin(self, speed)


class SubWidget(Widget):
    pass


class SlottedWidget:
    __slots__ = ("_dispatch_instance",)
    dispatch = dispatcher(WidgetEvents)
    _dispatch_instance: Any


class BadSlottedWidget:
    __slots__ = ()
    dispatch = dispatcher(WidgetEvents)


@pytest.fixture
def calls() -> list[Any]:
    return []


@pytest.fixture
def cleanup() -> Iterator[list[tuple[Any, str, Any]]]:
    """Listeners registered on classes, removed after the test."""
    registered: list[tuple[Any, str, Any]] = []
    yield registered
    for target, name, fn in registered:
        if event.contains(target, name, fn):
            event.remove(target, name, fn)


def test_dispatch_falsy_when_empty_and_listener_tuple_is_plain() -> None:
    w = Widget()
    assert not w.dispatch.spin
    assert not Widget.dispatch.spin
    assert list(w.dispatch.spin) == []
    # The empty check must stay a C-level tuple length test: no Python __bool__/__len__.
    assert isinstance(w.dispatch.spin, tuple)
    assert "__bool__" not in vars(_Listeners) and "__len__" not in vars(_Listeners)
    # After first access the instance dispatch is cached in the instance __dict__.
    assert w.__dict__["dispatch"] is w.dispatch


def test_instance_listen_fires_for_that_instance_only(calls: list[Any]) -> None:
    w1, w2 = Widget("a"), Widget("b")
    event.listen(w1, "spin", lambda w, s: calls.append((w.name, s)))
    w1.spin(3)
    w2.spin(4)
    assert calls == [("a", 3)]
    assert w1.dispatch.spin and not w2.dispatch.spin


def test_class_listen_reaches_existing_instances_and_subclasses(
    calls: list[Any], cleanup: list[Any]
) -> None:
    before = Widget("before")
    sub_before = SubWidget("sub")
    before.dispatch.spin  # noqa: B018 - materialize the instance dispatch first

    def fn(w: Widget, s: int) -> None:
        calls.append(w.name)

    event.listen(Widget, "spin", fn)
    cleanup.append((Widget, "spin", fn))
    after = Widget("after")
    for w in (before, sub_before, after):
        w.spin(1)
    assert calls == ["before", "sub", "after"]
    event.remove(Widget, "spin", fn)
    before.spin(1)
    assert calls == ["before", "sub", "after"]
    assert not before.dispatch.spin and not SubWidget.dispatch.spin


def test_subclass_listen_does_not_reach_base(calls: list[Any], cleanup: list[Any]) -> None:
    def fn(w: Widget, s: int) -> None:
        calls.append(w.name)

    event.listen(SubWidget, "spin", fn)
    cleanup.append((SubWidget, "spin", fn))
    Widget("base").spin(1)
    SubWidget("sub").spin(1)
    assert calls == ["sub"]


def test_order_class_first_then_instance_and_insert(calls: list[Any], cleanup: list[Any]) -> None:
    w = Widget()

    def inst1(w: Any, s: int) -> None:
        calls.append("inst1")

    def inst2(w: Any, s: int) -> None:
        calls.append("inst2")

    def cls1(w: Any, s: int) -> None:
        calls.append("cls1")

    def cls0(w: Any, s: int) -> None:
        calls.append("cls0")

    event.listen(w, "spin", inst1)
    event.listen(w, "spin", inst2, insert=True)
    event.listen(Widget, "spin", cls1)
    event.listen(Widget, "spin", cls0, insert=True)
    cleanup += [(Widget, "spin", cls1), (Widget, "spin", cls0)]
    w.spin(1)
    assert calls == ["cls0", "cls1", "inst2", "inst1"]
    assert list(w.dispatch.spin)[0] is cls0


def test_once(calls: list[Any]) -> None:
    w = Widget()
    event.listen(w, "spin", lambda w, s: calls.append(s), once=True)
    w.spin(1)
    w.spin(2)
    assert calls == [1]


def test_once_under_threads() -> None:
    w = Widget()
    hits: list[int] = []
    event.listen(w, "spin", lambda w, s: hits.append(s), once=True)
    barrier = threading.Barrier(8)

    def run() -> None:
        barrier.wait()
        w.spin(1)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert hits == [1]


def test_named(calls: list[Any]) -> None:
    w = Widget()

    def fn(**kw: Any) -> None:
        calls.append(kw)

    event.listen(w, "spin", fn, named=True)
    w.spin(7)
    assert calls == [{"widget": w, "speed": 7}]
    # remove() takes the user's function, not the wrapper.
    event.remove(w, "spin", fn)
    assert not w.dispatch.spin


def test_listens_for_contains_remove() -> None:
    w = Widget()

    @event.listens_for(w, "stop")
    def on_stop(widget: Any) -> None:
        pass

    assert event.contains(w, "stop", on_stop)
    assert not event.contains(Widget, "stop", on_stop)
    assert not event.contains(w, "spin", on_stop)
    event.remove(w, "stop", on_stop)
    assert not event.contains(w, "stop", on_stop)
    with pytest.raises(exc.InvalidRequestError, match="No listener"):
        event.remove(w, "stop", on_stop)


def test_unknown_event_name_lists_valid_names() -> None:
    w = Widget()
    with pytest.raises(exc.InvalidRequestError) as info:
        event.listen(w, "spun", lambda *a: None)
    msg = str(info.value)
    assert "'spun'" in msg and "Widget" in msg and "spin, stop" in msg
    pool = QueuePool(lambda: sqlite3.connect(":memory:"))
    with pytest.raises(exc.InvalidRequestError, match="checkin, checkout"):
        event.listen(pool, "spin", lambda *a: None)  # a real name, wrong target


def test_unsupported_target() -> None:
    with pytest.raises(exc.InvalidRequestError, match="No event support"):
        event.listen(object(), "spin", lambda *a: None)


def test_dispatch_attribute_error_names_valid_events() -> None:
    with pytest.raises(AttributeError, match="valid events: spin, stop"):
        Widget.dispatch.spun  # noqa: B018
    with pytest.raises(AttributeError, match="spun"):
        Widget().dispatch.spun  # noqa: B018


def test_slotted_target(calls: list[Any]) -> None:
    s = SlottedWidget()
    event.listen(s, "spin", lambda w, sp: calls.append(sp))
    s.dispatch.spin(s, 5)
    assert calls == [5]
    assert s.dispatch is s._dispatch_instance
    with pytest.raises(TypeError, match="_dispatch_instance"):
        BadSlottedWidget().dispatch  # noqa: B018


def test_join_sees_parent_listeners_including_later_ones(
    calls: list[Any], cleanup: list[Any]
) -> None:
    parent = Widget("parent")
    event.listen(parent, "spin", lambda w, s: calls.append("parent1"))
    child = Widget("child")
    child.dispatch = Widget.dispatch._join(parent.dispatch)
    event.listen(child, "spin", lambda w, s: calls.append("child"))
    child.spin(1)
    assert calls == ["parent1", "child"]
    # Added later on the parent, and class-level: both reach the already-joined child.
    del calls[:]
    event.listen(parent, "spin", lambda w, s: calls.append("parent2"))

    def cls_fn(w: Any, s: int) -> None:
        calls.append("cls")

    event.listen(Widget, "spin", cls_fn)
    cleanup.append((Widget, "spin", cls_fn))
    child.spin(1)
    assert calls == ["cls", "parent1", "parent2", "cls", "child"]
    # Joined dispatches are shared per (parent, class) until an instance listens.
    sibling = Widget("sibling")
    sibling.dispatch = Widget.dispatch._join(parent.dispatch)
    other = Widget("other")
    other.dispatch = Widget.dispatch._join(parent.dispatch)
    assert sibling.dispatch is other.dispatch
    del calls[:]
    event.listen(sibling, "stop", lambda w: calls.append("sibling-stop"))
    assert sibling.dispatch is not other.dispatch
    assert sibling.dispatch.stop and not other.dispatch.stop
    sibling.spin(2)
    assert calls == ["cls", "parent1", "parent2", "cls"]
    # A joined child with nothing anywhere stays falsy.
    event.remove(Widget, "spin", cls_fn)
    quiet = Widget()
    joined = Widget.dispatch._join(quiet.dispatch)
    assert not joined.spin and not joined


def test_propagate_is_stored(cleanup: list[Any]) -> None:
    def fn(w: Any, s: int) -> None:
        pass

    event.listen(Widget, "spin", fn, propagate=True)
    cleanup.append((Widget, "spin", fn))
    (entry,) = Widget.dispatch.entries("spin")
    assert entry.propagate and entry.fn is fn


def test_custom_accept_with_and_listen_extension(calls: list[Any]) -> None:
    """The path the ORM takes: a factory normalizes to the class, _listen wraps fn."""

    class Maker:
        def __init__(self, cls: type) -> None:
            self.cls = cls

    class GadgetEvents(Events):
        @classmethod
        def _accept_with(cls, target: Any) -> Any:
            if isinstance(target, Maker):
                return target.cls
            return super()._accept_with(target)

        @classmethod
        def _listen(cls, event_key: Any, fn: Any, **kw: Any) -> None:
            def wrapped(*args: Any) -> None:
                calls.append("wrapped")
                fn(*args)

            super()._listen(event_key, wrapped, **kw)

        def gadget_made(self, gadget: Any) -> None:
            """A gadget was made."""

    class Gadget:
        dispatch = dispatcher(GadgetEvents)

    event.listen(Maker(Gadget), "gadget_made", lambda g: calls.append("fn"))
    g = Gadget()
    g.dispatch.gadget_made(g)
    assert calls == ["wrapped", "fn"]


# -- Core declarations ---------------------------------------------------------------------------


class FakeEngine:
    dispatch = dispatcher(ConnectionEvents)

    def __init__(self, pool: Pool | None = None) -> None:
        self.pool = pool

    @property
    def _pool_event_target(self) -> Pool | None:
        return self.pool


class FakeConnection:
    dispatch = dispatcher(ConnectionEvents)

    def __init__(self, engine: FakeEngine) -> None:
        self.engine = engine
        self.dispatch = type(self).dispatch._join(engine.dispatch)

    def execute(self, statement: str, parameters: Any) -> tuple[str, Any]:
        for fn in self.dispatch.before_cursor_execute:
            statement, parameters = fn(self, None, statement, parameters, None, False)
        return statement, parameters


def test_retval_contract_for_before_cursor_execute() -> None:
    engine = FakeEngine()
    conn = FakeConnection(engine)
    assert conn.execute("SELECT 1", ()) == ("SELECT 1", ())
    seen: list[Any] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))  # no retval

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def rewrite(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> tuple[str, Any]:
        return statement + " /* tagged */", parameters + (1,)

    event.listen(conn, "before_cursor_execute", lambda *a: seen.append(a[2]))
    assert conn.execute("SELECT ?", ()) == ("SELECT ? /* tagged */", (1,))
    assert seen == ["SELECT ?", "SELECT ? /* tagged */"]


def test_retval_once_keeps_passthrough() -> None:
    engine = FakeEngine()
    event.listen(engine, "before_cursor_execute",
                 lambda c, cur, s, p, ctx, em: (s + "!", p), retval=True, once=True)
    conn = FakeConnection(engine)
    assert conn.execute("X", ()) == ("X!", ())
    assert conn.execute("X", ()) == ("X", ())


def test_retval_rejected_for_plain_connection_event() -> None:
    with pytest.raises(exc.ArgumentError, match="retval=True"):
        event.listen(FakeEngine(), "commit", lambda c: None, retval=True)


def test_before_execute_passthrough_shape() -> None:
    engine = FakeEngine()
    event.listen(engine, "before_execute", lambda *a: None)
    (fn,) = engine.dispatch.before_execute
    assert fn("conn", "elem", [], {}, {}) == ("elem", [], {})


def test_pool_events_through_engine_hook(calls: list[Any], cleanup: list[Any]) -> None:
    pool = QueuePool(lambda: sqlite3.connect(":memory:"))
    engine = FakeEngine(pool)
    event.listen(engine, "checkout", lambda *a: calls.append("engine-level"))
    pool.connect().close()
    assert calls == ["engine-level"]

    def fn(*a: Any) -> None:
        calls.append("class-level")

    event.listen(FakeEngine, "checkout", fn)  # the Engine class stands for Pool
    cleanup.append((Pool, "checkout", fn))
    assert event.contains(Pool, "checkout", fn)
    pool.connect().close()
    assert calls == ["engine-level", "class-level", "engine-level"]


def test_dialect_events_through_engine_dialect(calls: list[Any]) -> None:
    class FakeDialect:
        dispatch = dispatcher(DialectEvents)

    class EngineWithDialect:
        def __init__(self) -> None:
            self.dialect = FakeDialect()

    eng = EngineWithDialect()
    event.listen(eng, "do_connect", lambda *a: calls.append(a))
    assert eng.dialect.dispatch.do_connect
    assert not FakeDialect().dispatch.do_connect


def test_pool_recreate_keeps_instance_listeners(calls: list[Any]) -> None:
    pool = QueuePool(lambda: sqlite3.connect(":memory:"))
    event.listen(pool, "connect", lambda *a: calls.append("connect"))
    new = pool.recreate()
    new.connect().close()
    assert calls == ["connect"]


def test_event_declarations_are_documented() -> None:
    for events in (PoolEvents, ConnectionEvents, DialectEvents):
        for name in events._event_names:
            assert getattr(events, name).__doc__, f"{events.__name__}.{name} lacks a docstring"
    assert set(PoolEvents._event_names) >= {
        "connect", "first_connect", "checkout", "checkin", "reset", "invalidate",
        "soft_invalidate", "close", "detach", "close_detached",
    }
