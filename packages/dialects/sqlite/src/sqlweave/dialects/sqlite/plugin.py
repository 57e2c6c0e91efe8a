"""Entry point of the sqlweave-sqlite distribution: registers the dialect without importing it."""

from sqlweave.core.plugins import hookimpl


@hookimpl
def sqlweave_register_dialects(registry):  # type: ignore[no-untyped-def]
    registry.register("sqlite.pysqlite", "sqlweave.dialects.sqlite.pysqlite:SQLiteDialect_pysqlite")
    registry.set_default_driver("sqlite", "pysqlite")
