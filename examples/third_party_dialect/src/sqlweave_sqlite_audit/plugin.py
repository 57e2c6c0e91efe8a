"""The entry point module: registers the dialect by import path, so loading the plugin is cheap."""

from __future__ import annotations

from typing import Any

from sqlweave.core.plugins import hookimpl


@hookimpl
def sqlweave_register_dialects(registry: Any) -> None:
    """Register ``sqlite_audit+pysqlite`` and make pysqlite the default driver."""
    registry.register("sqlite_audit.pysqlite", "sqlweave_sqlite_audit.dialect:SQLiteAuditDialect")
    registry.set_default_driver("sqlite_audit", "pysqlite")
