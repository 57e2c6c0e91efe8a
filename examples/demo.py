"""A first look at sqlweave on SQLite: schema, inserts, a join, an aggregate, a transaction."""

from __future__ import annotations

import sys

from sqlweave.core import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    insert,
    select,
)

url = sys.argv[1] if len(sys.argv) > 1 else "sqlite://"
engine = create_engine(url)
metadata = MetaData()
authors = Table("demo_authors", metadata,
                Column("id", Integer, primary_key=True),
                Column("name", String(100), nullable=False))
books = Table("demo_books", metadata,
              Column("id", Integer, primary_key=True),
              Column("author_id", ForeignKey("demo_authors.id"), nullable=False),
              Column("title", String(200), nullable=False),
              Column("year", Integer))

metadata.drop_all(engine)
metadata.create_all(engine)

with engine.begin() as conn:
    ursula = conn.execute(insert(authors).values(name="Ursula K. Le Guin")).inserted_primary_key[0]
    terry = conn.execute(insert(authors).values(name="Terry Pratchett")).inserted_primary_key[0]
    conn.execute(insert(books), [
        {"author_id": ursula, "title": "A Wizard of Earthsea", "year": 1968},
        {"author_id": ursula, "title": "The Dispossessed", "year": 1974},
        {"author_id": terry, "title": "Small Gods", "year": 1992},
    ])

with engine.connect() as conn:
    print("Books by year:")
    for row in conn.execute(select(books.c.year, books.c.title, authors.c.name)
                            .join(authors).order_by(books.c.year)):
        print(f"  {row.year}  {row.title:<22} {row.name}")
    print("Books per author:")
    stmt = (select(authors.c.name, func.count(books.c.id).label("n"))
            .join(books).group_by(authors.c.name).order_by(authors.c.name))
    for name, n in conn.execute(stmt):
        print(f"  {name}: {n}")

metadata.drop_all(engine)
print("demo finished OK")
