"""What a cold ``import sqlweave.core`` / ``import sqlweave.orm`` loads (module sets, not timings).

Importing the packages must not load the engine layer, the compiler, logging, any dialect or
driver; those load on first use. Every public name must still be importable from the package.
Each check runs in a fresh interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

#: Loaded on first use only (engine layer, compiler, pool, logging, dialects, drivers; stdlib
#: modules only some programs need). ``engine.create`` is light: create_engine() loads the rest.
HEAVY = (
    "sqlweave.core.engine.base", "sqlweave.core.engine.default", "sqlweave.core.engine.url", "sqlweave.core.sql.compiler", "sqlweave.core.pool",
    "sqlweave.core.log", "sqlweave.core.reflection", "sqlweave.dialects", "logging", "inspect",
    "sqlite3", "psycopg2", "pymysql", "uuid", "json", "dataclasses",
)


def _loaded_after(code: str) -> list[str]:
    probe = (
        f"import sys\n{code}\n"
        f"print([m for m in sys.modules if m.startswith({HEAVY!r})])\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(ast.literal_eval(out.stdout))


@pytest.mark.parametrize("module", ["sqlweave.core", "sqlweave.orm"])
def test_cold_import_loads_nothing_heavy(module: str) -> None:
    assert _loaded_after(f"import {module}") == []


def test_orm_program_imports_load_nothing_heavy() -> None:
    loaded = _loaded_after(
        "from sqlweave.core import select, insert, Table, Column, Integer, text, create_engine\n"
        "from sqlweave.orm import Session, DeclarativeBase, Mapped, mapped_column, relationship"
    )
    assert loaded == []


def test_engine_layer_loads_on_use() -> None:
    loaded = _loaded_after(
        "from sqlweave.core import create_engine, text\n"
        "with create_engine('sqlite://').connect() as c:\n"
        "    assert c.execute(text('select 1')).scalar() == 1"
    )
    assert "sqlweave.core.engine.base" in loaded
    assert "sqlweave.core.sql.compiler" in loaded
    assert "sqlite3" in loaded


@pytest.mark.parametrize("module", ["sqlweave.core", "sqlweave.orm"])
def test_every_public_name_resolves(module: str) -> None:
    code = (
        f"import {module} as m\n"
        "missing = [n for n in m.__all__ if getattr(m, n, None) is None]\n"
        "undir = sorted(set(m.__all__) - set(dir(m)))\n"
        "print(missing, undir)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] []"


def test_lazy_names_are_the_real_objects() -> None:
    import sqlweave.core as core
    import sqlweave.orm as orm
    from sqlweave.core.engine.base import Engine
    from sqlweave.core.engine.create import create_engine
    from sqlweave.core.event import listen
    from sqlweave.orm.strategy_options import selectinload

    assert core.Engine is Engine
    assert core.create_engine is create_engine
    assert core.event.listen is listen
    assert orm.selectinload is selectinload
    with pytest.raises(AttributeError):
        core.no_such_name  # noqa: B018
    with pytest.raises(AttributeError):
        orm.no_such_name  # noqa: B018
