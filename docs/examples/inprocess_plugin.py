"""The plugin guide: registering a dialect in-process (tests, applications) instead of by entry point."""

# [inprocess]
from sqlweave.core import create_engine, text
from sqlweave.core.plugins import hookimpl, register_plugin
from sqlweave.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite


class ReadOnlySQLite(SQLiteDialect_pysqlite):
    """SQLite that refuses to write (PRAGMA query_only on every connection)."""

    name = "sqlite_ro"

    def on_connect(self):  # type: ignore[no-untyped-def]
        inherited = super().on_connect()

        def connect(dbapi_connection):  # type: ignore[no-untyped-def]
            inherited(dbapi_connection)
            dbapi_connection.execute("PRAGMA query_only = 1")

        return connect


class MyPlugin:
    @hookimpl
    def sqlweave_register_dialects(self, registry):  # type: ignore[no-untyped-def]
        registry.register("sqlite_ro.pysqlite", ReadOnlySQLite)  # a class is fine in-process

    @hookimpl
    def sqlweave_engine_created(self, engine):  # type: ignore[no-untyped-def]
        print("engine created:", engine.dialect.name)


register_plugin(MyPlugin(), name="my-app-dialects")

engine = create_engine("sqlite_ro://")
with engine.connect() as conn:
    assert conn.execute(text("SELECT 1")).scalar() == 1
    try:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    except Exception as err:
        print(type(err).__name__)  # OperationalError: attempt to write a readonly database
# [/inprocess]
print("inprocess plugin example finished OK")
