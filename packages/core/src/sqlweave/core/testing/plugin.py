"""pytest plugin of the dialect compliance suite: ``pytest -p sqlweave.core.testing.plugin``.

Options:

``--sqlweave-url=URL``
    The database the suite runs against (default: the ``SQLWEAVE_COMPLIANCE_URL`` environment
    variable). Without a URL every compliance test is skipped with that reason.

Fixtures (all prefixed ``sw_``): ``sw_url``, ``sw_engine`` (session scope, connected once so that
version-dependent capability flags are set), ``sw_metadata`` (a MetaData whose tables are dropped
after the test) and ``sw_connection``.

The plugin imports nothing but pytest at load time; sqlweave is imported when a fixture is used.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core.testing.fixtures import MARKER

# The suite's modules use plain asserts; have pytest rewrite them even when a dialect package
# imports the classes with ``from sqlweave.core.testing.suite import *``.
pytest.register_assert_rewrite("sqlweave.core.testing.suite")

URL_ENV = "SQLWEAVE_COMPLIANCE_URL"


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("sqlweave", "sqlweave dialect compliance suite")
    group.addoption(
        "--sqlweave-url", action="store", default=None, dest="sqlweave_url",
        help=f"database URL the compliance suite runs against (default: ${URL_ENV})",
    )


def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(*flags): the test needs these dialect capability flags"
    )


@pytest.fixture(scope="session")
def sw_url(request: Any) -> str:
    """The URL under test, or a skip when none was given."""
    url = request.config.getoption("sqlweave_url") or os.environ.get(URL_ENV)
    if not url:
        pytest.skip(f"no database for the compliance suite: pass --sqlweave-url or set {URL_ENV}")
    return str(url)


@pytest.fixture(scope="session")
def sw_engine(sw_url: str) -> Iterator[Any]:
    """An engine on the URL under test, connected once (version-dependent flags are then set).

    An unreachable database is an error, not a skip: the suite was asked to run against it.
    """
    from sqlweave.core import create_engine

    engine = create_engine(sw_url)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    yield engine
    engine.dispose()


@pytest.fixture
def sw_metadata(sw_engine: Any) -> Iterator[Any]:
    """A fresh MetaData; the tables created in it are dropped after the test."""
    from sqlweave.core import MetaData

    md = MetaData()
    yield md
    md.drop_all(sw_engine)


@pytest.fixture
def sw_connection(sw_engine: Any) -> Iterator[Any]:
    """A connection from ``sw_engine``; closed (rolling back) after the test."""
    with sw_engine.connect() as conn:
        yield conn
