"""URL parsing, rendering and validation (includes the R18 malformed-URL corpus)."""

from __future__ import annotations

import pickle
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from sqlweave.core import exc
from sqlweave.core.engine.url import URL, make_url

PW = "S3cr3t-Pw"  # distinctive, so "not in text" checks mean something


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test if anything tries to connect: URL handling must stay offline."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a socket connect was attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


# -- corpus ----------------------------------------------------------------------------------------
# (url, expected (drivername, username, password, host, port, database, query))
GOOD: list[tuple[str, tuple[Any, ...]]] = [
    ("sqlite://", ("sqlite", None, None, None, None, None, {})),
    ("sqlite:///:memory:", ("sqlite", None, None, None, None, ":memory:", {})),
    ("sqlite:///relative.db", ("sqlite", None, None, None, None, "relative.db", {})),
    ("sqlite:////abs/path.db", ("sqlite", None, None, None, None, "/abs/path.db", {})),
    ("sqlite+pysqlite:///dir/x@y.db", ("sqlite+pysqlite", None, None, None, None, "dir/x@y.db", {})),
    ("postgresql://scott:tiger@localhost/test",
     ("postgresql", "scott", "tiger", "localhost", None, "test", {})),
    ("postgresql+psycopg2://scott:tiger@localhost:5432/test",
     ("postgresql+psycopg2", "scott", "tiger", "localhost", 5432, "test", {})),
    ("postgresql://postgres@127.0.0.1:5432/test",
     ("postgresql", "postgres", None, "127.0.0.1", 5432, "test", {})),
    ("mysql+pymysql://root@127.0.0.1:3306/test",
     ("mysql+pymysql", "root", None, "127.0.0.1", 3306, "test", {})),
    ("postgresql://u:p@[::1]:5432/db", ("postgresql", "u", "p", "::1", 5432, "db", {})),
    ("postgresql://u:p@[::1]/db", ("postgresql", "u", "p", "::1", None, "db", {})),
    ("postgresql://[2001:db8::7]:1/db", ("postgresql", None, None, "2001:db8::7", 1, "db", {})),
    ("postgresql://h:65535", ("postgresql", None, None, "h", 65535, None, {})),
    # raw '@' and ':' in a password: the last '@' before the host separates the credentials
    (f"postgresql://scott:{PW}@:x@localhost/db",
     ("postgresql", "scott", f"{PW}@:x", "localhost", None, "db", {})),
    # all of @:/?#% percent-encoded
    (f"postgresql://scott:{PW}%40%3A%2F%3F%23%25@localhost/db",
     ("postgresql", "scott", f"{PW}@:/?#%", "localhost", None, "db", {})),
    (f"postgresql://scott:{PW}#%@localhost/db",
     ("postgresql", "scott", f"{PW}#%", "localhost", None, "db", {})),
    ("postgresql://us%40er%3Ax:pw@h/db", ("postgresql", "us@er:x", "pw", "h", None, "db", {})),
    # empty host (libpq default / unix socket)
    (f"postgresql://scott:{PW}@/db", ("postgresql", "scott", PW, None, None, "db", {})),
    ("postgresql:///test?host=/var/run/postgresql",
     ("postgresql", None, None, None, None, "test", {"host": "/var/run/postgresql"})),
    ("postgresql://u@/db?host=%2Ftmp", ("postgresql", "u", None, None, None, "db", {"host": "/tmp"})),
    ("postgresql://h/db?a=1&a=2&b=3",
     ("postgresql", None, None, "h", None, "db", {"a": ("1", "2"), "b": "3"})),
    ("postgresql://h/db?a=1&a=2&a=3",
     ("postgresql", None, None, "h", None, "db", {"a": ("1", "2", "3")})),
    ("postgresql://h/db?sslmode=require&x=a+b%26c",
     ("postgresql", None, None, "h", None, "db", {"sslmode": "require", "x": "a b&c"})),
    ("postgresql://h/db?flag", ("postgresql", None, None, "h", None, "db", {"flag": ""})),
    ("postgresql://h/", ("postgresql", None, None, "h", None, "", {})),
    ("postgresql://h", ("postgresql", None, None, "h", None, None, {})),
    ("postgresql://h/données", ("postgresql", None, None, "h", None, "données", {})),
    ("postgresql://h/d%C3%B8nn%C3%A9es", ("postgresql", None, None, "h", None, "dønnées", {})),
    ("sqlite:///数据库.db", ("sqlite", None, None, None, None, "数据库.db", {})),
    ("mysql://u:@h/db", ("mysql", "u", "", "h", None, "db", {})),
    ("  sqlite://  ", ("sqlite", None, None, None, None, None, {})),
    ("my_dialect+my_driver2://h", ("my_dialect+my_driver2", None, None, "h", None, None, {})),
]

# (url, words the message must contain)
BAD: list[tuple[Any, str]] = [
    ("", "empty"),
    ("   ", "empty"),
    ("localhost/test", "://"),
    (f"scott:{PW}@localhost/test", "://"),
    (f"postgresql:/scott:{PW}@localhost/test", "://"),
    (f"postgresql:scott:{PW}@localhost", "://"),
    (f"postgresql://scott:{PW}@localhost:abc/test", "not a number"),
    ("postgresql://localhost:abc/test", "not a number"),
    (f"postgresql://scott:{PW}@localhost:99999/test", "outside 1-65535"),
    ("postgresql://localhost:0/test", "outside 1-65535"),
    ("postgresql://localhost:-1/test", "not a number"),
    ("postgresql://localhost:/test", "empty"),
    ("postgresql://localhost:５４３２/test", "not a number"),  # full-width digits
    (f"postgresql://scott:{PW}@[::1/test", "']'"),
    (f"postgresql://scott:{PW}@[::1", "']'"),
    (f"postgresql://scott:{PW}@[::1]x/test", "after the bracketed"),
    ("postgresql://[]:5432/test", "empty"),
    (f"postgresql://scott:{PW}@::1:5432/test", "brackets"),
    ("postgresql://h]/db", "']'"),
    (f"postgres-ql://scott:{PW}@h/db", "dialect name"),
    ("postgresql+psycopg2+x://h/db", "dialect name"),
    ("postgresql+://h/db", "dialect name"),
    ("://h/db", "dialect name"),
    ("post gres://h/db", "dialect name"),
    # raw password containing @:/?#% : the '/' or '?' ends the host part; must fail, not leak
    (f"postgresql://scott:{PW}@:/?#%@localhost/db", "port"),
    (f"postgresql://scott:{PW}/x@localhost/db", "port"),
    (f"postgresql://scott:{PW}?x@localhost/db", "port"),
]

BAD_TYPES: list[Any] = [None, 123, b"sqlite://", ["sqlite://"], object()]


@pytest.mark.parametrize("text, expected", GOOD, ids=[g[0] for g in GOOD])
def test_good_urls_parse(text: str, expected: tuple[Any, ...]) -> None:
    url = make_url(text)
    assert tuple(url[:6]) == expected[:6]
    assert url.query == expected[6]
    # round-trip through the unhidden rendering
    assert make_url(url.render_as_string(hide_password=False)) == url
    if url.password is not None:
        # str()/repr() do not depend on the password at all
        other = url._replace(password="placeholder")
        assert (str(url), repr(url)) == (str(other), repr(other))
        assert "***" in repr(url)


@pytest.mark.parametrize("text, words", BAD, ids=[b[0] or "<empty>" for b in BAD])
def test_bad_urls_raise_without_leaking(text: str, words: str) -> None:
    with pytest.raises(exc.ArgumentError) as info:
        make_url(text)
    message = str(info.value)
    assert words in message
    assert PW not in message
    assert "Cr3t" not in message  # not even a piece of it
    if "://" in text and "@" in text:
        assert "***" in message
    # the traceback chain carries nothing either
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ or info.value.__context__ is None


@pytest.mark.parametrize("value", BAD_TYPES, ids=lambda v: type(v).__name__)
def test_non_string_argument(value: Any) -> None:
    with pytest.raises(exc.ArgumentError, match="URL string or URL object"):
        make_url(value)


def test_corpus_size() -> None:
    assert len(GOOD) + len(BAD) + len(BAD_TYPES) >= 40


def test_make_url_passes_url_through() -> None:
    url = make_url("sqlite://")
    assert make_url(url) is url


# -- rendering -------------------------------------------------------------------------------------


def test_render_hides_password_by_default() -> None:
    url = make_url(f"postgresql://scott:{PW}@localhost/test")
    assert str(url) == "postgresql://scott:***@localhost/test"
    assert repr(url) == "postgresql://scott:***@localhost/test"
    assert url.render_as_string() == str(url)
    assert url.render_as_string(hide_password=False) == f"postgresql://scott:{PW}@localhost/test"
    assert PW not in f"{url!r} {url!s} {url} {[url]} {(url,)!r}"


def test_render_encodes_special_characters() -> None:
    url = URL.create("postgresql", "us@r", "p@ss:/?#%w", "::1", 5432, "d?b#%", {"k": "a b&c"})
    text = url.render_as_string(hide_password=False)
    assert text == (
        "postgresql://us%40r:p%40ss%3A%2F%3F%23%25w@[::1]:5432/d%3Fb%23%25?k=a+b%26c"
    )
    assert make_url(text) == url


def test_query_keys_render_sorted_with_repeats() -> None:
    url = make_url("sqlite://?b=2&a=1&b=3")
    assert url.render_as_string() == "sqlite://?a=1&b=2&b=3"


# -- create / validation ---------------------------------------------------------------------------


def test_create_defaults() -> None:
    url = URL.create("sqlite")
    assert url == make_url("sqlite://")
    assert url.query == {}


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"port": "5432"}, "port must be an int"),
        ({"port": 5432.0}, "port must be an int"),
        ({"port": True}, "port must be an int"),
        ({"port": 70000}, "outside 1-65535"),
        ({"port": 0}, "outside 1-65535"),
        ({"username": 1}, "username must be a str"),
        ({"password": b"x"}, "password must be a str"),
        ({"host": 1}, "host must be a str"),
        ({"database": 1}, "database must be a str"),
        ({"query": "a=1"}, "query must be a mapping"),
        ({"query": {"a": 1}}, "query value"),
        ({"query": {"a": []}}, "query value"),
        ({"query": {1: "a"}}, "query keys"),
    ],
)
def test_create_validates(kw: dict[str, Any], words: str) -> None:
    with pytest.raises(exc.ArgumentError, match=words) as info:
        URL.create("postgresql", **{"password": PW, **kw})
    assert PW not in str(info.value)


@pytest.mark.parametrize("name", ["", "a-b", "a+b+c", "a+", "+b", 3, None])
def test_create_validates_drivername(name: Any) -> None:
    with pytest.raises(exc.ArgumentError, match="drivername"):
        URL.create(name)


def test_immutable() -> None:
    url = make_url("postgresql://h/db?a=1")
    with pytest.raises(AttributeError):
        url.host = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        url.query["a"] = "2"  # type: ignore[index]


def test_set() -> None:
    url = make_url(f"postgresql://scott:{PW}@h/db")
    new = url.set(host="other", port=6543, query={"a": "1"})
    assert (new.host, new.port, new.query, new.password) == ("other", 6543, {"a": "1"}, PW)
    assert url.host == "h"
    assert url.set() is url
    with pytest.raises(exc.ArgumentError):
        url.set(port="1")  # type: ignore[arg-type]
    with pytest.raises(exc.ArgumentError):
        url.set(drivername="no good")


def test_backend_and_driver_names() -> None:
    assert make_url("postgresql+psycopg2://").get_backend_name() == "postgresql"
    assert make_url("postgresql+psycopg2://").get_driver_name() == "psycopg2"
    assert make_url("postgresql://").get_backend_name() == "postgresql"
    assert make_url("postgresql://").get_driver_name() is None


def test_equality_and_hash() -> None:
    a = make_url("postgresql://u:p@h:1/db?x=1&y=2")
    b = make_url("postgresql://u:p@h:1/db?y=2&x=1")
    c = make_url("postgresql://u:q@h:1/db?x=1&y=2")
    assert a == b and hash(a) == hash(b)
    assert a != c
    assert a != tuple(a)
    assert len({a, b, c}) == 2
    assert pickle.loads(pickle.dumps(a)) == a


# -- query helpers ---------------------------------------------------------------------------------


def test_update_query_string() -> None:
    url = make_url("postgresql://h/db?a=1")
    assert url.update_query_string("a=2&b=3").query == {"a": "2", "b": "3"}
    assert url.update_query_string("a=2&b=3", append=True).query == {"a": ("1", "2"), "b": "3"}
    assert url.query == {"a": "1"}


def test_update_query_pairs_collects_repeats() -> None:
    url = make_url("sqlite://")
    new = url.update_query_pairs([("a", "1"), ("a", "2"), ("b", ["x", "y"])])
    assert new.query == {"a": ("1", "2"), "b": ("x", "y")}
    with pytest.raises(exc.ArgumentError):
        url.update_query_pairs([("a", 1)])  # type: ignore[list-item]


def test_update_query_dict() -> None:
    url = make_url("sqlite://?a=1")
    assert url.update_query_dict({"a": "2"}).query == {"a": "2"}
    assert url.update_query_dict({"a": ["2", "3"]}, append=True).query == {"a": ("1", "2", "3")}


def test_difference_update_query() -> None:
    url = make_url("sqlite://?a=1&b=2&c=3")
    assert url.difference_update_query(["a", "c", "zz"]).query == {"b": "2"}
    assert url.difference_update_query(["zz"]) is url


def test_normalized_query() -> None:
    url = make_url("sqlite://?a=1&b=2&b=3")
    assert url.normalized_query == {"a": ("1",), "b": ("2", "3")}


# -- connect args ----------------------------------------------------------------------------------


def test_translate_connect_args() -> None:
    url = make_url(f"postgresql://scott:{PW}@localhost:5432/test")
    assert url.translate_connect_args() == {
        "host": "localhost",
        "database": "test",
        "username": "scott",
        "password": PW,
        "port": 5432,
    }
    assert url.translate_connect_args(username="user", database="dbname") == {
        "host": "localhost",
        "dbname": "test",
        "user": "scott",
        "password": PW,
        "port": 5432,
    }
    assert "port" not in url.translate_connect_args(port=None)
    assert make_url("sqlite://").translate_connect_args() == {}
    assert url.translate_connect_args(["h", "d"]) == {
        "h": "localhost",
        "d": "test",
        "username": "scott",
        "password": PW,
        "port": 5432,
    }


def test_get_dialect_unknown_raises_without_socket() -> None:
    with pytest.raises(exc.NoSuchModuleError):
        make_url(f"nosuchdb://scott:{PW}@h/db").get_dialect()


# -- property test: rendering round-trips ----------------------------------------------------------

try:
    from hypothesis import given
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a test extra

    def test_render_round_trip_needs_hypothesis() -> None:
        pytest.skip("hypothesis is not installed")

else:
    # Any text encodable as UTF-8 (no lone surrogates).
    _text = st.text(st.characters(codec="utf-8"), max_size=30)
    _host = st.one_of(
        st.none(),
        st.from_regex(r"[a-z0-9][a-z0-9.-]{0,20}", fullmatch=True),
        st.sampled_from(["::1", "2001:db8::1", "fe80::1%eth0"]),
    )
    _query = st.dictionaries(
        _text,
        st.one_of(_text, st.lists(_text, min_size=2, max_size=3).map(tuple)),
        max_size=3,
    )

    @given(
        username=st.one_of(st.none(), _text),
        password=st.one_of(st.none(), _text),
        host=_host,
        port=st.one_of(st.none(), st.integers(1, 65535)),
        database=st.one_of(st.none(), _text),
        query=_query,
    )
    def test_render_round_trip(
        username: str | None,
        password: str | None,
        host: str | None,
        port: int | None,
        database: str | None,
        query: dict[str, Any],
    ) -> None:
        if username is None:
            password = None  # a password is rendered only after a username, as in SQLAlchemy
        url = URL.create("postgresql+psycopg2", username, password, host, port, database, query)
        assert make_url(url.render_as_string(hide_password=False)) == url
        # The hidden forms do not depend on the password at all.
        other = url._replace(password=None if password is None else "placeholder")
        assert url.render_as_string() == other.render_as_string()
        assert repr(url) == repr(other)
