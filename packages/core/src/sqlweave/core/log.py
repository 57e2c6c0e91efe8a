"""Engine and pool logging, the ``echo`` flag, and password scrubbing.

Loggers follow SQLAlchemy's layout under the ``sqlweave`` root:

* ``sqlweave.engine.Engine`` - SQL statements and parameters (INFO), result rows (DEBUG);
* ``sqlweave.pool`` - checkouts, returns, invalidations;
* ``<name>.<logging_name>`` - per instance, when the engine or pool has a ``logging_name``.

``echo`` (``echo_pool`` for pools) selects the level per instance, without touching the stdlib
logger's own level: ``True`` logs at INFO, ``"debug"`` at DEBUG (rows too), ``False``/``None``
defer to the logging configuration. When echo is on and no handler sits on the instance's logger
or any ancestor up to ``sqlweave``, a stdout handler is added to ``sqlweave`` (as SQLAlchemy does;
it may duplicate output if the root logger also has a handler). Like SQLAlchemy, the ``sqlweave``
logger defaults to WARNING, so INFO records need ``echo`` or an explicit level on it.

Contract for the engine's (and pool's) hot path - "off means free"
-------------------------------------------------------------------
:func:`instance_logger` sets four attributes on the object it is given:

``obj.logger``
    a :class:`logging.Logger` (echo off) or an :class:`InstanceLogger` (echo on); both have
    ``debug/info/warning/error/exception/log/isEnabledFor``.
``obj._echo``
    the echo flag as given (``True``, ``"debug"``, ``False`` or ``None``).
``obj._should_log_info`` / ``obj._should_log_debug``
    plain ``bool`` snapshots of ``obj.logger.isEnabledFor(INFO / DEBUG)``.

Hot code tests only the boolean - ``if self._should_log_info: self.logger.info(...)`` - so with
logging off a statement costs one attribute read and no formatting. The snapshots are taken when
the object is set up and whenever ``obj.echo`` is assigned (see :class:`echo_property`). With echo
off they reflect the logging configuration at that moment; a component that wants to pick up later
configuration changes calls :func:`refresh_log_flags` at a cold point (e.g. when a Connection is
created, as SQLAlchemy samples the level per connection).
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any, Literal, Union
from urllib.parse import quote, quote_plus

from sqlweave.core import exc

__all__ = [
    "ENGINE_LOGGER_NAME",
    "POOL_LOGGER_NAME",
    "ROOT_LOGGER_NAME",
    "EchoFlag",
    "Identified",
    "InstanceLogger",
    "echo_property",
    "hide_password",
    "instance_logger",
    "refresh_log_flags",
]

ROOT_LOGGER_NAME = "sqlweave"
ENGINE_LOGGER_NAME = "sqlweave.engine.Engine"
POOL_LOGGER_NAME = "sqlweave.pool"
DEFAULT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

#: Values accepted for ``echo`` / ``echo_pool``.
EchoFlag = Union[bool, Literal["debug"], None]  # noqa: UP007 - a runtime alias

_ECHO_LEVELS: dict[Any, int] = {
    None: logging.NOTSET,
    False: logging.NOTSET,
    True: logging.INFO,
    "debug": logging.DEBUG,
}

rootlogger = logging.getLogger(ROOT_LOGGER_NAME)
if rootlogger.level == logging.NOTSET:
    # As SQLAlchemy: INFO from sqlweave must be asked for, not inherited from a chatty root.
    rootlogger.setLevel(logging.WARNING)

_handler_lock = threading.Lock()


def _echo_level(echo: object) -> int:
    try:
        return _ECHO_LEVELS[echo]
    except (KeyError, TypeError):
        raise exc.ArgumentError(
            f"echo must be True, False, None or 'debug', got {echo!r}"
        ) from None


def _ensure_default_handler(logger: logging.Logger) -> None:
    """Add a stdout handler to ``sqlweave`` unless ``logger`` or an ancestor up to ``sqlweave``
    already has one."""
    with _handler_lock:
        node: logging.Logger | None = logger
        while node is not None:
            if node.handlers:
                return
            if node.name == ROOT_LOGGER_NAME or not node.name.startswith(ROOT_LOGGER_NAME + "."):
                break
            node = node.parent
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter(DEFAULT_FORMAT))
        handler._sqlweave_default = True  # type: ignore[attr-defined]  # lets tests find it
        rootlogger.addHandler(handler)


class InstanceLogger:
    """A logger adapter whose threshold comes from one instance's ``echo`` flag.

    Records go to the stdlib logger (so handlers, filters and ``caplog`` see them) but the
    level check uses the echo level, so two engines sharing a logger name can echo differently
    without changing global logging configuration. ``logging.disable()`` is honoured.
    """

    __slots__ = ("echo", "logger", "_level")

    def __init__(self, echo: EchoFlag, name: str) -> None:
        self.echo = echo
        self.logger = logging.getLogger(name)
        self._level = _echo_level(echo)
        if self._level != logging.NOTSET:
            _ensure_default_handler(self.logger)

    @property
    def name(self) -> str:
        """The stdlib logger's name."""
        return self.logger.name

    def getEffectiveLevel(self) -> int:  # noqa: N802 - stdlib name
        """The echo level, or the stdlib logger's effective level when echo is off."""
        return self._level or self.logger.getEffectiveLevel()

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 - stdlib name
        """Whether a record at ``level`` would be emitted."""
        if self.logger.manager.disable >= level:
            return False
        return level >= self.getEffectiveLevel()

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        """Log ``msg % args`` at ``level`` if the echo level allows it."""
        if self.isEnabledFor(level):
            kwargs.setdefault("stacklevel", 1)
            kwargs["stacklevel"] += 1
            self.logger._log(level, msg, args, **kwargs)

    def debug(self, msg: object, *args: object, **kwargs: Any) -> None:
        """Log at DEBUG."""
        self.log(logging.DEBUG, msg, *args, **_bump(kwargs))

    def info(self, msg: object, *args: object, **kwargs: Any) -> None:
        """Log at INFO."""
        self.log(logging.INFO, msg, *args, **_bump(kwargs))

    def warning(self, msg: object, *args: object, **kwargs: Any) -> None:
        """Log at WARNING."""
        self.log(logging.WARNING, msg, *args, **_bump(kwargs))

    warn = warning

    def error(self, msg: object, *args: object, **kwargs: Any) -> None:
        """Log at ERROR."""
        self.log(logging.ERROR, msg, *args, **_bump(kwargs))

    def exception(self, msg: object, *args: object, **kwargs: Any) -> None:
        """Log at ERROR with the current exception's traceback."""
        kwargs.setdefault("exc_info", True)
        self.log(logging.ERROR, msg, *args, **_bump(kwargs))

    def critical(self, msg: object, *args: object, **kwargs: Any) -> None:
        """Log at CRITICAL."""
        self.log(logging.CRITICAL, msg, *args, **_bump(kwargs))

    def __repr__(self) -> str:
        return f"<InstanceLogger {self.logger.name} echo={self.echo!r}>"


def _bump(kwargs: dict[str, Any]) -> dict[str, Any]:
    # One more frame (the level method) between the caller and _log, so %(funcName)s is right.
    kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + 1
    return kwargs


class Identified:
    """Mixin for objects with an instance logger (Engine, Pool).

    Subclasses set ``_logger_name`` (e.g. :data:`ENGINE_LOGGER_NAME`) and call
    :func:`instance_logger` in ``__init__``. The class-level defaults keep an object that never
    called it silent and cheap.
    """

    _logger_name: str = ROOT_LOGGER_NAME
    logging_name: str | None = None
    logger: logging.Logger | InstanceLogger = rootlogger
    _echo: EchoFlag = None
    _should_log_info: bool = False
    _should_log_debug: bool = False


def instance_logger(instance: Any, echoflag: EchoFlag = None) -> logging.Logger | InstanceLogger:
    """Give ``instance`` its logger for ``echoflag`` and set its logging flags.

    The logger name is ``type(instance)._logger_name`` (falling back to the class's module and
    name), suffixed with ``.<logging_name>`` when the instance has one. Sets ``logger``,
    ``_echo``, ``_should_log_info`` and ``_should_log_debug`` on ``instance`` (the contract in
    this module's docstring) and returns the logger.

    Raises :class:`~sqlweave.core.exc.ArgumentError` for an echo value other than ``True``,
    ``False``, ``None`` or ``"debug"``.
    """
    cls = type(instance)
    name = getattr(cls, "_logger_name", None) or f"{cls.__module__}.{cls.__name__}"
    logging_name = getattr(instance, "logging_name", None)
    if logging_name:
        name = f"{name}.{logging_name}"
    logger: logging.Logger | InstanceLogger
    if _echo_level(echoflag) == logging.NOTSET:
        # Echo off: the plain stdlib logger, so logging configuration alone decides.
        logger = logging.getLogger(name)
    else:
        logger = InstanceLogger(echoflag, name)
    instance.logger = logger
    instance._echo = echoflag
    refresh_log_flags(instance)
    return logger


def refresh_log_flags(instance: Any) -> None:
    """Recompute ``instance._should_log_info`` / ``_should_log_debug`` from its logger.

    Cheap (two cached level lookups); call it at cold points to follow logging configuration
    changed after the instance was created.
    """
    logger = instance.logger
    instance._should_log_info = logger.isEnabledFor(logging.INFO)
    instance._should_log_debug = logger.isEnabledFor(logging.DEBUG)


class echo_property:  # noqa: N801 - SQLAlchemy's name
    """Descriptor for ``echo`` / ``echo_pool``: reading gives the flag, assigning re-runs
    :func:`instance_logger` so the logger and flags follow.

    ``True`` logs SQL at INFO, ``"debug"`` also logs result rows, ``False``/``None`` defer to the
    logging configuration of the instance's logger.
    """

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return instance._echo

    def __set__(self, instance: Any, value: EchoFlag) -> None:
        instance_logger(instance, echoflag=value)


def hide_password(text: str, password: str | None) -> str:
    """Return ``text`` with every occurrence of ``password`` replaced by ``***``.

    The percent-encoded forms a URL may carry (``%40`` for ``@``, ``+`` for a space, upper- or
    lower-case hex) are scrubbed too. An empty or ``None`` password leaves ``text`` unchanged.
    A short password is scrubbed wherever it occurs, even inside other words: safety wins over
    readability.
    """
    if not password or not text:
        return text
    from sqlweave.core.engine.url import _PASSWORD_UNSAFE, _quote

    forms = {
        password,
        quote(password, safe=""),
        quote_plus(password, safe=""),
        _quote(password, _PASSWORD_UNSAFE),
    }
    forms |= {f.lower() for f in forms if "%" in f}
    # Longest first, so a form containing another is replaced whole.
    for form in sorted(forms, key=len, reverse=True):
        if form:
            text = text.replace(form, "***")
    return text
