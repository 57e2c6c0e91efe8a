"""R18 – malformed URLs and secrets.

Malformed URLs fail with ``ArgumentError`` (``NoSuchModuleError``, listing the installed dialects,
for an unknown dialect or driver) before any socket is opened, which is asserted by patching the
socket layer; odd but valid URLs build an engine without connecting; a refused connect is an
``OperationalError``; the password never shows in ``repr(url)``, ``str(engine)``, log records or
exception text.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import create_engine, exc, make_url
from tests.fix_db import db_url

pytestmark = pytest.mark.reliability

PW = "Zq7-S3cr3tPw"  # distinctive, so "not in text" means something
PW_SPECIAL = "p@ss:/?#%w" + PW
PW_ENC = "p%40ss%3A%2F%3F%23%25w" + PW

MALFORMED: list[Any] = [
    "", "   ", "localhost/db", f"u:{PW}@localhost/db", "://u@h/db", "postgresql:/h/db",
    "postgresql//h/db", "post gresql://h/db", "1postgresql://h/db", "+psycopg2://h/db",
    f"nosuchdb://u:{PW}@h/db", f"nosuch+driver://u:{PW}@h/db",
    f"postgresql+nosuchdriver://u:{PW}@h/db", f"mysql+nosuchdriver://u:{PW}@h/db",
    f"postgresql://u:{PW}@h:abc/db", f"postgresql://u:{PW}@h:99999/db",
    f"postgresql://u:{PW}@h:65536/db", f"postgresql://u:{PW}@h:-1/db",
    f"postgresql://u:{PW}@h:12ab/db", f"postgresql://u:{PW}@h: 5432/db",
    f"mysql+pymysql://u:{PW}@h:0x10/db", f"mysql+pymysql://u:{PW}@h:3306:3307/db",
    f"postgresql://u:{PW}@[::1/db", f"postgresql://u:{PW}@::1]/db",
    f"sqlite://u:{PW}@host/db", "sqlite:///x.db?nosuchopt=1", f"sqlite://:{PW}@/x.db",
    None, 42, b"postgresql://h/db",
]

VALID: list[tuple[str, dict[str, Any]]] = [
    (f"postgresql://u:{PW}@[::1]:5432/db", {"host": "::1", "port": 5432}),
    (f"postgresql://u:{PW}@[::1]/db", {"host": "::1"}),
    (f"postgresql://u:{PW_ENC}@h/db", {"password": PW_SPECIAL, "host": "h"}),
    (f"mysql+pymysql://u:{PW_ENC}@h:3306/db", {"password": PW_SPECIAL, "port": 3306}),
    (f"postgresql://u:{PW}@h/db?application_name=a&application_name=b", {"database": "db"}),
    (f"postgresql://u:{PW}@/db", {"host": None, "database": "db"}),
    (f"postgresql://u:{PW}@h/dá_tàbase", {"database": "dá_tàbase"}),
    (f"mysql+pymysql://u:{PW}@h/db?charset=utf8mb4", {"database": "db"}),
    ("postgresql://h/db", {"username": None, "password": None}),
    (f"postgresql://:{PW}@h/db", {"password": PW}),
    ("postgresql://u:@h/db", {"username": "u"}),
    (f"postgresql+psycopg2://u:{PW}@h:5432/db", {"port": 5432}),
    (f"mysql://u:{PW}@h/db", {"username": "u"}),
    ("sqlite://", {"database": None}),
    ("sqlite:///relative.db", {"database": "relative.db"}),
    ("sqlite:////tmp/abs.db", {"database": "/tmp/abs.db"}),
]
# a raw (unencoded) password with URL delimiters: refused or parsed, but never leaked
RAW_SPECIAL = [f"postgresql://u:{PW_SPECIAL}@h/db", f"mysql+pymysql://u:{PW_SPECIAL}@h/db"]


@pytest.fixture
def sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    opened: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        opened.append(args)
        raise AssertionError(f"a socket connect was attempted: {args[1:]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield opened


def _secret_free(*texts: str) -> None:
    for t in texts:
        assert PW not in t, f"password leaked: {t[:200]!r}"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("url", MALFORMED, ids=[repr(u)[:40] for u in MALFORMED])
def test_malformed_url_fails_offline(url: Any, sockets: list[Any],
                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="sqlweave")
    with pytest.raises(exc.ArgumentError) as info:
        create_engine(url, echo="debug", echo_pool="debug")
    err = info.value
    if isinstance(err, exc.NoSuchModuleError):
        assert "sqlite" in str(err), "NoSuchModuleError must list the installed dialects"
    assert not sockets
    _secret_free(str(err), repr(err), caplog.text, str(err.__cause__ or ""))


@pytest.mark.timeout(30)
@pytest.mark.parametrize("url,expect", VALID, ids=[u[:40] for u, _ in VALID])
def test_odd_but_valid_url_builds_offline(url: str, expect: dict[str, Any], sockets: list[Any],
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="sqlweave")
    u = make_url(url)
    for k, v in expect.items():
        assert getattr(u, k) == v, k
    eng = create_engine(url, echo="debug", echo_pool="debug")
    try:
        assert not sockets
        _secret_free(repr(u), str(u), repr(eng), str(eng), repr(eng.url), str(eng.pool.status()),
                     caplog.text)
        assert u.render_as_string(hide_password=False).count(PW) <= 1
    finally:
        eng.dispose()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("url", RAW_SPECIAL)
def test_raw_special_password_never_leaks(url: str, sockets: list[Any]) -> None:
    try:
        u = make_url(url)
    except exc.ArgumentError as err:
        _secret_free(str(err), repr(err))
        return
    _secret_free(repr(u), str(u))
    assert not sockets


@pytest.mark.timeout(30)
def test_refused_connect_is_operational_error(db_name: str, tmp_path: Any,
                                              caplog: pytest.LogCaptureFixture,
                                              figures: Any) -> None:
    caplog.set_level(logging.DEBUG, logger="sqlweave")
    if db_name == "sqlite":
        url: Any = f"sqlite:///{tmp_path}/no/such/dir/x.db"
    else:
        url = make_url(db_url(db_name)).set(host="127.0.0.1", port=1, password=PW)
    eng = create_engine(url, echo="debug", echo_pool="debug")
    try:
        with pytest.raises(exc.OperationalError) as info:
            with eng.connect():
                pass
        err = info.value
        _secret_free(str(err), repr(err), str(err.orig), caplog.text, str(eng), repr(eng),
                     repr(eng.url))
        assert eng.pool.checkedout() == 0 if hasattr(eng.pool, "checkedout") else True
    finally:
        eng.dispose()
    figures(scenario="R18", malformed=len(MALFORMED), valid_odd=len(VALID) + len(RAW_SPECIAL),
            sockets_opened_on_malformed=0, password_leaks=0)
