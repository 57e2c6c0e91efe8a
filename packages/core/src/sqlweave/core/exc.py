"""Exceptions raised by sqlweave.

Names follow SQLAlchemy 2.0 so that ``except`` clauses port unchanged. DBAPI errors are wrapped in
the :class:`DBAPIError` tree (``.orig`` holds the driver's exception, ``.statement`` and ``.params``
the SQL that failed). Four refinements of :class:`OperationalError` classify what a caller can do
next: :class:`DeadlockError` and :class:`SerializationError` are ``retryable``;
:class:`QueryCanceledError` is a timeout or cancel (the connection stays usable);
:class:`CommitOutcomeUnknownError` means the connection dropped during COMMIT and the transaction
may or may not have committed (never retried automatically).
"""

from __future__ import annotations

from typing import Any


class SqlweaveError(Exception):
    """Base class of every sqlweave error."""

    code: str | None = None

    def __init__(self, *args: Any, code: str | None = None) -> None:
        super().__init__(*args)
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        text = super().__str__()
        if self.code:
            text += f" (sqlweave error code: {self.code})"
        return text


#: Alias under SQLAlchemy's name.
SQLAlchemyError = SqlweaveError


class ArgumentError(SqlweaveError):
    """An argument is of the wrong kind or value (including a plain ``str`` where SQL is expected)."""


class NoInspectionAvailable(ArgumentError):
    """``inspect()`` was given an object it knows nothing about."""


class NoSuchModuleError(ArgumentError):
    """A URL names a dialect or driver that no installed plugin provides."""


class ObjectNotExecutableError(ArgumentError):
    """An object that is not a statement was passed to ``execute()``."""

    def __init__(self, target: Any) -> None:
        super().__init__(f"Not an executable object: {target!r}; wrap raw SQL in text()")
        self.target = target


class IdentifierError(SqlweaveError):
    """An identifier is too long or otherwise unusable on the target database."""


class CompileError(SqlweaveError):
    """A construct cannot be compiled to SQL."""


class UnsupportedCompilationError(CompileError):
    """The dialect has no way to render this construct."""

    def __init__(self, element: Any, dialect_name: str, message: str | None = None) -> None:
        text = f"The {dialect_name} dialect can't render {type(element).__name__}"
        if message:
            text += f": {message}"
        super().__init__(text)
        self.element = element


class NoSuchColumnError(KeyError, SqlweaveError):
    """A requested column is not in a result row."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class NoResultFound(SqlweaveError):
    """``one()`` / ``scalar_one()`` found no row."""


class MultipleResultsFound(SqlweaveError):
    """``one()`` / ``one_or_none()`` / ``scalar_one()`` found more than one row."""


class ResourceClosedError(SqlweaveError):
    """An operation was attempted on a closed connection, cursor or result."""


class InvalidRequestError(SqlweaveError):
    """The request does not make sense in the current state."""


class PendingRollbackError(InvalidRequestError):
    """The transaction failed and must be rolled back before the connection can be used again."""


class NoReferenceError(InvalidRequestError):
    """A foreign key refers to a table or column that cannot be found."""


class NoReferencedTableError(NoReferenceError):
    """A foreign key refers to a table that is not in the MetaData."""


class NoReferencedColumnError(NoReferenceError):
    """A foreign key refers to a column that its table does not have."""


class NoSuchTableError(InvalidRequestError):
    """Reflection found no table of the given name."""


class CircularDependencyError(SqlweaveError):
    """Tables or rows depend on each other in a cycle that cannot be ordered."""


class DisconnectionError(SqlweaveError):
    """A connection was found to be dead (raised by pool pre-ping and checkout listeners)."""


class InvalidatePoolError(DisconnectionError):
    """A disconnect that should invalidate every connection in the pool."""


class TimeoutError(SqlweaveError):  # noqa: A001 - SQLAlchemy's name
    """No connection became free in the pool within ``pool_timeout`` seconds."""

    code = "3o7r"


PoolTimeoutError = TimeoutError


class DontWrapMixin:
    """Mix into a user exception class so that sqlweave re-raises it unwrapped."""


class StatementError(SqlweaveError):
    """An error raised while executing a statement; carries the statement and its parameters."""

    def __init__(
        self,
        message: str,
        statement: str | None,
        params: Any,
        orig: BaseException | None,
        hide_parameters: bool = False,
        code: str | None = None,
        ismulti: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.statement = statement
        self.params = params
        self.orig = orig
        self.hide_parameters = hide_parameters
        self.ismulti = ismulti
        if code:
            self.code = code

    def __str__(self) -> str:
        text = str(self.args[0]) if self.args else ""
        if self.statement:
            text += f"\n[SQL: {self.statement}]"
            if self.params is not None:
                if self.hide_parameters:
                    text += "\n[SQL parameters hidden due to hide_parameters=True]"
                else:
                    text += f"\n[parameters: {_truncate(self.params)}]"
        if self.code:
            text += f"\n(sqlweave error code: {self.code})"
        return text

    def __reduce__(self) -> Any:
        return (
            self.__class__,
            (self.args[0], self.statement, self.params, self.orig, self.hide_parameters),
        )


def _truncate(params: Any, limit: int = 10) -> str:
    if isinstance(params, (list, tuple)) and len(params) > limit and isinstance(
        params[0], (list, tuple, dict)
    ):
        shown = ", ".join(repr(p) for p in params[:limit])
        return f"[{shown} ... displaying {limit} of {len(params)} total bound parameter sets]"
    text = repr(params)
    return text if len(text) <= 2000 else text[:2000] + " ... (truncated)"


class DBAPIError(StatementError):
    """Wraps an exception raised by the DBAPI driver.

    ``orig`` is the driver's exception; ``connection_invalidated`` is True when the error was a
    disconnect and the connection has been discarded.
    """

    code = "dbapi"
    retryable = False

    def __init__(
        self,
        statement: str | None,
        params: Any,
        orig: BaseException | None,
        hide_parameters: bool = False,
        connection_invalidated: bool = False,
        code: str | None = None,
        ismulti: bool | None = None,
        message: str | None = None,
    ) -> None:
        if message is None:
            message = f"({type(orig).__module__}.{type(orig).__name__}) {orig}" if orig else ""
        super().__init__(message, statement, params, orig, hide_parameters, code, ismulti)
        self.connection_invalidated = connection_invalidated

    def __reduce__(self) -> Any:
        return (
            self.__class__,
            (self.statement, self.params, self.orig, self.hide_parameters,
             self.connection_invalidated),
        )

    @classmethod
    def instance(
        cls,
        statement: str | None,
        params: Any,
        orig: BaseException,
        dbapi_base_err: type[BaseException] | None,
        hide_parameters: bool = False,
        connection_invalidated: bool = False,
        dialect: Any = None,
        ismulti: bool | None = None,
    ) -> BaseException:
        """Wrap ``orig`` in the sqlweave class matching the driver's exception class.

        The dialect may refine the class (deadlock, serialization failure, cancel) through
        ``dialect.classify_error(orig)``.
        """
        if isinstance(orig, DontWrapMixin) or isinstance(orig, SqlweaveError):
            return orig
        if dbapi_base_err is not None and not isinstance(orig, dbapi_base_err):
            if isinstance(orig, Exception):
                return StatementError(
                    f"({type(orig).__module__}.{type(orig).__name__}) {orig}",
                    statement, params, orig, hide_parameters, ismulti=ismulti,
                )
            return orig
        target: type[DBAPIError] = DBAPIError
        refined = dialect.classify_error(orig) if dialect is not None else None
        if refined is not None:
            target = refined
        else:
            for klass in type(orig).__mro__:
                found = _DBAPI_NAMES.get(klass.__name__)
                if found is not None:
                    target = found
                    break
        return target(
            statement, params, orig, hide_parameters=hide_parameters,
            connection_invalidated=connection_invalidated, ismulti=ismulti,
        )


class InterfaceError(DBAPIError):
    """Wraps a DBAPI ``InterfaceError``."""

    code = "rvf5"


class DatabaseError(DBAPIError):
    """Wraps a DBAPI ``DatabaseError``."""

    code = "4xp6"


class DataError(DatabaseError):
    """Wraps a DBAPI ``DataError`` (a value the database can't store)."""

    code = "9h9h"


class OperationalError(DatabaseError):
    """Wraps a DBAPI ``OperationalError`` (connection lost, timeouts, locks, server errors)."""

    code = "e3q8"


class IntegrityError(DatabaseError):
    """Wraps a DBAPI ``IntegrityError`` (unique, foreign-key, not-null or check violation)."""

    code = "gkpj"


class InternalError(DatabaseError):
    """Wraps a DBAPI ``InternalError``."""

    code = "2j85"


class ProgrammingError(DatabaseError):
    """Wraps a DBAPI ``ProgrammingError`` (syntax errors, missing tables)."""

    code = "f405"


class NotSupportedError(DatabaseError):
    """Wraps a DBAPI ``NotSupportedError``."""

    code = "tw8g"


class DeadlockError(OperationalError):
    """The database chose this transaction as a deadlock victim; re-run the whole transaction."""

    retryable = True


class SerializationError(OperationalError):
    """A serializable transaction could not be serialized; re-run the whole transaction."""

    retryable = True


class QueryCanceledError(OperationalError):
    """The statement was cancelled or hit a timeout; the connection is still usable after rollback."""


class CommitOutcomeUnknownError(OperationalError):
    """The connection was lost during COMMIT: the transaction may or may not have committed.

    sqlweave never retries this automatically. Reconcile by reading back what the transaction
    wrote (an idempotency key is the usual pattern) before deciding to run it again.
    """


_DBAPI_NAMES: dict[str, type[DBAPIError]] = {
    "Error": DBAPIError,
    "InterfaceError": InterfaceError,
    "DatabaseError": DatabaseError,
    "DataError": DataError,
    "OperationalError": OperationalError,
    "IntegrityError": IntegrityError,
    "InternalError": InternalError,
    "ProgrammingError": ProgrammingError,
    "NotSupportedError": NotSupportedError,
}


class SAWarning(RuntimeWarning):
    """A warning about questionable use of the API."""


SqlweaveWarning = SAWarning
