"""The ORM chapters' examples (docs/orm/*.md) run against the backend under test.

Each file under docs/examples/orm_*.py listed here asserts what its page claims (rows, statement
counts, warnings) and prints "... finished OK". They take the database URL as their first
argument, so this module runs them on SQLite, PostgreSQL or MariaDB according to ``--db``. Their
tables are the shop's (``shop_*``), created and dropped by each example.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.fix_db import db_url

pytestmark = pytest.mark.backend

ROOT = Path(__file__).resolve().parents[2]

#: The ORM chapters' examples (also listed in test_examples.TESTED_ELSEWHERE).
ORM_EXAMPLES = [
    "docs/examples/orm_shop.py",
    "docs/examples/orm_session.py",
    "docs/examples/orm_relationships.py",
    "docs/examples/orm_querying.py",
    "docs/examples/orm_loading.py",
    "docs/examples/orm_nplus1.py",
    "docs/examples/orm_events.py",
]


def _run(path: str, *args: str, dev_mode: bool = False) -> subprocess.CompletedProcess[str]:
    flags = ["-X", "dev"] if dev_mode else []
    return subprocess.run([sys.executable, *flags, str(ROOT / path), *args], capture_output=True,
                          text=True, cwd=str(ROOT), timeout=300)


@pytest.mark.parametrize("path", ORM_EXAMPLES)
def test_orm_example_runs_on_backend(engine: Any, db_name: str, path: str) -> None:
    # The examples share the shop_* tables: runs of this suite from other checkouts or sessions
    # on the same machine and database must take turns.
    lock_path = Path(tempfile.gettempdir()) / f"sqlweave-docs-orm-{db_name}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        proc = _run(path, db_url(db_name))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1].endswith("finished OK"), proc.stdout


def test_nplus1_example_default_under_dev_mode() -> None:
    """The N+1 page's claim that ``python -X dev`` turns warnings on by default (SQLite)."""
    proc = _run("docs/examples/orm_nplus1.py", dev_mode=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "default n_plus_one: 'warn'" in proc.stdout
    plain = _run("docs/examples/orm_nplus1.py")
    assert "default n_plus_one: None" in plain.stdout


def test_orm_examples_are_registered_with_the_docs_test() -> None:
    from tests.docs.test_examples import TESTED_ELSEWHERE

    for path in ORM_EXAMPLES:
        assert TESTED_ELSEWHERE.get(path) == "tests/docs/test_orm_examples.py", path
