"""Session.close() detaches objects without expiring them; pending work is discarded."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import String, func, select
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class Pet(Base):
    __tablename__ = "ormc_pets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))


@pytest.fixture
def setup(engine: Any) -> Any:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)


def test_loaded_attributes_readable_after_close(setup: Any) -> None:
    with Session(setup) as s:
        s.add(Pet(name="rex"))
        s.commit()
        pet = s.scalars(select(Pet)).one()
    assert pet.name == "rex"  # detached, still loaded


def test_close_discards_uncommitted_and_pending(setup: Any) -> None:
    s = Session(setup)
    s.add(Pet(name="kept"))
    s.commit()
    pending = Pet(name="never")
    s.add(pending)
    s.flush()
    s.close()
    assert pending not in s
    with Session(setup) as s2:
        assert s2.scalar(select(func.count()).select_from(Pet)) == 1
