"""Every code example in docs/ is executed here.

The pages contain no inline Python: code comes from files pulled in with ``literalinclude``. This
module checks that every included file is in one of the sets below, and runs the executed ones in
a fresh interpreter (they assert their own results and print "... finished OK").
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fix_db import db_url

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

#: Examples that run on SQLite in memory whatever backend the suite runs against.
SQLITE_EXAMPLES = [
    "docs/examples/first_core.py",
    "docs/examples/first_orm.py",
    "docs/examples/reconcile_commit.py",
    "docs/examples/core_tutorial.py",
    "docs/examples/differences.py",
    "docs/examples/errors_example.py",
    "docs/examples/inprocess_plugin.py",
    "docs/examples/orm_tutorial.py",
    "docs/examples/orm_inheritance.py",
    "docs/examples/orm_versioning.py",
]

#: The dialect pages' examples, run against the backend under test (``--db``).
DIALECT_EXAMPLES = {
    "sqlite": "docs/examples/dialect_sqlite.py",
    "postgresql": "docs/examples/dialect_postgresql.py",
    "mysql": "docs/examples/dialect_mysql.py",
}

#: Included files executed by another test module.
TESTED_ELSEWHERE = {
    "examples/third_party_dialect/pyproject.toml": "tests/plugins/test_third_party.py",
    "examples/third_party_dialect/src/sqlweave_sqlite_audit/plugin.py": "tests/plugins/test_third_party.py",
    "examples/third_party_dialect/src/sqlweave_sqlite_audit/dialect.py": "tests/plugins/test_third_party.py",
    "examples/third_party_dialect/tests/test_compliance.py": "tests/plugins/test_third_party.py",
    "examples/third_party_dialect/tests/test_audit.py": "tests/plugins/test_third_party.py",
    # the ORM chapters (docs/orm/): run on the backend under test
    **{f"docs/examples/orm_{name}.py": "tests/docs/test_orm_examples.py"
       for name in ("shop", "session", "relationships", "querying", "loading", "nplus1", "events")},
}

#: Examples NOT executed yet, with the reason. Their pages say so in a note; move a file to
#: SQLITE_EXAMPLES once it runs.
PENDING: dict[str, str] = {}

_INCLUDE = re.compile(r"^```\{literalinclude\}\s+(\S+)", re.M)


def _included_files() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for page in sorted(DOCS.rglob("*.md")):
        if "_build" in page.parts:
            continue
        for target in _INCLUDE.findall(page.read_text()):
            path = (page.parent / target).resolve().relative_to(ROOT).as_posix()
            found.setdefault(path, []).append(page.relative_to(ROOT).as_posix())
    return found


def _run(path: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / path), *args], capture_output=True,
                          text=True, cwd=str(ROOT), timeout=300)


def test_every_included_file_is_accounted_for() -> None:
    included = _included_files()
    assert included, "no literalinclude found in docs/"
    known = set(SQLITE_EXAMPLES) | set(DIALECT_EXAMPLES.values()) | set(TESTED_ELSEWHERE) | set(PENDING)
    unknown = {path: pages for path, pages in included.items() if path not in known}
    assert unknown == {}, "included in docs but not executed by any test"
    for path in included:
        assert (ROOT / path).is_file(), path


def test_executed_examples_are_all_included_somewhere() -> None:
    included = _included_files()
    for path in [*SQLITE_EXAMPLES, *DIALECT_EXAMPLES.values()]:
        assert path in included, f"{path} is run but no page shows it"


def test_pending_examples_are_marked_as_not_yet_executed() -> None:
    included = _included_files()
    for path in PENDING:
        for page in included.get(path, []):
            text = " ".join((ROOT / page).read_text().split())
            assert "not yet in the set of executed examples" in text or "joins the executed examples" in text, page


def test_no_inline_python_in_docs() -> None:
    """Python appears only through literalinclude, so that all of it is executed."""
    for page in DOCS.rglob("*.md"):
        if "_build" in page.parts:
            continue
        text = page.read_text()
        assert not re.search(r"^```\s*(\{code-block\}\s*)?(python|py|pycon|python3)\b", text, re.M), page
        assert ">>> " not in text, page
        assert "```{eval-rst}" not in text or "code-block" not in text, page


@pytest.mark.parametrize("path", SQLITE_EXAMPLES)
def test_sqlite_example_runs(path: str) -> None:
    proc = _run(path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_core_tutorial_output() -> None:
    out = _run("docs/examples/core_tutorial.py").stdout
    assert out.splitlines()[:4] == ["hello world", "ada has id 1", "ada lives in London",
                                    "grace lives in Arlington"]
    assert out.strip().endswith("core tutorial finished OK")


@pytest.mark.backend
def test_dialect_page_example_runs_on_backend(engine: Any, db_name: str) -> None:
    path = DIALECT_EXAMPLES[db_name]
    proc = _run(path, db_url(db_name))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("example finished OK")
