"""``scoped_session``: one Session per scope (per thread by default), reached through a proxy."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class scoped_session:  # noqa: N801 - SQLAlchemy's name
    """A registry of Sessions: ``Session = scoped_session(sessionmaker(engine))``; ``Session()``
    returns the current scope's Session, ``Session.remove()`` closes and forgets it, and the
    Session methods (``Session.add``, ``Session.execute`` ...) are proxied to it."""

    def __init__(self, session_factory: Any, scopefunc: Callable[[], Any] | None = None) -> None:
        self.session_factory = session_factory
        self._scopefunc = scopefunc
        self._local = threading.local()
        self._by_scope: dict[Any, Any] = {}

    def __call__(self, **kw: Any) -> Any:
        if kw:
            if self.has():
                raise ValueError("Scoped session is already present; no new arguments may be specified.")
            sess = self.session_factory(**kw)
            self._set(sess)
            return sess
        sess = self._get()
        if sess is None:
            sess = self.session_factory()
            self._set(sess)
        return sess

    def _get(self) -> Any:
        if self._scopefunc is not None:
            return self._by_scope.get(self._scopefunc())
        return getattr(self._local, "session", None)

    def _set(self, sess: Any) -> None:
        if self._scopefunc is not None:
            self._by_scope[self._scopefunc()] = sess
        else:
            self._local.session = sess

    def has(self) -> bool:
        """Is there a Session in the current scope?"""
        return self._get() is not None

    def remove(self) -> None:
        """Close the current scope's Session and forget it."""
        sess = self._get()
        if sess is not None:
            sess.close()
        if self._scopefunc is not None:
            self._by_scope.pop(self._scopefunc(), None)
        else:
            self._local.__dict__.pop("session", None)

    def configure(self, **kw: Any) -> None:
        self.session_factory.configure(**kw)

    @property
    def registry(self) -> Any:
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self(), name)
