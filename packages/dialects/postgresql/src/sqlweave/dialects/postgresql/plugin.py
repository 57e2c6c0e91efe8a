"""Entry point of the sqlweave-postgresql distribution: registers the dialect without importing
it (nor psycopg2)."""

from sqlweave.core.plugins import hookimpl


@hookimpl
def sqlweave_register_dialects(registry):  # type: ignore[no-untyped-def]
    registry.register("postgresql.psycopg2", "sqlweave.dialects.postgresql.psycopg2:PGDialect_psycopg2")
    registry.set_default_driver("postgresql", "psycopg2")
