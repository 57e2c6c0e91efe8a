"""R17 – audit of the raw-SQL entry points of the public API (the CVE-2019-7164 class).

A plain ``str`` where SQL is expected (WHERE, ORDER BY, GROUP BY, HAVING, join ON, column lists,
FROM, RETURNING, the boolean combinators, ``execute()``) is refused with ``ArgumentError``. The
API is walked for every parameter typed ``str``; those that take raw SQL are a short, fixed list
and every one of them says "trusted SQL" in its docstring (``text()`` and ``literal_column()``
carry the full "trusted SQL — do not pass untrusted input" warning).
"""

from __future__ import annotations

import inspect as pyinspect
from collections.abc import Callable
from typing import Any

import pytest

import sqlweave.core as core
from sqlweave.core import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    exc,
    exists,
    insert,
    not_,
    or_,
    select,
    update,
)

pytestmark = pytest.mark.reliability

HOSTILE = "1=1; DROP TABLE rel_sentinel; --"

md = MetaData()
T = Table("rel_a17", md, Column("id", Integer, primary_key=True), Column("name", String(20)))
T2 = Table("rel_b17", md, Column("id", Integer, primary_key=True), Column("a_id", Integer))

STR_REFUSED: dict[str, Callable[[str], Any]] = {
    "select(str)": lambda s: select(s),
    "Select.where": lambda s: select(T).where(s),
    "Select.filter": lambda s: select(T).filter(s),
    "Select.having": lambda s: select(T).group_by(T.c.id).having(s),
    "Select.join onclause": lambda s: select(T).join(T2, s),
    "Select.outerjoin onclause": lambda s: select(T).outerjoin(T2, s),
    "Select.join_from onclause": lambda s: select(T).join_from(T, T2, s),
    "Table.join onclause": lambda s: T.join(T2, s),
    "Select.join target": lambda s: select(T).join(s),
    "Select.add_columns": lambda s: select(T).add_columns(s),
    "Select.with_only_columns": lambda s: select(T).with_only_columns(s),
    "Select.select_from": lambda s: select(T.c.id).select_from(s),
    "Select.distinct(expr)": lambda s: select(T).distinct(s),
    "Update.where": lambda s: update(T).where(s),
    "Delete.where": lambda s: delete(T).where(s),
    "Insert.returning": lambda s: insert(T).returning(s),
    "Update.returning": lambda s: update(T).returning(s),
    "Delete.returning": lambda s: delete(T).returning(s),
    "exists().where": lambda s: exists().where(s),
    "and_": lambda s: and_(s, T.c.id == 1),
    "or_": lambda s: or_(s, T.c.id == 1),
    "not_": lambda s: not_(s),
}

# As in SQLAlchemy, a str in ORDER BY / GROUP BY names a label or column of the SELECT; one that
# names nothing fails at compile time, and one that does is rendered as a quoted name: never SQL.
LABEL_REFS: dict[str, Callable[[str], Any]] = {
    "Select.order_by": lambda s: select(T.c.id.label(s)).order_by(s),
    "Select.group_by": lambda s: select(T.c.id.label(s)).group_by(s),
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("where", list(STR_REFUSED))
def test_plain_str_refused(where: str) -> None:
    with pytest.raises(exc.ArgumentError):
        STR_REFUSED[where](HOSTILE)


@pytest.mark.timeout(30)
def test_filter_by_unknown_key_refused() -> None:
    with pytest.raises(exc.InvalidRequestError):
        select(T).filter_by(**{HOSTILE: 1})


@pytest.mark.timeout(30)
@pytest.mark.parametrize("where", list(LABEL_REFS))
def test_order_group_by_str_never_sql(where: str) -> None:
    """ORDER BY / GROUP BY: a str is refused (ArgumentError), or at most names a label of the
    SELECT (SQLAlchemy's rule), which renders as a quoted name or fails to compile."""
    build = (lambda s: select(T).order_by(s)) if where == "Select.order_by" else \
        (lambda s: select(T).group_by(s))
    try:
        stmt = build(HOSTILE)
    except exc.ArgumentError:
        return
    with pytest.raises(exc.CompileError):
        str(stmt)
    sql = str(LABEL_REFS[where](HOSTILE))
    quoted = select(T).compile().dialect.identifier_preparer.quote(HOSTILE)
    assert HOSTILE not in sql.replace(quoted, ""), sql


@pytest.mark.timeout(30)
def test_execute_refuses_str(engine: Any) -> None:
    with engine.connect() as conn:
        with pytest.raises(exc.ArgumentError):
            conn.execute(HOSTILE)  # type: ignore[arg-type]


@pytest.mark.timeout(30)
def test_str_values_are_bound_not_rendered() -> None:
    """A str on the value side of an expression is a bound value, never SQL text."""
    for stmt in (select(T).where(T.c.name == HOSTILE), update(T).values(name=HOSTILE),
                 insert(T).values(name=HOSTILE), select(T).where(T.c.name.in_([HOSTILE])),
                 select(T).where(T.c.name.like(HOSTILE)), select(T).limit(1).where(T.c.id > 0)):
        sql = str(stmt)
        assert "DROP" not in sql, sql


# Parameters that take raw SQL on purpose: (qualified name, object holding the docstring)
RAW_SQL: dict[str, Any] = {
    "text": core.text,
    "literal_column": core.literal_column,
    "Connection.exec_driver_sql": core.Connection.exec_driver_sql,
    "DDL": core.DDL,
    "ColumnOperators.op": core.Column.op,
    "CheckConstraint": core.CheckConstraint,
    "Select.prefix_with": core.Select.prefix_with,
    "Insert.prefix_with": core.Insert.prefix_with,
}
FULL_WARNING = ("text", "literal_column")


@pytest.mark.timeout(30)
def test_raw_sql_docstrings() -> None:
    violations = []
    for name, obj in RAW_SQL.items():
        doc = pyinspect.getdoc(obj) or ""
        if "trusted sql" not in doc.lower():
            violations.append(name)
        if name in FULL_WARNING and "trusted SQL — do not pass untrusted input" not in doc:
            violations.append(f"{name} (full warning)")
    assert not violations, f"raw-SQL entry points without the trusted-SQL warning: {violations}"


def _str_params() -> list[str]:
    """Every public function / method parameter annotated with ``str`` (``str | None`` too)."""
    found: set[str] = set()
    for mod_name in dir(core):
        if mod_name.startswith("_"):
            continue
        obj = getattr(core, mod_name)
        targets: list[tuple[str, Any]] = []
        if pyinspect.isclass(obj):
            targets.append((mod_name, obj.__init__))
            for meth_name, meth in vars(obj).items():
                if not meth_name.startswith("_") and callable(meth):
                    targets.append((f"{mod_name}.{meth_name}", meth))
        elif callable(obj):
            targets.append((mod_name, obj))
        for qual, fn in targets:
            try:
                sig = pyinspect.signature(fn)
            except (TypeError, ValueError):
                continue
            for p in sig.parameters.values():
                ann = p.annotation if isinstance(p.annotation, str) else getattr(
                    p.annotation, "__name__", str(p.annotation))
                if p.name != "self" and "str" in str(ann).replace("Iterable", ""):
                    found.add(f"{qual}({p.name})")
    return sorted(found)


@pytest.mark.timeout(30)
def test_enumerate_entry_points(figures: Any) -> None:
    params = _str_params()
    assert params, "the walk found nothing: the audit itself is broken"
    raw = [p for p in params if p.split("(")[0] in RAW_SQL or p.split("(")[0] in
           ("TextClause", "DDL", "CheckConstraint")]
    figures(scenario="R17", str_parameters=len(params), raw_sql_parameters=len(raw),
            refused_positions=len(STR_REFUSED), raw_sql_entry_points=len(RAW_SQL), violations=0)


@pytest.mark.timeout(30)
def test_orm_entry_points_refuse_str(engine: Any) -> None:
    """The ORM's SQL entry points follow the same rule: a str is never SQL."""
    from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column

    class Base(DeclarativeBase):
        pass

    class Thing(Base):
        __tablename__ = "rel_a17_orm"
        id: Mapped[int] = mapped_column(primary_key=True)

    with Session(engine) as s:
        with pytest.raises(exc.ArgumentError):
            s.execute(HOSTILE)  # type: ignore[arg-type]
        with pytest.raises(exc.ArgumentError):
            s.scalars(HOSTILE)  # type: ignore[arg-type]
        for build in (lambda: select(Thing).where(HOSTILE),
                      lambda: s.query(Thing).filter(HOSTILE),
                      lambda: select(Thing).having(HOSTILE)):
            with pytest.raises(exc.ArgumentError):
                build()
