"""ORM results and N+1 detection.

:class:`ORMResult` is what ``Session.execute()`` returns for an ORM select. When the statement
joined-eager-loads a collection, each parent arrives once per child row; like SQLAlchemy, the
result then refuses to hand out rows until ``.unique()`` is called, instead of silently dropping
rows the caller may have meant to count.

N+1 detection: every object loaded by one result points at that result's
:class:`~sqlweave.orm.context.LoadContext`. The second lazy load of the same relationship among
objects of one result is the start of an N+1 pattern; the Session warns
(:class:`~sqlweave.orm.exc.NPlusOneWarning`) or raises (:class:`~sqlweave.orm.exc.NPlusOneError`)
once per (result, relationship), naming the loader option that fixes it.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlweave.core import exc as sa_exc
from sqlweave.core.engine.result import IteratorResult, MappingResult, ScalarResult
from sqlweave.orm import exc as orm_exc
from sqlweave.orm.base import MANYTOONE

_UNIQUE_MSG = (
    "The unique() method must be invoked on this Result, as it contains results that include "
    "joined eager loads against collections: each parent row is repeated once per related row. "
    "Call result.unique() (or session.scalars(...).unique()) to get each entity once, or use "
    "selectinload() instead of joinedload() for the collection."
)


class ORMResult(IteratorResult):
    """A Result of ORM rows; requires ``unique()`` when joined eager collections are loaded.

    A single-entity result (``select(User)``) iterates the entities themselves: ``scalars()``
    hands them out as they are, and Row objects are made only when rows are asked for.
    """

    _require_unique = False
    _uniqued = False
    _single = False

    def _check_unique(self) -> None:
        if self._require_unique and not self._uniqued and self._unique_seen is None:
            raise sa_exc.InvalidRequestError(_UNIQUE_MSG)

    def _fetchall_impl(self) -> list[Any]:
        self._check_unique()
        rows = super()._fetchall_impl()
        return list(map(self._metadata.make_row, zip(rows))) if self._single else rows  # type: ignore[union-attr]

    def _fetchmany_impl(self, size: int) -> list[Any]:
        self._check_unique()
        rows = super()._fetchmany_impl(size)
        return list(map(self._metadata.make_row, zip(rows))) if self._single else rows  # type: ignore[union-attr]

    def _fetchone_impl(self) -> Any:
        self._check_unique()
        for row in self._iterator:
            return self._metadata.make_row((row,)) if self._single else row  # type: ignore[union-attr]
        self._soft_close()
        return None

    def scalars(self, index: Any = 0) -> ScalarResult:
        return _ORMScalarResult(self, index)

    def mappings(self) -> MappingResult:
        return _ORMMappingResult(self)

    def unique(self, strategy: Callable[[Any], Any] | None = None) -> Any:
        self._uniqued = True
        return super().unique(strategy)


class _Entities:
    """A single-entity ORMResult seen as a result of bare entities (what ``scalars()`` reads)."""

    __slots__ = ("_res",)

    def __init__(self, res: ORMResult) -> None:
        self._res = res

    def _fetchall_impl(self) -> list[Any]:
        res = self._res
        res._check_unique()
        return IteratorResult._fetchall_impl(res)

    def _fetchmany_impl(self, size: int) -> list[Any]:
        res = self._res
        res._check_unique()
        return IteratorResult._fetchmany_impl(res, size)

    def _fetchone_impl(self) -> Any:
        got = self._fetchmany_impl(1)
        return got[0] if got else None

    @property
    def _yield_per(self) -> int | None:
        return self._res._yield_per

    @property
    def _closed(self) -> bool:
        return self._res._closed

    def _soft_close(self) -> None:
        self._res._soft_close()

    def close(self) -> None:
        self._res.close()


class _ORMScalarResult(ScalarResult):
    def __init__(self, real: ORMResult, index: Any = 0) -> None:
        self._orm = real
        if real._single and isinstance(index, int) and index == 0:
            self._real = _Entities(real)  # type: ignore[assignment]
            self._unique_seen = real._unique_seen
            self._unique_key = None
            self._post = None
        else:
            super().__init__(real, index)

    def _filter(self, rows: list[Any]) -> list[Any]:
        if self._post is not None:
            return super()._filter(rows)
        seen = self._unique_seen
        if seen is None:
            return rows
        keyfn = self._unique_key
        out = []
        for v in rows:
            k = keyfn(v) if keyfn else v
            if k not in seen:
                seen.add(k)
                out.append(v)
        return out

    def unique(self, strategy: Callable[[Any], Any] | None = None) -> Any:
        self._orm._uniqued = True
        return super().unique(strategy)


class _ORMMappingResult(MappingResult):
    def unique(self, strategy: Callable[[Any], Any] | None = None) -> Any:
        self._real._uniqued = True  # type: ignore[attr-defined]
        return super().unique(strategy)


def make_result(keys: list[str], rows: Iterable[Any], require_unique: bool,
                close_cb: Callable[[], None] | None = None, single: bool = False,
                objects: Sequence[Sequence[Any]] = (), metadata: Any = None) -> ORMResult:
    """The Result of an ORM select: ``rows`` are result tuples, or with ``single`` the entities
    of a single-entity select (Rows are then made only if asked for). ``metadata``: the
    statement's ResultMetaData when already built (its Row class is made once per statement)."""
    from sqlweave.core.engine.result import ResultMetaData

    md = metadata if metadata is not None else ResultMetaData(keys, objects)
    if single:
        res = ORMResult(md, rows, close_cb)
        res._single = True
    else:
        res = ORMResult(md, map(md.row_cls, rows), close_cb)
    res._require_unique = require_unique
    return res


# ---------------------------------------------------------------------------------------------
# N+1 detection
# ---------------------------------------------------------------------------------------------

N_PLUS_ONE_MODES = ("warn", "raise", None)


def default_n_plus_one() -> str | None:
    """"warn" under ``python -X dev`` and under pytest, off otherwise."""
    if sys.flags.dev_mode or "pytest" in sys.modules:
        return "warn"
    return None


def check_mode(mode: Any) -> str | None:
    if mode is False:
        return None
    if mode not in N_PLUS_ONE_MODES:
        raise sa_exc.ArgumentError(f"n_plus_one must be 'warn', 'raise' or None, got {mode!r}")
    return mode  # type: ignore[no-any-return]


def fix_hint(prop: Any) -> str:
    """The loader option that loads ``prop`` for every object of a result at once."""
    name = prop._name
    if prop.direction == MANYTOONE:
        return f"selectinload({name}) or joinedload({name})"
    return f"selectinload({name})"


def note_lazy_load(mode: str, state: Any, prop: Any) -> None:
    """Count a lazy load of ``prop`` for an object of ``state``'s result; report the second."""
    ctx = state._load_result
    if ctx is None or ctx.size < 2:
        return
    counts = ctx.counts
    n = counts.get(prop, 0) + 1
    counts[prop] = n
    if n < 2 or prop in ctx.reported:
        return
    ctx.reported.add(prop)
    msg = (f"N+1 queries: relationship {prop._name} was lazy loaded one object at a time for {n} "
           f"of the {ctx.size} objects loaded by one query (one SELECT each, so up to {ctx.size} "
           f"SELECTs). Load it for all of them at once with "
           f".options({fix_hint(prop)}) on the query that loaded them, or configure "
           f"relationship(lazy='selectin').")
    if mode == "raise":
        raise orm_exc.NPlusOneError(msg)
    warnings.warn(msg, orm_exc.NPlusOneWarning, stacklevel=5)
