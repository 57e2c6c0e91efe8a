"""The PostgreSQL page: URL, upserts, RETURNING, PostgreSQL types. Usage: dialect_postgresql.py [URL]"""

import sys
import uuid

# [connect]
from sqlweave.core import create_engine

url = sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/test"
engine = create_engine(url, pool_size=5, pool_pre_ping=True)
# [/connect]

# [types]
from sqlweave.core import Column, Integer, MetaData, String, Table, select
from sqlweave.dialects.postgresql import ARRAY, JSONB, UUID, insert

metadata = MetaData()
doc = Table(
    "dlx_pg_doc",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("title", String(100), nullable=False),
    Column("tags", ARRAY(String(20))),
    Column("body", JSONB),
    Column("hits", Integer, nullable=False, server_default="0"),
)
metadata.drop_all(engine)
metadata.create_all(engine)
# [/types]

# [upsert]
key = uuid.UUID("00000000-0000-0000-0000-000000000001")
with engine.begin() as conn:
    stmt = insert(doc).values(id=key, title="intro", tags=["a", "b"], body={"v": 1})
    stmt = stmt.on_conflict_do_update(
        index_elements=[doc.c.id],
        set_={"hits": doc.c.hits + 1, "body": stmt.excluded.body},
    ).returning(doc.c.hits)
    assert conn.execute(stmt).scalar() == 0  # inserted
    assert conn.execute(stmt).scalar() == 1  # updated

with engine.connect() as conn:
    row = conn.execute(select(doc.c.tags, doc.c.body["v"].as_integer())).one()
    assert row[0] == ["a", "b"] and row[1] == 1
# [/upsert]

metadata.drop_all(engine)
engine.dispose()
print("postgresql example finished OK")
