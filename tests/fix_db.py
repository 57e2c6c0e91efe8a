"""Database fixtures: one suite, run against the backend chosen with ``--db``.

URLs (loopback defaults, overridable by environment variables):

* ``sqlite``: ``sqlite://`` in memory (``SQLWEAVE_SQLITE_URL``); ``file_engine`` gives a file DB;
* ``postgresql``: ``postgresql://postgres@127.0.0.1:5432/test`` (``SQLWEAVE_PG_URL``);
* ``mysql``: ``mysql+pymysql://root@127.0.0.1:3306/test`` (``SQLWEAVE_MYSQL_URL``).

A backend that can't be reached is skipped with the reason outside CI and is an error in CI
(``CI=true``). Tests that talk to a database are marked ``backend``; tests that need a capability
use ``requires(...)`` with the dialect's capability flag names, never database names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import MetaData, create_engine

DEFAULT_URLS = {
    "sqlite": ("SQLWEAVE_SQLITE_URL", "sqlite://"),
    "postgresql": ("SQLWEAVE_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    "mysql": ("SQLWEAVE_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}


def pytest_addoption(parser: Any) -> None:
    parser.addoption(
        "--db", action="store", default=os.environ.get("SQLWEAVE_TEST_DB", "sqlite"),
        choices=sorted(DEFAULT_URLS), help="database backend to run backend tests against",
    )


def db_url(name: str) -> str:
    var, default = DEFAULT_URLS[name]
    return os.environ.get(var, default)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def db_name(request: Any) -> str:
    return str(request.config.getoption("--db"))


@pytest.fixture(scope="session")
def engine(db_name: str) -> Iterator[Any]:
    """The engine of the backend under test (shared by the session)."""
    eng = create_engine(db_url(db_name))
    try:
        with eng.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as err:  # unreachable server
        if _in_ci():
            raise
        pytest.skip(f"{db_name} is not reachable: {err}")
    yield eng
    eng.dispose()


@pytest.fixture
def metadata(engine: Any) -> Iterator[MetaData]:
    """A fresh MetaData; every table created in it is dropped after the test."""
    md = MetaData()
    yield md
    md.drop_all(engine)


@pytest.fixture
def connection(engine: Any) -> Iterator[Any]:
    with engine.connect() as conn:
        yield conn


@pytest.fixture
def file_engine(db_name: str, tmp_path: Any) -> Iterator[Any]:
    """An engine whose connections share state across threads: a file DB on SQLite, the server
    elsewhere."""
    url = f"sqlite:///{tmp_path / 'test.db'}" if db_name == "sqlite" else db_url(db_name)
    eng = create_engine(url)
    yield eng
    eng.dispose()


def requires(*capabilities: str) -> Any:
    """Skip a test unless the dialect has every named capability flag set (checked after the
    first connect, so version-dependent flags are known)."""

    def check(engine: Any) -> None:
        with engine.connect():
            pass
        missing = [c for c in capabilities if not getattr(engine.dialect, c, False)]
        if missing:
            pytest.skip(f"{engine.dialect.name} lacks {', '.join(missing)}")

    return check
