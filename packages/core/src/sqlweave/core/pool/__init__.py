"""Connection pooling (SQLAlchemy 2.0 semantics).

``QueuePool`` is the default for file and server databases, ``SingletonThreadPool`` for
in-memory SQLite, ``StaticPool`` to share one connection across threads, ``NullPool`` to not
pool at all, ``AssertionPool`` to catch code that holds two connections at once.
"""

from sqlweave.core.pool.base import (
    Pool,
    PoolProxiedConnection,
    PoolResetState,
    ResetStyle,
    _ConnectionFairy,
    _ConnectionRecord,
    reset_commit,
    reset_none,
    reset_rollback,
)
from sqlweave.core.pool.impl import (
    AssertionPool,
    NullPool,
    QueuePool,
    SingletonThreadPool,
    StaticPool,
)

__all__ = [
    "AssertionPool",
    "NullPool",
    "Pool",
    "PoolProxiedConnection",
    "PoolResetState",
    "QueuePool",
    "ResetStyle",
    "SingletonThreadPool",
    "StaticPool",
    "_ConnectionFairy",
    "_ConnectionRecord",
    "reset_commit",
    "reset_none",
    "reset_rollback",
]
