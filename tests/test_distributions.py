"""The five distributions install separately: Core alone works and has no ORM or dialect.

Builds real wheels into a throwaway venv (pip fetches pluggy/setuptools from the index), so it runs
once, with the SQLite backend run of the suite.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(py: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(py), "-c", code], capture_output=True, text=True, cwd="/")


@pytest.mark.timeout(600)
def test_core_alone_then_sqlite_plugin(tmp_path: Path, request: Any) -> None:
    if request.config.getoption("--db") != "sqlite":
        pytest.skip("distribution test runs once, with the sqlite run of the suite")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + [str(ROOT / "packages" / "core")], check=True)

    ok = _run(py, "from sqlweave.core import select, column, table; "
                  "t = table('t', column('a')); print(select(t.c.a).where(t.c.a == 5))")
    assert ok.returncode == 0, ok.stderr
    assert "SELECT t.a" in ok.stdout and "WHERE t.a = :a_1" in ok.stdout

    no_orm = _run(py, "import sqlweave.orm")
    assert no_orm.returncode != 0 and "ModuleNotFoundError" in no_orm.stderr
    no_dialect = _run(py, "from sqlweave.core import create_engine; create_engine('sqlite://')")
    assert no_dialect.returncode != 0
    assert "NoSuchModuleError" in no_dialect.stderr and "sqlweave-sqlite" in no_dialect.stderr

    lazy = _run(py, "import sys, sqlweave.core; "
                    "print(sorted(m for m in sys.modules if m.startswith(('sqlweave.dialects', 'sqlweave.orm', 'sqlite3', 'psycopg2', 'pymysql'))))")
    assert lazy.returncode == 0 and lazy.stdout.strip() == "[]", lazy.stdout + lazy.stderr

    subprocess.run(pip + [str(ROOT / "packages" / "dialects" / "sqlite")], check=True)
    works = _run(py, "from sqlweave.core import create_engine, text; e = create_engine('sqlite://'); "
                     "c = e.connect(); print(c.execute(text('SELECT 41 + 1')).scalar())")
    assert works.returncode == 0, works.stderr
    assert works.stdout.strip() == "42"

    subprocess.run(pip + [str(ROOT / "packages" / "orm")], check=True)
    orm = _run(py, "import importlib.metadata as m; print(m.requires('sqlweave-orm'))")
    assert "sqlweave-core" in orm.stdout
    assert sys.version_info >= (3, 10)
