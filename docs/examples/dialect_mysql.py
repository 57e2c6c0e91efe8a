"""The MySQL/MariaDB page: URL, ON DUPLICATE KEY UPDATE, MySQL types. Usage: dialect_mysql.py [URL]"""

import sys

# [connect]
from sqlweave.core import create_engine

url = sys.argv[1] if len(sys.argv) > 1 else "mysql+pymysql://root@127.0.0.1:3306/test"
engine = create_engine(url, pool_recycle=3600)
# [/connect]

# [upsert]
from sqlweave.core import Column, Integer, MetaData, String, Table, select
from sqlweave.dialects.mysql import insert

metadata = MetaData()
counter = Table(
    "dlx_my_counter",
    metadata,
    Column("name", String(20), primary_key=True),
    Column("n", Integer, nullable=False),
    mysql_engine="InnoDB",
)
metadata.drop_all(engine)
metadata.create_all(engine)

with engine.begin() as conn:
    stmt = insert(counter).values(name="visits", n=1)
    stmt = stmt.on_duplicate_key_update(n=counter.c.n + stmt.inserted.n)
    for _ in range(3):
        conn.execute(stmt)
    assert conn.execute(select(counter.c.n)).scalar() == 3
# [/upsert]

metadata.drop_all(engine)
engine.dispose()
print("mysql example finished OK")
