"""ORM exceptions: each names the class, attribute or object involved and what to do about it."""

from __future__ import annotations

from typing import Any

from sqlweave.core.exc import (
    InvalidRequestError,
    MultipleResultsFound,
    NoResultFound,
    SAWarning,
    SqlweaveError,
)

__all__ = [
    "DetachedInstanceError", "FlushError", "MappedAnnotationError", "MultipleResultsFound",
    "NoResultFound", "ObjectDeletedError", "StaleDataError", "UnmappedClassError",
    "UnmappedInstanceError", "UnmappedError", "ORMConfigurationError", "LazyLoadRaised",
    "NPlusOneWarning", "NPlusOneError",
]


class StaleDataError(SqlweaveError):
    """An UPDATE or DELETE matched a different number of rows than the flush expected
    (the row was changed or deleted concurrently, or its version id moved on)."""


class FlushError(InvalidRequestError):
    """The flush could not be carried out (e.g. two objects claim one identity)."""


class UnmappedError(InvalidRequestError):
    """Base for errors about objects or classes that are not mapped."""


class UnmappedInstanceError(UnmappedError):
    """An object of an unmapped class was given where a mapped instance is needed."""

    def __init__(self, obj: Any, msg: str | None = None) -> None:
        super().__init__(msg or f"Class {type(obj).__module__}.{type(obj).__qualname__!s} is not mapped")


class UnmappedClassError(UnmappedError):
    """A class that is not mapped was given where a mapped class is needed."""

    def __init__(self, cls: Any, msg: str | None = None) -> None:
        name = getattr(cls, "__qualname__", repr(cls))
        super().__init__(msg or f"Class {name!r} is not mapped")


class DetachedInstanceError(InvalidRequestError):
    """An unloaded attribute was read on an object that belongs to no Session."""


class ObjectDeletedError(InvalidRequestError):
    """The row of a persistent object is gone from the database."""

    def __init__(self, state: Any, msg: str | None = None) -> None:
        super().__init__(msg or (
            f"Instance '{state._repr()}' has been deleted, or its row is otherwise not present."
        ))


class ORMConfigurationError(InvalidRequestError):
    """A mapping is wrong: no primary key, unknown target class, bad foreign keys ..."""


class MappedAnnotationError(ORMConfigurationError, TypeError):
    """A ``Mapped[...]`` annotation that the ORM cannot turn into a column or relationship."""


class LazyLoadRaised(InvalidRequestError):
    """A relationship configured with ``lazy="raise"`` (or ``raiseload()``) was lazy loaded."""


class NPlusOneWarning(SAWarning):
    """Lazy loads of one relationship fired for many objects from one result (N+1 queries)."""


class NPlusOneError(InvalidRequestError):
    """Raised instead of :class:`NPlusOneWarning` by a Session with ``n_plus_one="raise"``."""
