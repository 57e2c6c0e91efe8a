"""Entry point of the sqlweave-mysql distribution: registers the dialects without importing them
(or PyMySQL)."""

from sqlweave.core.plugins import hookimpl


@hookimpl
def sqlweave_register_dialects(registry):  # type: ignore[no-untyped-def]
    registry.register("mysql.pymysql", "sqlweave.dialects.mysql.pymysql:MySQLDialect_pymysql")
    registry.set_default_driver("mysql", "pymysql")
    registry.register("mariadb.pymysql", "sqlweave.dialects.mysql.pymysql:MariaDBDialect_pymysql")
    registry.set_default_driver("mariadb", "pymysql")
