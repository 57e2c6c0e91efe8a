"""R11 – lost update with optimistic versioning; R12 – a stale identity map under FOR UPDATE.

R11 injects 100 conflicts (two sessions load a versioned row, A commits, then B) and 100
same-value writes on an unversioned row (B writes exactly what A wrote: on MariaDB the UPDATE
changes nothing, and only ``CLIENT.FOUND_ROWS`` makes it count as matched). R12 runs two threads
× 200 locking read-increment-commit cycles with the counter already in each session's identity
map (``expire_on_commit=False``): sqlweave's rule is that a locking read refreshes the loaded
identity, so no increment is lost.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import String, select
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlweave.orm.exc import StaleDataError
from tests.reliability.util import rel

pytestmark = [pytest.mark.backend, pytest.mark.reliability]

ROUNDS = 100


def _models() -> tuple[Any, Any, Any, Any]:
    class Base(DeclarativeBase):
        pass

    class Versioned(Base):
        __tablename__ = rel("rel_r11_ver")
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        value: Mapped[str] = mapped_column(String(40))
        version: Mapped[int] = mapped_column(nullable=False)
        __mapper_args__ = {"version_id_col": version}

    class Plain(Base):
        __tablename__ = rel("rel_r11_plain")
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        value: Mapped[str] = mapped_column(String(40))

    class Counter(Base):
        __tablename__ = rel("rel_r12_counter")
        id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
        value: Mapped[int] = mapped_column(nullable=False)

    return Base, Versioned, Plain, Counter


@pytest.fixture
def models(make_engine: Any) -> Iterator[tuple[Any, Any, Any, Any]]:
    eng = make_engine()  # on SQLite, the same file database the tests' own engines use
    m = _models()
    m[0].metadata.drop_all(eng)
    m[0].metadata.create_all(eng)
    yield m
    m[0].metadata.drop_all(eng)


@pytest.mark.timeout(120)
def test_r11_lost_update_detected(make_engine: Any, models: Any, figures: Any) -> None:
    _, Versioned, _, _ = models
    engine = make_engine()  # a real pool (in-memory SQLite would share one connection)
    with Session(engine) as s:
        s.add(Versioned(id=1, value="v0"))
        s.commit()
    detected = 0
    for i in range(ROUNDS):
        # both load (and end their read transactions: on SQLite an open read would block A's
        # commit), then A commits a change, then B commits its own change of the stale copy
        with Session(engine, expire_on_commit=False) as a, \
                Session(engine, expire_on_commit=False) as b:
            ra, rb = a.get(Versioned, 1), b.get(Versioned, 1)
            a.commit()
            b.commit()
            ra.value, rb.value = f"a{i}", f"b{i}"
            a.commit()
            try:
                b.commit()
            except StaleDataError:
                detected += 1
                b.rollback()
        with Session(engine) as c:
            assert c.get(Versioned, 1).value == f"a{i}", "B overwrote A's committed value"
    figures(scenario="R11", case="versioned conflict", conflicts_detected=detected,
            conflicts_injected=ROUNDS)
    assert detected == ROUNDS


@pytest.mark.timeout(120)
def test_r11_same_value_write_is_not_stale(make_engine: Any, models: Any, figures: Any) -> None:
    _, _, Plain, _ = models
    engine = make_engine()
    with Session(engine) as s:
        s.add(Plain(id=1, value="v0"))
        s.commit()
    false_positives = 0
    for i in range(ROUNDS):
        with Session(engine, expire_on_commit=False) as a, \
                Session(engine, expire_on_commit=False) as b:
            ra, rb = a.get(Plain, 1), b.get(Plain, 1)
            a.commit()
            b.commit()
            ra.value = rb.value = f"same{i}"
            a.commit()
            try:
                b.commit()  # UPDATE ... SET value='same<i>' WHERE id=1: matches, changes nothing
            except StaleDataError:
                false_positives += 1
                b.rollback()
    figures(scenario="R11", case="same-value write", false_positives=false_positives,
            writes=ROUNDS)
    assert false_positives == 0


ITERATIONS = 200


@pytest.mark.timeout(180)
def test_r12_for_update_refreshes_identity_map(make_engine: Any, models: Any, db_name: str,
                                              figures: Any, request: Any) -> None:
    if db_name == "sqlite":
        pytest.skip("SQLite has no row locks (FOR UPDATE is not rendered)")
    _, _, _, Counter = models
    eng = make_engine(pool_size=2, max_overflow=0)
    with Session(eng) as s:
        s.add(Counter(id=1, value=0))
        s.commit()
    errors: list[BaseException] = []
    start = threading.Barrier(2, timeout=10)

    def worker() -> None:
        try:
            with Session(eng, expire_on_commit=False) as s:
                s.get(Counter, 1)  # now in the identity map, and it stays there
                s.commit()
                start.wait()
                for _ in range(ITERATIONS):
                    c = s.scalars(select(Counter).where(Counter.id == 1).with_for_update()).one()
                    c.value += 1
                    s.commit()
        except BaseException as e:  # asserted below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(150)
    assert not any(th.is_alive() for th in threads)
    assert not errors, errors
    with Session(eng) as s:
        final = s.get(Counter, 1).value
    figures(scenario="R12", iterations=2 * ITERATIONS, final=final,
            lost_increments=2 * ITERATIONS - final)
    assert final == 2 * ITERATIONS
