"""The example third-party dialect (examples/third_party_dialect) installs as a real distribution,
is found through its ``sqlweave`` entry point, and passes the dialect compliance suite.

The package is pip-installed with ``--target`` into a temporary directory that is put on
``PYTHONPATH`` of child processes only: this process never sees it, so nothing here can be a
monkeypatch of the registry.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from sqlweave.core import create_engine, exc

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "third_party_dialect"


def _can_build_offline() -> bool:
    """True when this environment's setuptools can build a wheel by itself (no index needed)."""
    try:
        raw = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return False
    version = tuple(int(p) for p in raw.split(".")[:2] if p.isdigit())
    return version >= (70, 1) or importlib.util.find_spec("wheel") is not None


@pytest.fixture(scope="module")
def audit_site(tmp_path_factory: Any) -> Path:
    target = tmp_path_factory.mktemp("sqlite_audit_site")
    # Build with this environment's setuptools when it can (works offline); otherwise pip's
    # default build isolation fetches setuptools from the index, as a user's install would.
    isolation = [] if not _can_build_offline() else ["--no-build-isolation"]
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
         *isolation, "--target", str(target), str(EXAMPLE)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (target / "sqlweave_sqlite_audit-0.1.0.dist-info" / "entry_points.txt").exists()
    return target


def _env(site: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(site)}


def _py(site: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, cwd=str(ROOT), env=_env(site), timeout=120)


def test_not_available_without_the_distribution() -> None:
    with pytest.raises(exc.NoSuchModuleError) as info:
        create_engine("sqlite_audit://")
    assert "sqlite_audit" in str(info.value)


def test_found_through_its_entry_point(audit_site: Path) -> None:
    proc = _py(audit_site, """
        from importlib.metadata import entry_points
        from sqlweave.core import create_engine, text
        from sqlweave.core.plugins.manager import list_plugins
        print(sorted(ep.value for ep in entry_points(group="sqlweave") if ep.name == "sqlite_audit"))
        e = create_engine("sqlite_audit://")
        print(dict(list_plugins())["sqlite_audit"])
        print(type(e.dialect).__module__, type(e.dialect).__name__, e.dialect.name)
        with e.connect() as c:
            print(c.execute(text("SELECT 40 + 2")).scalar())
        print(list(e.dialect.audit_log)[-1])
        print(e.dialect.supports_statement_audit)
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "['sqlweave_sqlite_audit.plugin']",
        "sqlweave_sqlite_audit.plugin",
        "sqlweave_sqlite_audit.dialect SQLiteAuditDialect sqlite_audit",
        "42",
        "/* sqlite_audit */ SELECT 40 + 2",
        "True",
    ]


def test_passes_the_compliance_suite(audit_site: Path) -> None:
    """The example's own tests: its features plus the suite imported with ``import *``."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "--sqlweave-url=sqlite_audit://"],
        capture_output=True, text=True, cwd=str(EXAMPLE), env=_env(audit_site), timeout=600,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert " passed" in out and "failed" not in out and "error" not in out.lower()
    assert "test_statements_are_tagged_and_logged" not in out  # (only shown on failure)
