"""Database URLs: parsing, validation, rendering and password-safe display.

A URL has the form ``dialect[+driver]://[username[:password]@][host][:port][/database][?query]``.
:func:`make_url` parses a string into an immutable :class:`URL`; :meth:`URL.create` builds one from
parts with type checks. Both follow SQLAlchemy 2.0 (same names, same semantics).

Parsing rules, where SQLAlchemy's behaviour is implicit, are spelled out here:

* username, password and database are percent-decoded; the query is form-decoded (``+`` is a
  space);
* the host part ends at the first ``/`` or ``?`` after ``://``; inside it the *last* ``@``
  separates the credentials, so a raw ``@`` (or ``:``) in a password works, while a raw ``/`` or
  ``?`` in a password must be percent-encoded (it would otherwise start the database or query);
* IPv6 hosts are written in brackets (``[::1]:5432``) and stored without them;
* ``sqlite://`` has no database (``None``), ``sqlite:///x.db`` the relative path ``x.db`` and
  ``sqlite:////abs/x.db`` the absolute path ``/abs/x.db``;
* a query key given more than once maps to a tuple of its values.

Every malformed input raises :class:`~sqlweave.core.exc.ArgumentError`. Error messages show the URL
with its password masked: when the URL could not be parsed, everything between the first ``:``
after the scheme and the last ``@`` is hidden, which covers any password however it was written.
Nothing in this module opens a socket or imports a driver.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn, Union
from urllib.parse import quote_plus, unquote, unquote_plus

from sqlweave.core import exc

if TYPE_CHECKING:
    from sqlweave.core.engine.default import DefaultDialect

__all__ = ["URL", "make_url"]

#: A query value: one string, or a tuple of strings for a key given more than once.
QueryValue = Union[str, tuple[str, ...]]  # noqa: UP007 - a runtime alias, valid on 3.10

_DRIVERNAME = re.compile(r"[A-Za-z0-9_]+(?:\+[A-Za-z0-9_]+)?")
_MASK = "***"


class _ImmutableQuery(Mapping[str, QueryValue]):
    """A read-only, hashable ``str -> str | tuple[str, ...]`` mapping (the type of ``URL.query``).

    Equal to any mapping with the same items, so ``url.query == {"a": "1"}`` works.
    """

    __slots__ = ("_d", "_hash")

    def __init__(self, data: Mapping[str, QueryValue] | None = None) -> None:
        self._d: dict[str, QueryValue] = dict(data) if data else {}
        self._hash: int | None = None

    def __getitem__(self, key: str) -> QueryValue:
        return self._d[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._d.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _ImmutableQuery):
            return self._d == other._d
        if isinstance(other, Mapping):
            return self._d == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"immutabledict({self._d!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_ImmutableQuery, (self._d,))


_EMPTY_QUERY = _ImmutableQuery()


class URL(NamedTuple):
    """An immutable database URL; build one with :func:`make_url` or :meth:`URL.create`.

    ``str()`` and ``repr()`` hide the password; use ``render_as_string(hide_password=False)`` to
    get a string that :func:`make_url` parses back to an equal URL.
    """

    drivername: str
    """``dialect`` or ``dialect+driver``, e.g. ``"postgresql+psycopg2"``."""
    username: str | None
    """The user name, percent-decoded."""
    password: str | None
    """The password, percent-decoded. Never shown by ``str()`` or ``repr()``."""
    host: str | None
    """The host name or address (IPv6 without brackets), or ``None``."""
    port: int | None
    """The port, 1-65535, or ``None``."""
    database: str | None
    """The database name or file path, percent-decoded, or ``None``."""
    query: Mapping[str, QueryValue]
    """Immutable mapping of query options; a repeated key maps to a tuple of values."""

    @classmethod
    def create(
        cls,
        drivername: str,
        username: str | None = None,
        password: str | None = None,
        host: str | None = None,
        port: int | None = None,
        database: str | None = None,
        query: Mapping[str, str | Sequence[str]] = _EMPTY_QUERY,
    ) -> URL:
        """Build a URL from its parts, checking each one's type and value.

        Raises :class:`~sqlweave.core.exc.ArgumentError` for a bad drivername, a non-``int``
        port or one outside 1-65535, a non-string part, or a malformed query.
        """
        return cls(
            _check_drivername(drivername),
            _check_str(username, "username"),
            _check_str(password, "password"),
            _check_str(host, "host"),
            _check_port(port),
            _check_str(database, "database"),
            _check_query(query),
        )

    # -- derived forms --------------------------------------------------------------------------

    def set(
        self,
        drivername: str | None = None,
        username: str | None = None,
        password: str | None = None,
        host: str | None = None,
        port: int | None = None,
        database: str | None = None,
        query: Mapping[str, str | Sequence[str]] | None = None,
    ) -> URL:
        """Return a copy with the given parts replaced (``None`` means "keep")."""
        kw: dict[str, Any] = {}
        if drivername is not None:
            kw["drivername"] = _check_drivername(drivername)
        if username is not None:
            kw["username"] = _check_str(username, "username")
        if password is not None:
            kw["password"] = _check_str(password, "password")
        if host is not None:
            kw["host"] = _check_str(host, "host")
        if port is not None:
            kw["port"] = _check_port(port)
        if database is not None:
            kw["database"] = _check_str(database, "database")
        if query is not None:
            kw["query"] = _check_query(query)
        return self._replace(**kw) if kw else self

    def update_query_string(self, query_string: str, append: bool = False) -> URL:
        """Return a copy with options from ``query_string`` (``"a=1&b=2"``) merged into the query.

        With ``append=True`` values for keys already present are added after the existing ones;
        otherwise they replace them.
        """
        if not isinstance(query_string, str):
            raise exc.ArgumentError(
                f"query string must be a str, got {type(query_string).__name__}"
            )
        return self.update_query_pairs(_parse_query_pairs(query_string), append=append)

    def update_query_pairs(
        self, key_value_pairs: Iterable[tuple[str, str | Sequence[str]]], append: bool = False
    ) -> URL:
        """Return a copy with ``(key, value)`` pairs merged into the query.

        A key repeated among the pairs collects all its values. With ``append=True`` they are
        added after existing values for that key; otherwise they replace them.
        """
        new: dict[str, list[str]] = {}
        for pair in key_value_pairs:
            try:
                key, value = pair
            except (TypeError, ValueError):
                raise exc.ArgumentError(
                    f"query pairs must be (key, value) tuples, got {type(pair).__name__}"
                ) from None
            _check_query_key(key)
            new.setdefault(key, []).extend(_value_list(key, value))
        merged: dict[str, QueryValue] = dict(self.query)
        for key, values in new.items():
            if append and key in merged:
                values = _as_list(merged[key]) + values
            merged[key] = values[0] if len(values) == 1 else tuple(values)
        return self._replace(query=_ImmutableQuery(merged))

    def update_query_dict(
        self, query_parameters: Mapping[str, str | Sequence[str]], append: bool = False
    ) -> URL:
        """Return a copy with ``query_parameters`` merged into the query (see
        :meth:`update_query_pairs`)."""
        return self.update_query_pairs(query_parameters.items(), append=append)

    def difference_update_query(self, names: Iterable[str]) -> URL:
        """Return a copy with the query keys in ``names`` removed."""
        drop = set(names)
        if not drop.intersection(self.query):
            return self
        return self._replace(
            query=_ImmutableQuery({k: v for k, v in self.query.items() if k not in drop})
        )

    @property
    def normalized_query(self) -> Mapping[str, tuple[str, ...]]:
        """The query with every value as a tuple of strings."""
        return {k: tuple(_as_list(v)) for k, v in self.query.items()}

    # -- names ------------------------------------------------------------------------------------

    def get_backend_name(self) -> str:
        """The dialect part of the drivername: ``"postgresql"`` for ``"postgresql+psycopg2"``."""
        return self.drivername.partition("+")[0]

    def get_driver_name(self) -> str | None:
        """The driver part of the drivername, or ``None`` when the URL names none.

        (SQLAlchemy loads the dialect here to report its default driver; this method never
        imports anything. Use ``get_dialect().driver`` for the resolved driver.)
        """
        _, plus, driver = self.drivername.partition("+")
        return driver if plus else None

    def get_dialect(self) -> type[DefaultDialect]:
        """The dialect class registered for this URL's backend and driver.

        Raises :class:`~sqlweave.core.exc.NoSuchModuleError` (listing the installed dialects)
        when no plugin provides it.
        """
        from sqlweave.core.plugins import registry

        return registry.load(self.get_backend_name(), self.get_driver_name())

    def translate_connect_args(
        self, names: list[str] | None = None, **kw: str | None
    ) -> dict[str, Any]:
        """Return the URL's parts as connect keyword arguments.

        Keys default to ``host``, ``database``, ``username``, ``password`` and ``port``; rename
        one with a keyword (``username="user"``, ``database="dbname"``) or drop it with ``None``.
        ``names`` (legacy, positional) renames in that order. Empty parts are left out.
        """
        pending = list(names) if names else []
        out: dict[str, Any] = {}
        for attr in ("host", "database", "username", "password", "port"):
            if pending:
                key: str | None = pending.pop(0)
            elif attr in kw:
                key = kw[attr]
            else:
                key = attr
            value = getattr(self, attr)
            if key is not None and value:
                out[key] = value
        return out

    # -- rendering --------------------------------------------------------------------------------

    def render_as_string(self, hide_password: bool = True) -> str:
        """Render the URL as a string, with the password as ``***`` unless ``hide_password`` is
        false. An unhidden rendering parses back (:func:`make_url`) to an equal URL."""
        parts = [self.drivername, "://"]
        if self.username is not None:
            parts.append(_quote(self.username, _USER_UNSAFE))
            if self.password is not None:
                parts.append(":")
                parts.append(_MASK if hide_password else _quote(self.password, _PASSWORD_UNSAFE))
            parts.append("@")
        if self.host is not None:
            parts.append(f"[{self.host}]" if ":" in self.host else self.host)
        if self.port is not None:
            parts.append(f":{self.port}")
        if self.database is not None:
            parts.append("/")
            parts.append(_quote(self.database, _DATABASE_UNSAFE))
        if self.query:
            parts.append("?")
            parts.append(
                "&".join(
                    f"{quote_plus(k, safe='/:')}={quote_plus(v, safe='/:')}"
                    for k in sorted(self.query)
                    for v in _as_list(self.query[k])
                )
            )
        return "".join(parts)

    def __str__(self) -> str:
        return self.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return self.render_as_string(hide_password=True)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, URL):
            return False
        return (
            self.drivername == other.drivername
            and self.username == other.username
            and self.password == other.password
            and self.host == other.host
            and self.port == other.port
            and self.database == other.database
            and self.query == other.query
        )

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.render_as_string(hide_password=False))


# -- parsing ---------------------------------------------------------------------------------------


def make_url(name_or_url: str | URL) -> URL:
    """Return ``name_or_url`` as a :class:`URL`, parsing it when it is a string.

    Raises :class:`~sqlweave.core.exc.ArgumentError` for anything that is not a well-formed URL;
    the message names the problem and shows the URL with its password masked.
    """
    if isinstance(name_or_url, URL):
        return name_or_url
    if not isinstance(name_or_url, str):
        raise exc.ArgumentError(
            f"Expected a database URL string or URL object, got {type(name_or_url).__name__}"
        )
    return _parse_url(name_or_url)


def _parse_url(text: str) -> URL:
    raw = text.strip()
    if not raw:
        raise exc.ArgumentError("Could not parse database URL: the string is empty")
    scheme, sep, rest = raw.partition("://")
    if not sep:
        _fail(raw, "no '://' separates the dialect name from the rest (expected e.g. "
              "'postgresql://user@host/db' or 'sqlite:///file.db')")
    if not _DRIVERNAME.fullmatch(scheme):
        shown = f" {scheme!r}" if "@" not in raw else ""
        _fail(raw, f"the dialect name{shown} must match 'name' or 'name+driver' "
              "(letters, digits and underscores)")

    cut = len(rest)
    for ch in "/?":
        pos = rest.find(ch)
        if pos != -1 and pos < cut:
            cut = pos
    netloc, tail = rest[:cut], rest[cut:]

    username = password = None
    at = netloc.rfind("@")
    if at != -1:
        creds, hostport = netloc[:at], netloc[at + 1 :]
        user_raw, colon, pass_raw = creds.partition(":")
        username = unquote(user_raw)
        password = unquote(pass_raw) if colon else None
    else:
        hostport = netloc

    host, port = _parse_hostport(hostport, raw)

    database = None
    query: _ImmutableQuery = _EMPTY_QUERY
    path, qmark, query_string = tail.partition("?")
    if path:
        database = unquote(path[1:])  # drop the "/" that ends the host part
    if qmark:
        query = _ImmutableQuery(_collect(_parse_query_pairs(query_string)))

    return URL(scheme, username, password, host, port, database, query)


def _parse_hostport(hostport: str, raw: str) -> tuple[str | None, int | None]:
    port_text: str | None = None
    if hostport.startswith("["):
        end = hostport.find("]")
        if end == -1:
            _fail(raw, "an IPv6 host is missing its closing ']'")
        host = hostport[1:end]
        after = hostport[end + 1 :]
        if after:
            if not after.startswith(":"):
                _fail(raw, "unexpected text after the bracketed IPv6 host")
            port_text = after[1:]
        if not host:
            _fail(raw, "the brackets of an IPv6 host are empty")
    else:
        if "]" in hostport:
            _fail(raw, "a ']' appears without an opening '[' in the host")
        host, colon, after = hostport.partition(":")
        if colon:
            if ":" in after:
                _fail(raw, "an IPv6 host must be written in brackets, e.g. '[::1]:5432'")
            port_text = after
    port = None
    if port_text is not None:
        port = _parse_port(port_text, raw)
    return host or None, port


def _parse_port(text: str, raw: str) -> int:
    # Show the offending text only when the URL has no credentials: with a raw '/' or '?' in a
    # password, what we took for the port may be a piece of the password.
    shown = f" {text!r}" if "@" not in raw else ""
    if not text:
        _fail(raw, "the port after ':' is empty")
    if not (text.isascii() and text.isdigit()):
        _fail(raw, f"the port{shown} is not a number")
    port = int(text)
    if not 1 <= port <= 65535:
        _fail(raw, f"the port{shown} is outside 1-65535")
    return port


def _parse_query_pairs(query_string: str) -> list[tuple[str, str]]:
    pairs = []
    for piece in query_string.split("&"):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        pairs.append((unquote_plus(key), unquote_plus(value)))
    return pairs


def _collect(pairs: Iterable[tuple[str, str]]) -> dict[str, QueryValue]:
    out: dict[str, QueryValue] = {}
    for key, value in pairs:
        if key in out:
            prev = out[key]
            out[key] = (*prev, value) if isinstance(prev, tuple) else (prev, value)
        else:
            out[key] = value
    return out


def _fail(raw: str, problem: str) -> NoReturn:
    raise exc.ArgumentError(f"Could not parse database URL {_mask_raw(raw)!r}: {problem}")


def _mask_raw(raw: str) -> str:
    """Mask any password in an unparsed URL string, erring towards hiding too much.

    Everything between the first ':' after the scheme (or the start, when there is no scheme) and
    the last '@' is replaced, so a password is hidden however it was (mis)written.
    """
    sep = raw.find("://")
    start = sep + 3 if sep != -1 else 0
    at = raw.rfind("@")
    if at < start:
        return raw
    colon = raw.find(":", start, at)
    if colon == -1:
        return raw
    return raw[: colon + 1] + _MASK + raw[at:]


# -- rendering helpers -----------------------------------------------------------------------------

# Characters that would change how the rendered URL parses, per component ('%' always).
_USER_UNSAFE = frozenset(":@/?#[]%")
_PASSWORD_UNSAFE = frozenset(":@/?#[]%")
_DATABASE_UNSAFE = frozenset("?#%")


def _quote(text: str, unsafe: frozenset[str]) -> str:
    """Percent-encode the characters of ``text`` in ``unsafe``, control characters and
    whitespace; other characters (non-ASCII included) stay as they are, for readability."""
    out = []
    for ch in text:
        if ch in unsafe or ch.isspace() or not ch.isprintable():
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
        else:
            out.append(ch)
    return "".join(out)


# -- validation ------------------------------------------------------------------------------------


def _check_drivername(value: object) -> str:
    if not isinstance(value, str):
        raise exc.ArgumentError(f"drivername must be a str, got {type(value).__name__}")
    if not _DRIVERNAME.fullmatch(value):
        raise exc.ArgumentError(
            f"drivername {value!r} must match 'name' or 'name+driver' "
            "(letters, digits and underscores)"
        )
    return value


def _check_str(value: object, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise exc.ArgumentError(f"{what} must be a str or None, got {type(value).__name__}")
    return value


def _check_port(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise exc.ArgumentError(f"port must be an int or None, got {type(value).__name__}")
    if not 1 <= value <= 65535:
        raise exc.ArgumentError(f"port {value} is outside 1-65535")
    return value


def _check_query_key(key: object) -> str:
    if not isinstance(key, str):
        raise exc.ArgumentError(f"query keys must be str, got {type(key).__name__}")
    return key


def _value_list(key: str, value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise exc.ArgumentError(
        f"query value for {key!r} must be a str or a non-empty sequence of str, "
        f"got {type(value).__name__}"
    )


def _check_query(query: object) -> _ImmutableQuery:
    if isinstance(query, _ImmutableQuery):
        return query
    if not isinstance(query, Mapping):
        raise exc.ArgumentError(f"query must be a mapping, got {type(query).__name__}")
    out: dict[str, QueryValue] = {}
    for key, value in query.items():
        values = _value_list(_check_query_key(key), value)
        out[key] = values[0] if len(values) == 1 else tuple(values)
    return _ImmutableQuery(out)


def _as_list(value: QueryValue) -> list[str]:
    return [value] if isinstance(value, str) else list(value)
