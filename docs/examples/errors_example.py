"""The errors page: catching by class, reading the code, recovering the connection."""

# [catch]
from sqlweave.core import Column, Integer, MetaData, Table, create_engine, exc, insert, select

engine = create_engine("sqlite://")
metadata = MetaData()
t = Table("numbers", metadata, Column("n", Integer, primary_key=True))
metadata.create_all(engine)

with engine.connect() as conn:
    conn.execute(insert(t).values(n=1))
    try:
        conn.execute(insert(t).values(n=1))
    except exc.IntegrityError as err:
        print(type(err.orig).__name__)  # the driver's exception: sqlite3.IntegrityError
        print(err.statement)  # INSERT INTO numbers (n) VALUES (?)
        print(err.params)  # (1,)
        print(err.code)  # gkpj -> docs/errors.md#gkpj
        conn.rollback()
    assert conn.execute(select(t.c.n)).scalars().all() == []  # rolled back, still usable
# [/catch]

# [retry]
import time


def run_with_retry(work, attempts=3):  # type: ignore[no-untyped-def]
    """Re-run a whole transaction when the database asks for it (deadlock, serialization)."""
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                return work(conn)
        except exc.DBAPIError as err:
            if not err.retryable or attempt == attempts - 1:
                raise
            time.sleep(0.05 * 2**attempt)


assert run_with_retry(lambda conn: conn.execute(select(t.c.n)).all()) == []
# [/retry]
print("errors example finished OK")
