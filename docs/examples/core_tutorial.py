"""The Core tutorial's running example (docs/core_tutorial.md includes it section by section).

Run it: ``python docs/examples/core_tutorial.py`` (SQLite in memory).
"""

# [engine]
from sqlweave.core import create_engine, text

engine = create_engine("sqlite://", echo=False)

with engine.connect() as conn:
    result = conn.execute(text("SELECT 'hello world'"))
    print(result.scalar())
# [/engine]

# [metadata]
from sqlweave.core import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    func,
)

metadata = MetaData()

customer = Table(
    "customer",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
    Column("city", String(50)),
)

purchase = Table(
    "purchase",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", ForeignKey("customer.id"), nullable=False),
    Column("item", String(50), nullable=False),
    Column("amount", Numeric(10, 2), nullable=False),
    Column("created", DateTime, server_default=func.now()),
)

metadata.create_all(engine)  # CREATE TABLE for each table, in dependency order
# [/metadata]

# [insert]
from sqlweave.core import insert

with engine.begin() as conn:  # commits at the end of the block, rolls back on error
    result = conn.execute(insert(customer).values(name="ada", city="London"))
    ada_id = result.inserted_primary_key[0]
    conn.execute(
        insert(customer),
        [{"name": "grace", "city": "Arlington"}, {"name": "linus", "city": "Helsinki"}],
    )
    conn.execute(
        insert(purchase),
        [
            {"customer_id": ada_id, "item": "loom", "amount": 120},
            {"customer_id": ada_id, "item": "punch cards", "amount": "9.50"},
            {"customer_id": 2, "item": "compiler", "amount": 300},
        ],
    )
print("ada has id", ada_id)
# [/insert]

# [select]
from sqlweave.core import select

with engine.connect() as conn:
    stmt = select(customer.c.name, customer.c.city).where(customer.c.city != "Helsinki")
    for row in conn.execute(stmt.order_by(customer.c.name)):
        print(row.name, "lives in", row.city)

    names = conn.execute(select(customer.c.name).order_by(customer.c.id)).scalars().all()
    assert names == ["ada", "grace", "linus"]
# [/select]

# [update-delete]
from sqlweave.core import delete, update

with engine.begin() as conn:
    result = conn.execute(
        update(customer).where(customer.c.name == "linus").values(city="Portland")
    )
    assert result.rowcount == 1
    conn.execute(delete(purchase).where(purchase.c.item == "punch cards"))
# [/update-delete]

# [transactions]
with engine.connect() as conn:
    conn.execute(insert(customer).values(name="temp"))
    conn.rollback()  # the insert is discarded
    conn.execute(insert(customer).values(name="margaret", city="Boston"))
    conn.commit()  # the insert is kept

    savepoint = conn.begin_nested()  # SAVEPOINT
    conn.execute(insert(customer).values(name="oops"))
    savepoint.rollback()  # ROLLBACK TO SAVEPOINT: only "oops" is undone
    conn.commit()

with engine.connect() as conn:
    names = conn.execute(select(customer.c.name).order_by(customer.c.id)).scalars().all()
    assert names == ["ada", "grace", "linus", "margaret"]
# [/transactions]

# [joins]
with engine.connect() as conn:
    stmt = (
        select(customer.c.name, purchase.c.item, purchase.c.amount)
        .join_from(customer, purchase)  # ON is derived from the foreign key
        .order_by(purchase.c.amount.desc())
    )
    for name, item, amount in conn.execute(stmt):
        print(f"{name:8} {item:10} {amount:>8}")

    # LEFT OUTER JOIN keeps customers without purchases
    stmt = (
        select(customer.c.name, func.count(purchase.c.id).label("n"))
        .select_from(customer.outerjoin(purchase))
        .group_by(customer.c.name)
        .order_by(customer.c.name)
    )
    assert [tuple(r) for r in conn.execute(stmt)] == [
        ("ada", 1), ("grace", 1), ("linus", 0), ("margaret", 0)
    ]
# [/joins]

# [subqueries]
with engine.connect() as conn:
    # a scalar subquery in WHERE
    biggest = select(func.max(purchase.c.amount)).scalar_subquery()
    stmt = select(purchase.c.item).where(purchase.c.amount == biggest)
    assert conn.execute(stmt).scalar_one() == "compiler"

    # a subquery in FROM
    totals = (
        select(purchase.c.customer_id, func.sum(purchase.c.amount).label("total"))
        .group_by(purchase.c.customer_id)
        .subquery()
    )
    stmt = select(customer.c.name, totals.c.total).join(
        totals, customer.c.id == totals.c.customer_id
    ).order_by(customer.c.name)
    print(conn.execute(stmt).all())

    # EXISTS
    from sqlweave.core import exists

    has_purchases = exists().where(purchase.c.customer_id == customer.c.id)
    stmt = select(customer.c.name).where(~has_purchases).order_by(customer.c.name)
    assert conn.execute(stmt).scalars().all() == ["linus", "margaret"]
# [/subqueries]

# [cte]
with engine.connect() as conn:
    big_spenders = (
        select(purchase.c.customer_id)
        .where(purchase.c.amount > 100)
        .cte("big_spenders")
    )
    stmt = select(customer.c.name).where(customer.c.id.in_(select(big_spenders.c.customer_id)))
    assert sorted(conn.execute(stmt).scalars()) == ["ada", "grace"]

    # a recursive CTE: the numbers 1 to 5
    from sqlweave.core import literal

    numbers = select(literal(1).label("n")).cte("numbers", recursive=True)
    numbers = numbers.union_all(select(numbers.c.n + 1).where(numbers.c.n < 5))
    assert conn.execute(select(numbers.c.n)).scalars().all() == [1, 2, 3, 4, 5]
# [/cte]

# [functions]
with engine.connect() as conn:
    stmt = select(
        func.count().label("purchases"),
        func.sum(purchase.c.amount).label("total"),
        func.max(purchase.c.amount).label("largest"),
    )
    row = conn.execute(stmt).one()
    print(row.purchases, row.total, row.largest)
    assert row.purchases == 2

    upper = conn.execute(select(func.upper(customer.c.name)).where(customer.c.id == 1)).scalar()
    assert upper == "ADA"
# [/functions]

# [window]
with engine.connect() as conn:
    with conn.begin():
        conn.execute(insert(purchase), [
            {"customer_id": 1, "item": "gears", "amount": 40},
            {"customer_id": 2, "item": "debugger", "amount": 75},
        ])
    running = func.sum(purchase.c.amount).over(
        partition_by=purchase.c.customer_id, order_by=purchase.c.id
    )
    rank = func.rank().over(order_by=purchase.c.amount.desc())
    stmt = select(
        purchase.c.customer_id, purchase.c.item, running.label("running"), rank.label("rank")
    ).order_by(purchase.c.customer_id, purchase.c.id)
    for row in conn.execute(stmt):
        print(row.customer_id, row.item, row.running, row.rank)
# [/window]

# [upsert]
from sqlweave.dialects.sqlite import insert as sqlite_insert

with engine.begin() as conn:
    stmt = sqlite_insert(customer).values(name="ada", city="Cambridge")
    stmt = stmt.on_conflict_do_update(
        index_elements=[customer.c.name],
        set_={"city": stmt.excluded.city},
    )
    conn.execute(stmt)
    conn.execute(sqlite_insert(customer).values(name="grace").on_conflict_do_nothing())

with engine.connect() as conn:
    city = conn.execute(select(customer.c.city).where(customer.c.name == "ada")).scalar()
    assert city == "Cambridge"
# [/upsert]

# [text]
with engine.connect() as conn:
    stmt = text("SELECT name, city FROM customer WHERE city = :city ORDER BY name")
    rows = conn.execute(stmt, {"city": "Arlington"}).all()
    assert [tuple(r) for r in rows] == [("grace", "Arlington")]

    # text() can be typed and used as a column expression, and values always travel as parameters
    hostile = "x'; DROP TABLE customer; --"
    assert conn.execute(stmt, {"city": hostile}).all() == []

    # .columns() types the result columns; text() also serves as a FROM of select()
    from sqlweave.core import column
    name, n = column("name", String), column("n", Integer)
    typed = text("SELECT name, 1 AS n FROM customer WHERE city = :city").columns(name, n)
    assert [(r._mapping[name], r._mapping[n]) for r in conn.execute(typed, {"city": "Arlington"})] == [("grace", 1)]
    counts = select(column("city"), n).select_from(
        text("(SELECT city, COUNT(*) AS n FROM customer GROUP BY city) AS by_city")).where(n > 0)
    assert ("Arlington", 1) in [tuple(r) for r in conn.execute(counts)]
# [/text]

# [results]
with engine.connect() as conn:
    result = conn.execute(select(customer).order_by(customer.c.id))
    first = result.first()  # a Row: a named tuple
    assert first is not None
    print(first.name, first[1], first._mapping["city"])

    rows = conn.execute(select(customer.c.id, customer.c.name)).mappings().all()
    assert rows[0]["name"] == "ada"

    one = conn.execute(select(customer.c.name).where(customer.c.id == 2)).scalar_one()
    assert one == "grace"

    maybe = conn.execute(select(customer.c.name).where(customer.c.id == 99)).scalar_one_or_none()
    assert maybe is None
# [/results]

# [reflection]
from sqlweave.core import inspect

inspector = inspect(engine)
assert inspector.get_table_names() == ["customer", "purchase"]
print([c["name"] for c in inspector.get_columns("purchase")])

reflected = Table("customer", MetaData(), autoload_with=engine)
print(reflected.c.keys())
# [/reflection]

metadata.drop_all(engine)
print("core tutorial finished OK")
