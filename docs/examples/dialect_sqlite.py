"""The SQLite page: URLs, a file database, isolation levels, upserts, RETURNING."""

import tempfile
from pathlib import Path

# [urls]
from sqlweave.core import create_engine

memory = create_engine("sqlite://")  # in memory, one connection per thread
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "app.db"
    on_disk = create_engine(f"sqlite:///{path}")  # sqlite:////absolute/path.db
    busy_wait = create_engine(f"sqlite:///{path}?timeout=30")  # sqlite3.connect(timeout=30)
    on_disk.dispose()
    busy_wait.dispose()
# [/urls]

# [upsert]
from sqlweave.core import Column, Integer, MetaData, String, Table, select
from sqlweave.dialects.sqlite import insert

metadata = MetaData()
kv = Table("kv", metadata, Column("k", String(20), primary_key=True), Column("v", Integer))
metadata.create_all(memory)

with memory.begin() as conn:
    stmt = insert(kv).values(k="hits", v=1)
    stmt = stmt.on_conflict_do_update(index_elements=[kv.c.k], set_={"v": kv.c.v + 1})
    for _ in range(3):
        conn.execute(stmt)
    assert conn.execute(select(kv.c.v).where(kv.c.k == "hits")).scalar() == 3
# [/upsert]

# [returning]
with memory.begin() as conn:
    if memory.dialect.insert_returning:  # SQLite 3.35+
        row = conn.execute(insert(kv).values(k="new", v=7).returning(kv.c.k, kv.c.v)).one()
        assert tuple(row) == ("new", 7)
# [/returning]

# [isolation]
with memory.connect() as conn:
    conn.execution_options(isolation_level="AUTOCOMMIT")  # no BEGIN is emitted
    assert conn.get_isolation_level() == "AUTOCOMMIT"
# [/isolation]
print("sqlite example finished OK")
