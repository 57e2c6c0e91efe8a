"""The ``sqlite_audit`` dialect: the SQLite dialect plus a statement tag and an audit log."""

from __future__ import annotations

import collections
from typing import Any

from sqlweave.dialects.sqlite.base import SQLiteCompiler
from sqlweave.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

#: The comment that starts every statement this dialect compiles.
TAG = "/* sqlite_audit */ "


class SQLiteAuditCompiler(SQLiteCompiler):
    """SQLite's compiler, with every compiled statement tagged by a leading comment.

    The tag is added once per compiled statement (compiled forms are cached), not per execution.
    """

    def __init__(self, dialect: Any, statement: Any, *args: Any, **kw: Any) -> None:
        super().__init__(dialect, statement, *args, **kw)
        self.string = TAG + self.string


class SQLiteAuditDialect(SQLiteDialect_pysqlite):
    """SQLite (stdlib ``sqlite3``) that tags compiled statements and records what it executes."""

    name = "sqlite_audit"
    driver = "pysqlite"
    statement_compiler = SQLiteAuditCompiler

    #: A capability flag of this dialect's own; tests can skip on it like on any built-in flag.
    supports_statement_audit = True

    #: How many statements ``audit_log`` keeps.
    audit_log_size = 1000

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.audit_log: collections.deque[str] = collections.deque(maxlen=self.audit_log_size)

    def do_execute(self, cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        self.audit_log.append(statement)
        super().do_execute(cursor, statement, parameters, context)

    def do_execute_no_params(self, cursor: Any, statement: str, context: Any = None) -> None:
        self.audit_log.append(statement)
        super().do_execute_no_params(cursor, statement, context)

    def do_executemany(self, cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        self.audit_log.append(statement)
        super().do_executemany(cursor, statement, parameters, context)


dialect = SQLiteAuditDialect
