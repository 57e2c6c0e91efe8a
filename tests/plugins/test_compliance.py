"""Run the dialect compliance suite (``sqlweave.core.testing``) against the backend under test,
exactly as a dialect package would: ``pytest -p sqlweave.core.testing.plugin --sqlweave-url=...``.

The suite runs in a child pytest so that its fixtures and its ``--sqlweave-url`` are isolated from
this session; its summary is checked here (everything passed, and every skip names a capability
flag, never a database).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fix_db import db_url

pytestmark = pytest.mark.backend

ROOT = Path(__file__).resolve().parents[2]


def _run_suite(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SQLWEAVE_COMPLIANCE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "-p", "sqlweave.core.testing.plugin", f"--sqlweave-url={url}",
         "--pyargs", "sqlweave.core.testing.suite", *extra],
        capture_output=True, text=True, cwd=str(ROOT), env=env, timeout=900,
    )


@pytest.mark.timeout(900)
def test_compliance_suite_passes_on_backend_under_test(engine: Any, db_name: str) -> None:
    proc = _run_suite(db_url(db_name))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-20000:]
    summary = out.strip().splitlines()[-1]
    passed = int(re.search(r"(\d+) passed", summary).group(1))  # type: ignore[union-attr]
    assert passed >= 70, summary
    for line in out.splitlines():
        if line.startswith("SKIPPED"):
            # skips come from capability flags (or an explicitly undeclared isolation level)
            assert re.search(r"lacks \w+|has no AUTOCOMMIT level", line), line


def test_suite_without_url_skips_with_reason() -> None:
    proc = _run_suite("", "-k", "test_commit_keeps_rollback_discards")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "no database for the compliance suite: pass --sqlweave-url" in out
