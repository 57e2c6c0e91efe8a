"""The deliberate differences from SQLAlchemy 2.0, shown by running them."""

from sqlweave.core import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    exc,
    func,
    insert,
    make_url,
    select,
    text,
)

metadata = MetaData()
t = Table("t", metadata, Column("id", Integer, primary_key=True), Column("name", String(20)))

# [str-refused]
# A plain str is never SQL, in ORDER BY and GROUP BY too (SQLAlchemy resolves label names there).
n = func.count(t.c.id).label("n")
try:
    select(t.c.name, n).group_by(t.c.name).order_by("n")
except exc.ArgumentError as err:
    print("refused:", str(err).split(".")[0])

stmt = select(t.c.name, n).group_by(t.c.name).order_by(n.desc())  # pass the Label itself
assert str(stmt).endswith("ORDER BY n DESC")
# [/str-refused]

# [url]
# An empty port ("host:") is an error rather than "no port".
try:
    make_url("postgresql://scott@db.example.com:/app")
except exc.ArgumentError as err:
    print("refused:", err)

# get_driver_name() never imports a dialect: None when the URL names no driver.
assert make_url("postgresql://scott@db.example.com/app").get_driver_name() is None
assert make_url("postgresql+psycopg2://scott@db.example.com/app").get_driver_name() == "psycopg2"
# [/url]

# [row]
engine = create_engine("sqlite://")
with engine.connect() as conn:
    row = conn.execute(text("SELECT 3 AS count, 'x' AS name")).one()

assert isinstance(row, tuple)  # Row is a real tuple subclass
assert row == (3, "x") and row.name == "x"
assert callable(row.count)  # tuple.count: a column named like a tuple method ...
assert row._mapping["count"] == 3 and row[0] == 3  # ... is read by key or position
# [/row]

# [errors]
metadata.create_all(engine)
with engine.connect() as conn:
    conn.execute(insert(t).values(id=1, name="a"))
    try:
        conn.execute(insert(t).values(id=1, name="b"))
    except exc.IntegrityError as err:
        assert err.code == "gkpj" and err.retryable is False
        assert isinstance(err, exc.SQLAlchemyError)  # SQLAlchemy's base name is an alias
        conn.rollback()
# [/errors]
print("differences finished OK")
