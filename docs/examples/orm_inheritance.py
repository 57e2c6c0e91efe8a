"""The ORM tutorial's inheritance chapter: single-table inheritance (docs/orm_tutorial.md)."""

from __future__ import annotations

from typing import Optional

from sqlweave.core import String, create_engine, select
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column

engine = create_engine("sqlite://")

# [inheritance]


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "item"}


class PrintedBook(Item):
    pages: Mapped[Optional[int]]  # single-table inheritance: a nullable column on "item"
    __mapper_args__ = {"polymorphic_identity": "printed"}


class AudioBook(Item):
    minutes: Mapped[Optional[int]]
    __mapper_args__ = {"polymorphic_identity": "audio"}


Base.metadata.create_all(engine)
with Session(engine) as session:
    session.add_all([PrintedBook(title="Mort", pages=243), AudioBook(title="Mort", minutes=540)])
    session.commit()
    items = session.scalars(select(Item).order_by(Item.id)).all()
    assert [type(i).__name__ for i in items] == ["PrintedBook", "AudioBook"]
    assert session.scalars(select(AudioBook)).one().minutes == 540
# [/inheritance]
print("orm inheritance finished OK")
