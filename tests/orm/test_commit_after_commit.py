"""Changes made after a commit are written by the next commit (no explicit flush needed)."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import String, select
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "ormc_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(50), default="")


def test_second_commit_writes_changes(engine: Any) -> None:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    try:
        with Session(engine) as s:
            n = Note(text="one")
            s.add(n)
            s.commit()
            n.text = "two"  # loads (expired on commit), changes, no transaction open yet
            s.commit()
        with Session(engine) as s:
            assert s.scalars(select(Note.text)).all() == ["two"]
    finally:
        Base.metadata.drop_all(engine)
