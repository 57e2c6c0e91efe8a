"""What this dialect adds: the statement tag, the audit log and its capability flag."""

from __future__ import annotations

from typing import Any

from sqlweave.core import Column, Integer, MetaData, Table, insert, select, text


def test_found_through_the_entry_point(sw_engine: Any) -> None:
    assert type(sw_engine.dialect).__module__ == "sqlweave_sqlite_audit.dialect"
    assert sw_engine.dialect.supports_statement_audit is True


def test_statements_are_tagged_and_logged(sw_engine: Any) -> None:
    t = Table("audit_t", MetaData(), Column("id", Integer, primary_key=True))
    with sw_engine.begin() as conn:
        t.create(conn)
        conn.execute(insert(t).values(id=7))
        assert conn.execute(select(t.c.id)).scalar() == 7
        conn.execute(text("DROP TABLE audit_t"))
    log = list(sw_engine.dialect.audit_log)
    assert 'INSERT INTO audit_t (id) VALUES (?)' in [s.removeprefix("/* sqlite_audit */ ") for s in log]
    assert "/* sqlite_audit */ SELECT audit_t.id \nFROM audit_t" in log
    assert log[-1] == "/* sqlite_audit */ DROP TABLE audit_t"
