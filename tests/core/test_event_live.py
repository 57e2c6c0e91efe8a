"""``Events.live``: the per-event "ever listened for" flags that let hot paths skip dispatch
lookups while nothing listens. A flag must turn on with the first listen(), whatever the target,
so that a listener added after an engine, connection or session exists still fires."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

from sqlweave.core import event
from sqlweave.core.event.base import Events, Live, dispatcher


class GadgetEvents(Events):
    def click(self, gadget: Any) -> None:
        """Clicked."""

    def drop(self, gadget: Any) -> None:
        """Dropped."""


class Gadget:
    dispatch = dispatcher(GadgetEvents)


def test_flags_start_off_and_turn_on_per_event() -> None:
    live = GadgetEvents.live
    assert isinstance(live, Live)
    assert (live._any, live.click, live.drop) == (False, False, False)
    event.listen(Gadget(), "click", lambda g: None)  # on an instance: the class-wide flag turns on
    assert (live._any, live.click, live.drop) == (True, True, False)


def test_each_events_class_has_its_own_flags() -> None:
    class OtherEvents(Events):
        def click(self, target: Any) -> None:
            """Clicked."""

    assert OtherEvents.live is not GadgetEvents.live
    assert OtherEvents.live.click is False


# A fresh interpreter: the flags are process-wide, and in the test session other tests have
# already listened for most events. Every listener is added after the engine, its pool, a
# connection and a session exist, and must fire all the same.
_SCRIPT = textwrap.dedent("""
    from sqlweave.core import create_engine, event
    from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column

    class Base(DeclarativeBase):
        pass

    class Note(Base):
        __tablename__ = "note"
        id: Mapped[int] = mapped_column(primary_key=True)
        text: Mapped[str]

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    session = Session(engine)
    session.add(Note(text="before"))
    session.commit()
    conn = engine.connect()
    seen = []
    for target, name in [
        (engine.pool, "checkout"), (engine.pool, "checkin"), (engine, "begin"), (engine, "commit"),
        (engine, "before_cursor_execute"), (engine.dialect, "do_execute"),
        (session, "after_begin"), (session, "before_commit"), (session, "after_commit"),
        (session, "before_flush"), (Note, "before_insert"), (Note, "after_insert"), (Note, "expire"),
    ]:
        event.listen(target, name, lambda *a, name=name: seen.append(name))
    with conn.begin():  # a connection made before the listeners
        pass
    conn.close()
    print(" ".join(sorted(set(seen))))
    seen.clear()
    session.add(Note(text="after"))  # a session made before the listeners
    session.commit()
    print(" ".join(sorted(set(seen))))
""")


def test_listeners_added_after_the_objects_exist_fire() -> None:
    out = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True)
    conn_line, session_line = out.stdout.splitlines()
    assert set(conn_line.split()) == {"begin", "commit", "checkin"}, out.stderr
    assert set(session_line.split()) == {
        "checkout", "checkin", "begin", "commit", "before_cursor_execute", "do_execute",
        "after_begin", "before_commit", "after_commit", "before_flush", "before_insert",
        "after_insert", "expire"}, out.stderr


def test_listener_on_an_existing_connection_fires() -> None:
    from sqlweave.core import create_engine, text

    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        seen: list[str] = []
        event.listen(conn, "before_cursor_execute", lambda *a: seen.append(a[2]))
        event.listen(conn, "after_execute", lambda *a: seen.append("after"))
        assert conn.execute(text("SELECT 7")).scalar() == 7
        assert seen == ["SELECT 7", "after"]
    with engine.connect() as other:  # the listeners were on that connection only
        other.execute(text("SELECT 8"))
    assert seen == ["SELECT 7", "after"]
