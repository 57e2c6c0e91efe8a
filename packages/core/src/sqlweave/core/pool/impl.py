"""Pool implementations: :class:`QueuePool`, :class:`NullPool`, :class:`StaticPool`,
:class:`SingletonThreadPool`, :class:`AssertionPool`.

Each implements ``_do_get`` (hand out a record, creating one when allowed) and
``_do_return_conn`` (take a record back); everything else lives in :mod:`.base`.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlweave.core import exc
from sqlweave.core.pool.base import Pool, PoolProxiedConnection, _ConnectionRecord

__all__ = ["AssertionPool", "NullPool", "QueuePool", "SingletonThreadPool", "StaticPool"]


class QueuePool(Pool):
    """A pool keeping up to ``pool_size`` idle connections, plus up to ``max_overflow`` extra
    ones while demand is high (``-1``: no limit); when all are out, ``connect()`` waits up to
    ``timeout`` seconds and then raises :class:`~sqlweave.core.exc.TimeoutError`.

    ``use_lifo=True`` hands out the most recently returned connection first, which lets idle
    extras age out server-side. The default for file and server databases.

    One lock guards both the idle deque and the overflow count, so concurrent checkouts can
    never open more than ``pool_size + max_overflow`` connections, and a waiter is woken both
    when a connection is returned and when an overflow slot frees up.
    """

    def __init__(self, creator: Callable[..., Any], pool_size: int = 5, max_overflow: int = 10,
                 timeout: float = 30.0, use_lifo: bool = False, **kw: Any) -> None:
        super().__init__(creator, **kw)
        self._pool_size = pool_size
        self._max_overflow = max_overflow
        self._timeout = timeout
        self._use_lifo = use_lifo
        self._idle: deque[_ConnectionRecord] = deque()
        # Connections in existence beyond pool_size (negative while under it), as SQLAlchemy.
        self._overflow = 0 - pool_size
        # RLock: a lost-proxy weakref callback may return a record from inside a locked block.
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._waiters = 0

    def _do_get(self) -> _ConnectionRecord:
        deadline = 0.0
        with self._lock:
            while True:
                idle = self._idle
                if idle:
                    return idle.pop() if self._use_lifo else idle.popleft()
                if self._max_overflow < 0 or self._overflow < self._max_overflow:
                    self._overflow += 1  # reserve the slot; connect outside the lock
                    break
                now = time.monotonic()
                if not deadline:
                    deadline = now + self._timeout
                remaining = deadline - now
                if remaining <= 0:
                    raise exc.TimeoutError(self._timeout_message())
                self._waiters += 1
                try:
                    self._cond.wait(remaining)
                finally:
                    self._waiters -= 1
        try:
            return self._create_connection()
        except BaseException:
            with self._lock:
                self._overflow -= 1
                if self._waiters:
                    self._cond.notify()
            raise

    def _timeout_message(self) -> str:
        return (
            f"QueuePool limit of size {self._pool_size} overflow {self._max_overflow} reached: "
            f"{self.checkedout()} connections checked out, none returned within "
            f"{self._timeout:.2f}s (pool timeout). Raise pool_size / max_overflow, or make "
            f"sure connections are closed (returned to the pool) promptly, e.g. with "
            f"'with engine.connect() as conn:'."
        )

    def _do_return_conn(self, record: _ConnectionRecord) -> None:
        with self._lock:
            if self._pool_size <= 0 or len(self._idle) < self._pool_size:
                self._idle.append(record)
                if self._waiters:
                    self._cond.notify()
                return
            # Pool full: this was an overflow connection; discard it and free the slot.
            self._overflow -= 1
            if self._waiters:
                self._cond.notify()
        record.close()

    def recreate(self) -> QueuePool:
        """A new empty QueuePool with the same configuration and listeners."""
        new = type(self)(
            self._creator, pool_size=self._pool_size, max_overflow=self._max_overflow,
            timeout=self._timeout, use_lifo=self._use_lifo, **self._recreate_kw(),
        )
        self._after_recreate(new)
        return new

    def dispose(self) -> None:
        """Close every idle connection; checked-out ones come back to this pool later."""
        with self._lock:
            records = list(self._idle)
            self._idle.clear()
            self._overflow = 0 - self.size()
        for record in records:
            record.close()
        if self._should_log_info:
            self.logger.info("Pool disposed. %s", self.status())

    def status(self) -> str:
        """Pool size, idle count, overflow and checked-out count."""
        return (f"Pool size: {self.size()}  Connections in pool: {self.checkedin()} "
                f"Current Overflow: {self.overflow()} "
                f"Current Checked out connections: {self.checkedout()}")

    def size(self) -> int:
        """The configured ``pool_size``."""
        return self._pool_size

    def timeout(self) -> float:
        """The configured checkout ``timeout``."""
        return self._timeout

    def checkedin(self) -> int:
        """Idle connections in the pool."""
        return len(self._idle)

    def overflow(self) -> int:
        """Connections beyond ``pool_size`` (negative while fewer than ``pool_size`` exist)."""
        return self._overflow

    def checkedout(self) -> int:
        """Connections currently handed out."""
        return self._pool_size - len(self._idle) + self._overflow


class NullPool(Pool):
    """No pooling: every checkout opens a DBAPI connection and every checkin closes it."""

    def _do_get(self) -> _ConnectionRecord:
        return self._create_connection()

    def _do_return_conn(self, record: _ConnectionRecord) -> None:
        record.close()

    def status(self) -> str:
        """Always ``"NullPool"``."""
        return "NullPool"

    def dispose(self) -> None:
        """Nothing to do: no connection is kept."""

    def recreate(self) -> NullPool:
        """A new NullPool with the same configuration and listeners."""
        new = type(self)(self._creator, **self._recreate_kw())
        self._after_recreate(new)
        return new


class StaticPool(Pool):
    """Exactly one DBAPI connection, shared by every checkout (in every thread).

    For an in-memory SQLite database that several threads must see; the DBAPI connection must
    tolerate use from many threads (``check_same_thread=False``).
    """

    def __init__(self, creator: Callable[..., Any], **kw: Any) -> None:
        super().__init__(creator, **kw)
        self._record: _ConnectionRecord | None = None
        self._lock = threading.Lock()

    def _do_get(self) -> _ConnectionRecord:
        rec = self._record
        if rec is None:
            with self._lock:
                rec = self._record
                if rec is None:
                    rec = self._record = self._create_connection()
        return rec

    def _do_return_conn(self, record: _ConnectionRecord) -> None:
        pass

    def status(self) -> str:
        """Always ``"StaticPool"``."""
        return "StaticPool"

    def dispose(self) -> None:
        """Close the connection; the next checkout opens a new one."""
        rec, self._record = self._record, None
        if rec is not None:
            rec.close()

    def recreate(self) -> StaticPool:
        """A new StaticPool with the same configuration and listeners."""
        new = type(self)(self._creator, **self._recreate_kw())
        self._after_recreate(new)
        return new


class SingletonThreadPool(Pool):
    """One DBAPI connection per thread, kept for the thread's next checkouts.

    The default for in-memory SQLite, so data persists within a thread. A thread that calls
    ``connect()`` again while it still holds a connection gets the same proxy back (closing it
    returns only when every such checkout closed it). At most ``pool_size`` threads keep a
    connection; beyond that the oldest are closed.
    """

    def __init__(self, creator: Callable[..., Any], pool_size: int = 5, **kw: Any) -> None:
        super().__init__(creator, **kw)
        self._local = threading.local()
        self._all_conns: set[_ConnectionRecord] = set()
        self._all_lock = threading.Lock()
        self.size = pool_size

    def connect(self) -> PoolProxiedConnection:
        """This thread's connection; re-entrant within the thread."""
        # the thread's record knows its checked-out proxy (``fairy_ref``, None once returned)
        rec: _ConnectionRecord | None = getattr(self._local, "record", None)
        if rec is not None:
            ref = rec.fairy_ref
            if ref is not None:
                fairy = ref()
                if fairy is not None and fairy._connection_record is rec:
                    fairy._counter += 1
                    return fairy
            return self._checkout_record(rec)  # this thread's connection, not checked out
        return super().connect()

    def _do_get(self) -> _ConnectionRecord:
        rec: _ConnectionRecord | None = getattr(self._local, "record", None)
        if rec is not None:
            return rec
        rec = self._create_connection()
        self._local.record = rec
        with self._all_lock:
            if len(self._all_conns) >= self.size:
                self._cleanup()
            self._all_conns.add(rec)
        return rec

    def _cleanup(self) -> None:
        while len(self._all_conns) >= self.size:
            victim = self._all_conns.pop()
            victim.close()

    def _do_return_conn(self, record: _ConnectionRecord) -> None:
        pass

    def status(self) -> str:
        """Pool id and number of per-thread connections."""
        return f"SingletonThreadPool id:{id(self)} size: {len(self._all_conns)}"

    def dispose(self) -> None:
        """Close every thread's connection."""
        with self._all_lock:
            records = list(self._all_conns)
            self._all_conns.clear()
        for rec in records:
            rec.close()

    def recreate(self) -> SingletonThreadPool:
        """A new SingletonThreadPool with the same configuration and listeners."""
        new = type(self)(self._creator, pool_size=self.size, **self._recreate_kw())
        self._after_recreate(new)
        return new


class AssertionPool(Pool):
    """A debugging pool allowing one checkout at a time: a second concurrent ``connect()``
    raises AssertionError naming where the first checkout happened."""

    def __init__(self, creator: Callable[..., Any], **kw: Any) -> None:
        super().__init__(creator, **kw)
        self._record: _ConnectionRecord | None = None
        self._checked_out = False
        self._checkout_traceback: list[str] | None = None

    def _do_get(self) -> _ConnectionRecord:
        if self._checked_out:
            where = "".join(self._checkout_traceback or ())
            raise AssertionError(
                f"AssertionPool: connection is already checked out; first checkout at:\n{where}"
            )
        if self._record is None:
            self._record = self._create_connection()
        self._checked_out = True
        self._checkout_traceback = traceback.format_stack()[:-2]
        return self._record

    def _do_return_conn(self, record: _ConnectionRecord) -> None:
        if not self._checked_out:
            raise AssertionError("AssertionPool: connection returned that was not checked out")
        self._checked_out = False
        if record is not self._record:
            record.close()

    def status(self) -> str:
        """Always ``"AssertionPool"``."""
        return "AssertionPool"

    def dispose(self) -> None:
        """Close the connection if it is not checked out."""
        self._checked_out = False
        rec, self._record = self._record, None
        if rec is not None:
            rec.close()

    def recreate(self) -> AssertionPool:
        """A new AssertionPool with the same configuration and listeners."""
        new = type(self)(self._creator, **self._recreate_kw())
        self._after_recreate(new)
        return new
