#!/usr/bin/env python3
"""Developer entry point: one command to set up and run the demo, the tests, the benchmarks.

    python3 dev.py demo                      # the SQLite demo (nothing else to install or start)
    python3 dev.py test                      # the test suite on SQLite
    python3 dev.py test --db postgresql      # ... on PostgreSQL (SQLWEAVE_PG_URL to override)
    python3 dev.py test --db mysql           # ... on MySQL/MariaDB (SQLWEAVE_MYSQL_URL)
    python3 dev.py lint                      # ruff over packages, tests and examples
    python3 dev.py type                      # mypy over the packages
    python3 dev.py bench [args]              # benchmarks/run.py side by side with the peers
    python3 dev.py docs                      # build the Sphinx docs (warnings are errors)

The first run creates ``.venv`` and installs the five distributions in editable mode plus the test
tools; later runs reuse it (reinstalling only when a pyproject.toml or requirements file changes).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PACKAGES = [
    "packages/core",
    "packages/orm",
    "packages/dialects/sqlite",
    "packages/dialects/postgresql",
    "packages/dialects/mysql",
]
TEST_REQUIREMENTS = ROOT / "requirements-dev.txt"


def _python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _fingerprint() -> str:
    h = hashlib.sha256()
    for p in [*(ROOT / p / "pyproject.toml" for p in PACKAGES), TEST_REQUIREMENTS]:
        if p.exists():
            h.update(p.read_bytes())
    return h.hexdigest()


def ensure_venv() -> Path:
    """Create .venv and install the packages (editable) and dev tools, once."""
    if sys.version_info < (3, 10):  # noqa: UP036 - this script may run on an older python3
        sys.exit("sqlweave needs Python 3.10 or newer")
    py = _python()
    stamp = VENV / ".sqlweave-installed"
    fp = _fingerprint()
    if py.exists() and stamp.exists() and stamp.read_text() == fp:
        return py
    if not py.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    print("installing sqlweave (editable) and dev tools ...", flush=True)
    cmd = pip + ["-r", str(TEST_REQUIREMENTS), "--config-settings", "editable_mode=compat"]
    for p in PACKAGES:
        cmd += ["-e", str(ROOT / p)]
    subprocess.run(cmd, check=True)
    stamp.write_text(fp)
    return py


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    cmd, rest = argv[0], argv[1:]
    py = str(ensure_venv())
    env = dict(os.environ)
    if cmd == "demo":
        return subprocess.call([py, str(ROOT / "examples" / "demo.py"), *rest], env=env)
    if cmd == "test":
        db = "sqlite"
        if "--db" in rest:
            i = rest.index("--db")
            db = rest[i + 1]
            del rest[i:i + 2]
        env["SQLWEAVE_TEST_DB"] = db
        return subprocess.call([py, "-m", "pytest", "--db", db, *rest], cwd=ROOT, env=env)
    if cmd == "lint":
        return subprocess.call([py, "-m", "ruff", "check", "packages", "tests", "examples", *rest], cwd=ROOT, env=env)
    if cmd == "type":
        return subprocess.call([py, "-m", "mypy", *rest], cwd=ROOT, env=env)
    if cmd == "bench":
        # the peers (SQLAlchemy, peewee) live in their own venv, never beside sqlweave's
        bench = ROOT / ".venv-bench"
        bpy = bench / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        if not bpy.exists():
            venv.EnvBuilder(with_pip=True).create(bench)
            subprocess.run([str(bpy), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                            "pluggy", "-r", str(ROOT / "benchmarks" / "requirements.txt")], check=True)
        return subprocess.call([str(bpy), str(ROOT / "benchmarks" / "run.py"), *rest], cwd=ROOT, env=env)
    if cmd == "docs":
        return subprocess.call([py, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "docs",
                                "docs/_build/html", *rest], cwd=ROOT, env=env)
    print(f"unknown command {cmd!r}\n{__doc__}")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
