"""Getting started: a first Core program (SQLite in memory)."""

from sqlweave.core import Column, Integer, MetaData, String, Table, create_engine, insert, select

engine = create_engine("sqlite://")
metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
)
metadata.create_all(engine)

with engine.begin() as conn:
    conn.execute(insert(users), [{"name": "ann"}, {"name": "bob"}])

with engine.connect() as conn:
    names = conn.execute(select(users.c.name).order_by(users.c.id)).scalars().all()
    print(names)  # ['ann', 'bob']

assert names == ["ann", "bob"]
