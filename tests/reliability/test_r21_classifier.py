"""R21 – the disconnect classifier catalogue (no database).

Real driver exception objects (psycopg2, PyMySQL, sqlite3) are built the way the drivers build
them and fed to each dialect's ``is_disconnect`` and ``classify_error``; the wrapping class is
checked through ``DBAPIError.instance`` exactly as the engine does it. Positive rows must be
disconnects; negative rows must not be, and deadlock / serialization / cancel rows must be
refined into their retryable or cancel classes.
"""

from __future__ import annotations

import types
from typing import Any, NamedTuple

import pytest

from sqlweave.core import exc
from sqlweave.core.engine.url import make_url

pytestmark = pytest.mark.reliability

LIVE = types.SimpleNamespace(closed=0)  # a psycopg2 connection that is still open
BROKEN = types.SimpleNamespace(closed=2)  # psycopg2 sets closed=2 when the socket broke


class Row(NamedTuple):
    id: str
    make: Any  # () -> exception
    disconnect: bool
    wrapped: type[exc.DBAPIError] | None = None  # expected class after DBAPIError.instance
    connection: Any = None


def _pg(code: str | None, msg: str, base: str = "OperationalError") -> Any:
    import psycopg2
    import psycopg2.errors

    def make() -> BaseException:
        klass = psycopg2.errors.lookup(code) if code else getattr(psycopg2, base)
        e = klass(msg)
        if code:
            # what libpq would have filled in; __setstate__ is the driver's own (pickle) path
            e.__setstate__({"pgcode": code, "pgerror": "ERROR:  " + msg, "cursor": None})
        return e

    return make


def _my(code: int, msg: str, klass_name: str | None = None) -> Any:
    def make() -> BaseException:
        import pymysql.err as err

        klass = getattr(err, klass_name) if klass_name else err.error_map.get(
            code, err.InternalError if code < 1000 else err.OperationalError)
        return klass(code, msg)

    return make


def _lite(klass: str, msg: str) -> Any:
    def make() -> BaseException:
        import sqlite3

        return getattr(sqlite3, klass)(msg)

    return make


PG_ROWS = [
    Row("pg-closed=2", _pg(None, "SSL SYSCALL error: EOF detected"), True, connection=BROKEN),
    Row("pg-server-closed", _pg(None, "server closed the connection unexpectedly\n\tThis probably "
        "means the server terminated abnormally\n\tbefore or while processing the request.\n"), True),
    Row("pg-iface-already-closed", _pg(None, "connection already closed", "InterfaceError"), True),
    Row("pg-admin-shutdown-57P01", _pg("57P01", "terminating connection due to administrator "
        "command"), True),
    Row("pg-conn-reset", _pg(None, "could not receive data from server: Connection reset by peer\n"),
        True),
    Row("pg-ssl-closed", _pg(None, "SSL connection has been closed unexpectedly\n"), True),
    Row("pg-no-connection", _pg(None, "no connection to the server\n"), True),
    Row("pg-idle-session-timeout-57P05", _pg("57P05", "terminating connection due to idle-session "
        "timeout"), True),
    Row("pg-in-failed-tx-25P02", _pg("25P02", "current transaction is aborted, commands ignored "
        "until end of transaction block"), False, exc.InternalError, LIVE),
    Row("pg-deadlock-40P01", _pg("40P01", "deadlock detected"), False, exc.DeadlockError, LIVE),
    Row("pg-serialization-40001", _pg("40001", "could not serialize access due to read/write "
        "dependencies among transactions"), False, exc.SerializationError, LIVE),
    Row("pg-cancel-57014", _pg("57014", "canceling statement due to statement timeout"), False,
        exc.QueryCanceledError, LIVE),
    Row("pg-unique-23505", _pg("23505", "duplicate key value violates unique constraint \"x\""),
        False, exc.IntegrityError, LIVE),
    Row("pg-undefined-table-42P01", _pg("42P01", "relation \"nope\" does not exist"), False,
        exc.ProgrammingError, LIVE),
    Row("pg-syntax-quoting-terminating", _pg("42601", "syntax error at or near \"terminating "
        "connection\"\nLINE 1: SELECT 'server closed the connection unexpectedly' terminating "
        "connection\n"), False, exc.ProgrammingError, LIVE),
]

MY_ROWS = [
    Row("my-2006", _my(2006, "MySQL server has gone away"), True),
    Row("my-2013", _my(2013, "Lost connection to MySQL server during query"), True),
    Row("my-2014", _my(2014, "Command Out of Sync"), True),
    Row("my-2045", _my(2045, "Can't open shared memory; no answer from server"), True),
    Row("my-2055", _my(2055, "Lost connection to MySQL server at 'reading initial communication "
        "packet', system error: 0"), True),
    Row("my-4031", _my(4031, "The client was disconnected by the server because of inactivity."),
        True),
    Row("my-1927", _my(1927, "Connection was killed"), True),
    Row("my-iface-0", _my(0, "", "InterfaceError"), True),
    Row("my-deadlock-1213", _my(1213, "Deadlock found when trying to get lock; try restarting "
        "transaction"), False, exc.DeadlockError),
    Row("my-lockwait-1205", _my(1205, "Lock wait timeout exceeded; try restarting transaction"),
        False),
    Row("my-dup-1062", _my(1062, "Duplicate entry '1' for key 'PRIMARY'"), False, exc.IntegrityError),
    Row("my-nosuchtable-1146", _my(1146, "Table 'test.nope' doesn't exist"), False,
        exc.ProgrammingError),
    Row("my-max-statement-time-1969", _my(1969, "Query execution was interrupted "
        "(max_statement_time exceeded)"), False, exc.QueryCanceledError),
    Row("my-kill-query-1317", _my(1317, "Query execution was interrupted"), False,
        exc.QueryCanceledError),
    Row("my-syntax-quoting-lost", _my(1064, "You have an error in your SQL syntax; check the "
        "manual near 'Lost connection to MySQL server during query' at line 1"), False,
        exc.ProgrammingError),
]

LITE_ROWS = [
    Row("lite-closed-db", _lite("ProgrammingError", "Cannot operate on a closed database."), True),
    Row("lite-locked", _lite("OperationalError", "database is locked"), False, exc.OperationalError),
    Row("lite-syntax-quoting-closed", _lite("OperationalError", "near \"Cannot operate on a closed "
        "database\": syntax error"), False, exc.OperationalError),
    Row("lite-interrupted", _lite("OperationalError", "interrupted"), False, exc.QueryCanceledError),
    Row("lite-unique", _lite("IntegrityError", "UNIQUE constraint failed: t.id"), False,
        exc.IntegrityError),
]

CATALOGUE = {"postgresql+psycopg2": PG_ROWS, "mysql+pymysql": MY_ROWS, "sqlite+pysqlite": LITE_ROWS}


def _dialect(name: str) -> Any:
    # Through the plugin registry, exactly as create_engine finds it; a missing dialect fails.
    return make_url(f"{name}://").get_dialect()()


def _classify(dialect: Any, row: Row) -> tuple[bool, type[BaseException]]:
    e = row.make()
    dbapi = dialect.loaded_dbapi
    assert isinstance(e, dbapi.Error)
    disc = bool(dialect.is_disconnect(e, row.connection, None))
    wrapped = exc.DBAPIError.instance(None, None, e, dbapi.Error, dialect=dialect,
                                      connection_invalidated=disc)
    return disc, type(wrapped)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "name,row",
    [(n, r) for n, rows in CATALOGUE.items() for r in rows],
    ids=[r.id for rows in CATALOGUE.values() for r in rows],
)
def test_classifier_row(name: str, row: Row) -> None:
    dialect = _dialect(name)
    disc, wrapped = _classify(dialect, row)
    assert disc is row.disconnect, f"{row.id}: is_disconnect={disc}, expected {row.disconnect}"
    if row.wrapped is not None:
        assert wrapped is row.wrapped, f"{row.id}: wrapped as {wrapped.__name__}"
    if not row.disconnect and row.wrapped is None:
        # at least: an OperationalError, never the deadlock/serialization classes
        assert issubclass(wrapped, exc.OperationalError)
        assert not getattr(wrapped, "retryable", False)
    if wrapped in (exc.DeadlockError, exc.SerializationError):
        assert wrapped.retryable is True
        assert issubclass(wrapped, exc.OperationalError)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("name", list(CATALOGUE))
def test_confusion_matrix(name: str, figures: Any) -> None:
    dialect = _dialect(name)
    fp = fn = wrong_class = 0
    for row in CATALOGUE[name]:
        disc, wrapped = _classify(dialect, row)
        fp += disc and not row.disconnect
        fn += row.disconnect and not disc
        wrong_class += row.wrapped is not None and wrapped is not row.wrapped
    figures(scenario="R21", dialect=name, rows=len(CATALOGUE[name]),
            positives=sum(r.disconnect for r in CATALOGUE[name]),
            false_positives=fp, false_negatives=fn, misclassified=wrong_class)
    assert (fp, fn, wrong_class) == (0, 0, 0)


def test_refined_classes_subclass_operational_error() -> None:
    for klass in (exc.DeadlockError, exc.SerializationError, exc.QueryCanceledError,
                  exc.CommitOutcomeUnknownError):
        assert issubclass(klass, exc.OperationalError)
    assert exc.DeadlockError.retryable and exc.SerializationError.retryable
    assert not exc.QueryCanceledError.retryable and not exc.CommitOutcomeUnknownError.retryable
