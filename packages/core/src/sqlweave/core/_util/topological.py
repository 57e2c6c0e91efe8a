"""Dependency ordering of tables by foreign keys."""

from __future__ import annotations

from typing import Any

from sqlweave.core import exc


def sort_tables(tables: list[Any], skip_use_alter: bool = True) -> list[Any]:
    """Order ``tables`` so each comes after the tables it references.

    Foreign keys marked ``use_alter`` are ignored (they are created afterwards). A cycle without
    ``use_alter`` raises :class:`~sqlweave.core.exc.CircularDependencyError` naming the tables.
    Ties keep the input order (sorted by name) so the result is deterministic.
    """
    by_id = {id(t): t for t in tables}
    deps: dict[int, set[int]] = {id(t): set() for t in tables}
    for t in tables:
        for fkc in t.foreign_key_constraints:
            if skip_use_alter and fkc.use_alter:
                continue
            try:
                ref = fkc.referred_table
            except exc.SqlweaveError:
                continue
            if ref is not t and id(ref) in by_id:
                deps[id(t)].add(id(ref))
    ordered: list[Any] = []
    done: set[int] = set()
    remaining = sorted(tables, key=lambda t: t.fullname)
    while remaining:
        progress = False
        for t in list(remaining):
            if deps[id(t)] <= done:
                ordered.append(t)
                done.add(id(t))
                remaining.remove(t)
                progress = True
        if not progress:
            names = ", ".join(t.fullname for t in remaining)
            raise exc.CircularDependencyError(
                f"Can't sort tables for DDL: there is a foreign key cycle between {names}. Mark one "
                "of the foreign keys use_alter=True so it is created after both tables."
            )
    return ordered
