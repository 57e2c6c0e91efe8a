"""The ORM tutorial's running example: a small library (docs/orm_tutorial.md includes it by section)."""

# [mapping]
from __future__ import annotations

from typing import Optional

from sqlweave.core import ForeignKey, String, create_engine, func, select
from sqlweave.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
)


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "author"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    born: Mapped[Optional[int]]

    books: Mapped[list[Book]] = relationship(
        back_populates="author", cascade="all, delete-orphan", order_by="Book.year"
    )

    def __repr__(self) -> str:
        return f"Author({self.name!r})"


class Book(Base):
    __tablename__ = "book"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))

    author: Mapped[Author] = relationship(back_populates="books")

    def __repr__(self) -> str:
        return f"Book({self.title!r}, {self.year})"
# [/mapping]

# [session]
engine = create_engine("sqlite://")
Base.metadata.create_all(engine)

with Session(engine) as session:
    le_guin = Author(name="Ursula K. Le Guin", born=1929)
    le_guin.books.append(Book(title="A Wizard of Earthsea", year=1968))
    le_guin.books.append(Book(title="The Dispossessed", year=1974))
    pratchett = Author(name="Terry Pratchett", born=1948,
                       books=[Book(title="Small Gods", year=1992)])
    session.add_all([le_guin, pratchett])  # the books are added by the save-update cascade
    session.commit()  # one flush: INSERTs in dependency order, then COMMIT

    assert le_guin.id is not None  # expired by commit, reloaded on access

with Session(engine) as session:
    author = session.get(Author, 1)  # by primary key; the identity map is checked first
    assert author is not None and author.name == "Ursula K. Le Guin"
    assert session.get(Author, 1) is author  # one object per row in a session

    author.born = 1929  # unchanged value: no UPDATE at flush
    author.name = "Ursula Le Guin"  # changed: UPDATE author SET name=... at flush
    session.commit()
# [/session]

# [relationships]
with Session(engine) as session:
    author = session.scalars(select(Author).where(Author.name == "Terry Pratchett")).one()
    print(author.books)  # lazy load: SELECT ... FROM book WHERE ? = book.author_id

    book = Book(title="Going Postal", year=2004)
    book.author = author  # back_populates keeps author.books in step
    assert book in author.books
    session.commit()
# [/relationships]

# [loading]
with Session(engine) as session:
    # selectinload: one extra SELECT ... WHERE author_id IN (...) for all authors
    authors = session.scalars(select(Author).options(selectinload(Author.books)).order_by(Author.id)).all()
    print({a.name: [b.title for b in a.books] for a in authors})

    # joinedload: a LEFT OUTER JOIN in the same statement (many-to-one is a good fit)
    books = session.scalars(select(Book).options(joinedload(Book.author)).order_by(Book.year)).all()
    print([(b.title, b.author.name) for b in books])
# [/loading]

# [querying]
with Session(engine) as session:
    stmt = (
        select(Author.name, func.count(Book.id).label("n"))
        .join(Author.books)
        .group_by(Author.name)
        .order_by(Author.name)
    )
    counts = session.execute(stmt).all()
    assert [tuple(r) for r in counts] == [("Terry Pratchett", 2), ("Ursula Le Guin", 2)]

    recent = session.scalars(select(Book).where(Book.year > 1980).order_by(Book.year)).all()
    assert [b.title for b in recent] == ["Small Gods", "Going Postal"]

    first = session.scalars(select(Book).filter_by(title="Small Gods")).first()
    assert first is not None and first.author.name == "Terry Pratchett"
# [/querying]

# [cascades]
with Session(engine) as session:
    author = session.scalars(select(Author).where(Author.name == "Ursula Le Guin")).one()
    wizard = author.books[0]
    author.books.remove(wizard)  # delete-orphan: the removed book is deleted at flush
    session.flush()
    assert session.scalar(select(func.count()).select_from(Book)) == 3

    session.delete(author)  # "all" includes delete: her remaining books go too
    session.commit()
    assert session.scalar(select(func.count()).select_from(Book)) == 2
# [/cascades]

# [events]
from sqlweave.core import event

audit: list[str] = []


@event.listens_for(Book, "before_insert")
def stamp_new_book(mapper, connection, target) -> None:  # type: ignore[no-untyped-def]
    audit.append(f"inserting {target.title}")


with Session(engine) as session:
    author = session.scalars(select(Author)).first()
    session.add(Book(title="Night Watch", year=2002, author=author))
    session.commit()
assert audit == ["inserting Night Watch"]
# [/events]

print("orm tutorial finished OK")
