"""Results: :class:`Row`, :class:`Result` and its views (scalars, mappings), cursor-backed results.

Per compiled statement, a :class:`ResultMetaData` is built once: a ``Row`` subclass with a
C descriptor per column name, the key map (names and column objects → index) and the result
processors. Reading rows is then ``Row(raw_tuple)``; where some columns need conversion, a batch is
converted column by column (one ``map`` per processed column, the others untouched). Iterating a
cursor result makes each Row as it is reached, over the DBAPI's own batches, with only C iterators
running per row. The ORM reads plain converted tuples (``_fetchall_tuples``), never Rows.
"""

from __future__ import annotations

import functools
import itertools
import operator
import weakref

try:  # the C descriptor namedtuple uses for its fields: faster than property(itemgetter(i))
    from collections import _tuplegetter  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Pythons
    def _tuplegetter(index: int, doc: Any) -> Any:
        return property(operator.itemgetter(index), doc=doc)
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlweave.core import exc

# ---------------------------------------------------------------------------------------------
# Row
# ---------------------------------------------------------------------------------------------


class Row(tuple):  # type: ignore[type-arg]
    """A result row: a tuple with access by column name (``row.name``), ``row._mapping``,
    ``row._fields``, ``row._asdict()`` and ``row._t``. Subclassed once per result shape."""

    __slots__ = ()
    _keymap: dict[Any, int] = {}
    #: column objects of other statements that ran the same compiled form (weakly held)
    _extra_keys: Any = {}
    _fields: tuple[str, ...] = ()

    @property
    def _mapping(self) -> RowMapping:
        """A read-only mapping view: ``row._mapping["name"]`` or ``row._mapping[table.c.name]``."""
        return RowMapping(self)

    @property
    def _t(self) -> tuple[Any, ...]:
        return tuple(self)

    def _tuple(self) -> tuple[Any, ...]:
        return tuple(self)

    tuple = _tuple

    def _asdict(self) -> dict[str, Any]:
        return dict(zip(self._fields, self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> Any:
        return (_rebuild_row, (self._fields, tuple(self)))


def _rebuild_row(fields: tuple[str, ...], values: tuple[Any, ...]) -> Row:
    return _unpickled_row_class(fields)(values)


@functools.lru_cache(maxsize=128)
def _unpickled_row_class(fields: tuple[str, ...]) -> type[Row]:
    """One Row class per shape for unpickled rows (not one per row)."""
    keymap: dict[Any, int] = {}
    for i, f in enumerate(fields):
        keymap.setdefault(f, i)
    return _row_class_for(fields, keymap)


#: names a column cannot shadow as an attribute (tuple's and Row's own); ``row._mapping[name]`` reaches them
_RESERVED = frozenset(dir(tuple)) | {"tuple", "_mapping", "_t", "_tuple", "_asdict", "_fields", "_keymap"}


def _row_class_for(fields: tuple[str, ...], keymap: dict[Any, int], extra: Any = None) -> type[Row]:
    ns: dict[str, Any] = {"__slots__": (), "_keymap": keymap, "_fields": fields}
    if extra is not None:
        ns["_extra_keys"] = extra
    # Every column name is a class attribute (a C descriptor), including names that are not
    # identifiers (``getattr(row, "a b")``), so Row needs no ``__getattr__``: a class with one
    # pays for the hook on every attribute read.
    for i, name in enumerate(fields):
        if isinstance(name, str) and name not in _RESERVED and name not in ns \
                and not (name.startswith("__") and name.endswith("__")):
            ns[name] = _tuplegetter(i, None)
    return type("Row", (Row,), ns)


def _extra_index(row: Any, key: Any) -> int | None:
    """The column of ``key`` among the weakly held objects of other statements (see
    ``ResultMetaData._add_objects``); None for names and unknown objects."""
    extra = row._extra_keys
    if not extra or isinstance(key, (str, int)):
        return None
    try:
        return extra.get(key)  # type: ignore[no-any-return]
    except TypeError:
        return None


class RowMapping:
    """``row._mapping``: access by name or Column object; iterates over the names."""

    __slots__ = ("_row",)

    def __init__(self, row: Row) -> None:
        self._row = row

    def __getitem__(self, key: Any) -> Any:
        idx = self._row._keymap.get(key)
        if idx is None:
            idx = _extra_index(self._row, key)
        if idx is None:
            if isinstance(key, int):
                return self._row[key]
            raise exc.NoSuchColumnError(f"Could not locate column in row for column {_keyname(key)!r}")
        return tuple.__getitem__(self._row, idx)

    def get(self, key: Any, default: Any = None) -> Any:
        idx = self._row._keymap.get(key)
        if idx is None:
            idx = _extra_index(self._row, key)
        return default if idx is None else tuple.__getitem__(self._row, idx)

    def __contains__(self, key: Any) -> bool:
        return key in self._row._keymap or _extra_index(self._row, key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._row._fields)

    def __len__(self) -> int:
        return len(self._row)

    def keys(self) -> list[str]:
        return list(self._row._fields)

    def values(self) -> list[Any]:
        return list(self._row)

    def items(self) -> list[tuple[str, Any]]:
        return list(zip(self._row._fields, self._row))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RowMapping):
            other = dict(other.items())
        return dict(self.items()) == other

    def __repr__(self) -> str:
        return repr(dict(self.items()))


def _keyname(key: Any) -> str:
    return getattr(key, "key", None) or str(key)


# ---------------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------------


class ResultMetaData:
    """What one shape of result looks like: names, key map, processors and the Row class."""

    __slots__ = ("keys", "keymap", "row_cls", "processors", "make_row", "_objects", "_convert")

    def __init__(self, keys: Sequence[str], objects: Sequence[Sequence[Any]] = (),
                 processors: Sequence[Any] | None = None) -> None:
        self.keys = list(keys)
        keymap: dict[Any, int] = {}
        for i, name in enumerate(keys):
            keymap.setdefault(name, i)
        for i, objs in enumerate(objects):
            for o in objs:
                if o is not None:
                    try:
                        keymap.setdefault(o, i)
                    except TypeError:
                        pass
        self.keymap = keymap
        self._objects = objects
        self.row_cls = _row_class_for(tuple(keys), keymap, weakref.WeakKeyDictionary())
        self.processors = list(processors) if processors else [None] * len(keys)
        self.make_row = self._row_maker()
        self._convert = self._batch_converter()

    def _add_objects(self, objects: Sequence[Sequence[Any]]) -> None:
        """Also key this shape's rows by ``objects`` (one sequence per column): the column objects
        of another statement of the same shape that ran the same compiled form. They are held
        weakly (gone with their statement), so no Row class is made per execution."""
        keymap = self.keymap
        extra = self.row_cls._extra_keys
        for i, objs in enumerate(objects):
            for o in objs:
                if o is not None and o not in keymap:
                    try:
                        extra[o] = i
                    except TypeError:
                        pass

    def _row_maker(self) -> Callable[[Any], Row]:
        cls = self.row_cls
        conv = [(i, p) for i, p in enumerate(self.processors) if p is not None]
        if not conv:
            return cls
        if len(conv) == 1:
            (idx, proc), = conv

            def make_one(raw: Any) -> Row:
                r = list(raw)
                r[idx] = proc(r[idx])
                return cls(r)

            return make_one

        def make(raw: Any) -> Row:
            r = list(raw)
            for i, p in conv:
                r[i] = p(r[i])
            return cls(r)

        return make

    def _batch_converter(self) -> Callable[[Sequence[Any]], Iterable[Any]] | None:
        """Converts a batch of DBAPI rows column by column: only the columns with a processor
        are touched, each with one ``map`` over the column (None when no column needs one)."""
        conv = [(i, p) for i, p in enumerate(self.processors) if p is not None]
        if not conv:
            return None

        def convert(raw: Sequence[Any]) -> Iterable[Any]:
            if not raw:
                return raw
            cols: list[Any] = list(zip(*raw))
            for i, p in conv:
                cols[i] = map(p, cols[i])
            return zip(*cols)

        return convert

    def rows(self, raw: Sequence[Any]) -> Iterator[Row]:
        """Row objects for a batch of DBAPI rows, made as they are iterated."""
        convert = self._convert
        return map(self.row_cls, raw if convert is None else convert(raw))

    def tuples(self, raw: Sequence[Any]) -> Sequence[Any]:
        """A batch of DBAPI rows with the processors applied, as plain sequences (no Rows):
        the DBAPI's own rows when no column needs a processor."""
        convert = self._convert
        return raw if convert is None else list(convert(raw))

    def index_for(self, key: Any) -> int:
        if isinstance(key, int):
            if key < 0:
                key += len(self.keys)
            if not 0 <= key < len(self.keys):
                raise IndexError(f"result has {len(self.keys)} columns; index {key} is out of range")
            return key
        idx = self.keymap.get(key)
        if idx is None:
            idx = _extra_index(self.row_cls, key)
        if idx is None:
            raise exc.NoSuchColumnError(
                f"Could not locate column in row for column {_keyname(key)!r}; columns are: {', '.join(self.keys)}"
            )
        return idx


# ---------------------------------------------------------------------------------------------
# Result and its views
# ---------------------------------------------------------------------------------------------

_NO_ROW = object()


class _ResultCommon:
    """Fetch methods shared by Result, ScalarResult and MappingResult."""

    _real: Result
    _post: Callable[[Any], Any] | None = None
    _unique_key: Callable[[Any], Any] | None = None
    _unique_seen: set[Any] | None = None

    def _filter(self, rows: list[Any]) -> list[Any]:
        post = self._post
        if self._unique_seen is not None:
            seen = self._unique_seen
            keyfn = self._unique_key or (lambda r: r)
            out = []
            for r in rows:
                v = post(r) if post else r
                k = keyfn(v)
                if k not in seen:
                    seen.add(k)
                    out.append(v)
            return out
        if post is not None:
            return [post(r) for r in rows]
        return rows

    def all(self) -> list[Any]:
        """All remaining rows as a list."""
        return self._filter(self._real._fetchall_impl())

    def fetchall(self) -> list[Any]:
        return self.all()

    def fetchmany(self, size: int | None = None) -> list[Any]:
        """The next ``size`` rows (``yield_per`` or the cursor's arraysize by default)."""
        size = size or self._real._yield_per or 1
        out: list[Any] = []
        while len(out) < size:
            chunk = self._real._fetchmany_impl(size - len(out))
            if not chunk:
                break
            out.extend(self._filter(chunk))
        return out

    def fetchone(self) -> Any:
        if self._post is None and self._unique_seen is None:
            return self._real._fetchone_impl()
        while True:
            row = self._real._fetchone_impl()
            if row is None:
                return None
            got = self._filter([row])
            if got:
                return got[0]

    def __iter__(self) -> Iterator[Any]:
        size = self._real._yield_per or 100
        if self._post is None and self._unique_seen is None:
            # nothing to filter: chunks chained at C speed (no generator step per row)
            chunks = iter(functools.partial(self._real._fetchmany_impl, size), [])
            return itertools.chain.from_iterable(chunks)
        return self._iter_filtered(size)

    def _iter_filtered(self, size: int) -> Iterator[Any]:
        while True:
            chunk = self._real._fetchmany_impl(size)
            if not chunk:
                return
            yield from self._filter(chunk)

    def __next__(self) -> Any:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    def partitions(self, size: int | None = None) -> Iterator[list[Any]]:
        """Iterate over lists of ``size`` rows."""
        while True:
            part = self.fetchmany(size)
            if not part:
                return
            yield part

    def first(self) -> Any:
        """The first row (or None), closing the result."""
        try:
            return self.fetchone()
        finally:
            self._real._soft_close()

    def one_or_none(self) -> Any:
        """Exactly one row or None; raises MultipleResultsFound for more."""
        return self._only_one(raise_none=False)

    def one(self) -> Any:
        """Exactly one row; NoResultFound / MultipleResultsFound otherwise."""
        return self._only_one(raise_none=True)

    def _only_one(self, raise_none: bool) -> Any:
        try:
            first = self.fetchone()
            if first is None:
                if raise_none:
                    raise exc.NoResultFound("No row was found when one was required")
                return None
            if self.fetchone() is not None:
                raise exc.MultipleResultsFound("Multiple rows were found when exactly one was required")
            return first
        finally:
            self._real._soft_close()

    def unique(self, strategy: Callable[[Any], Any] | None = None) -> Any:
        """Drop duplicate rows (by ``strategy(row)`` if given)."""
        self._unique_seen = set()
        self._unique_key = strategy
        return self

    def close(self) -> None:
        self._real.close()

    @property
    def closed(self) -> bool:
        return self._real._closed


class Result(_ResultCommon):
    """Rows from a statement. Iterate, or use ``all()``, ``first()``, ``one()``, ``scalar()``,
    ``scalars()``, ``mappings()``."""

    _yield_per: int | None = None
    _closed = False

    def __init__(self, metadata: ResultMetaData | None) -> None:
        self._metadata = metadata

    @property
    def _real(self) -> Result:  # type: ignore[override]
        # a property, not ``self._real = self``: that reference cycle kept every result (with its
        # cursor, context and parameters) alive until the garbage collector ran
        return self

    # implementation hooks ----------------------------------------------------------------------
    def _fetchall_impl(self) -> list[Any]:
        raise NotImplementedError

    def _fetchmany_impl(self, size: int) -> list[Any]:
        raise NotImplementedError

    def _fetchone_impl(self) -> Any:
        rows = self._fetchmany_impl(1)
        return rows[0] if rows else None

    def _fetchall_tuples(self) -> Sequence[Any]:
        """All remaining rows as plain sequences (what the ORM loads objects from); a cursor
        result skips making Row objects."""
        return self._fetchall_impl()

    def _fetchmany_tuples(self, size: int) -> Sequence[Any]:
        return self._fetchmany_impl(size)

    def _soft_close(self) -> None:
        pass

    # public API --------------------------------------------------------------------------------
    def keys(self) -> list[str]:
        """The column names."""
        if self._metadata is None:
            return []
        return list(self._metadata.keys)

    def scalars(self, index: Any = 0) -> ScalarResult:
        """A view yielding the value of one column (the first by default) of each row."""
        return ScalarResult(self, index)

    def mappings(self) -> MappingResult:
        """A view yielding ``RowMapping`` dict-likes."""
        return MappingResult(self)

    def tuples(self) -> Result:
        return self

    @property
    def t(self) -> Result:
        return self

    def columns(self, *cols: Any) -> Result:
        """Narrow each row to the given columns (by name, index or Column)."""
        md = self._require_meta()
        idx = [md.index_for(c) for c in cols]
        names = [md.keys[i] for i in idx]
        new_md = ResultMetaData(names, [md._objects[i] if i < len(md._objects) else () for i in idx])
        getter = operator.itemgetter(*idx) if len(idx) > 1 else (lambda r, _i=idx[0]: (r[_i],))
        view = _ColumnsResult(self, new_md, getter)
        return view

    def yield_per(self, num: int) -> Result:
        """Fetch ``num`` rows at a time (with a server-side cursor where the dialect has one)."""
        self._yield_per = num
        return self

    def scalar(self) -> Any:
        """The first column of the first row, or None; closes the result."""
        try:
            row = self._fetchone_impl()
            return None if row is None else row[0]
        finally:
            self._soft_close()

    def scalar_one(self) -> Any:
        """The first column of exactly one row."""
        return self.scalars().one()

    def scalar_one_or_none(self) -> Any:
        return self.scalars().one_or_none()

    def freeze(self) -> FrozenResult:
        return FrozenResult(self)

    def _require_meta(self) -> ResultMetaData:
        if self._metadata is None:
            raise exc.ResourceClosedError(
                "This result object does not return rows. It has been closed automatically."
            )
        return self._metadata

    def close(self) -> None:
        self._closed = True

    def __enter__(self) -> Result:
        return self

    def __exit__(self, *a: Any) -> None:
        self.close()


class _ColumnsResult(Result):
    def __init__(self, parent: Result, metadata: ResultMetaData, getter: Callable[[Any], Any]) -> None:
        super().__init__(metadata)
        self._parent = parent
        make = metadata.row_cls
        self._conv = lambda r: make(getter(r))
        self._yield_per = parent._yield_per

    def _fetchall_impl(self) -> list[Any]:
        return [self._conv(r) for r in self._parent._fetchall_impl()]

    def _fetchmany_impl(self, size: int) -> list[Any]:
        return [self._conv(r) for r in self._parent._fetchmany_impl(size)]

    def _soft_close(self) -> None:
        self._parent._soft_close()

    def close(self) -> None:
        self._parent.close()


class ScalarResult(_ResultCommon):
    """``result.scalars()``: one value per row."""

    def __init__(self, real: Result, index: Any = 0) -> None:
        self._real = real
        self._unique_seen = real._unique_seen
        self._unique_key = None
        if index == 0:
            self._post = operator.itemgetter(0)
        else:
            i = real._require_meta().index_for(index)
            self._post = operator.itemgetter(i)

    def _filter(self, rows: list[Any]) -> list[Any]:
        post = self._post
        values = [post(r) for r in rows]  # type: ignore[misc]
        if self._unique_seen is not None:
            seen = self._unique_seen
            keyfn = self._unique_key
            out = []
            for v in values:
                k = keyfn(v) if keyfn else v
                if k not in seen:
                    seen.add(k)
                    out.append(v)
            return out
        return values


class MappingResult(_ResultCommon):
    """``result.mappings()``: one ``RowMapping`` per row."""

    def __init__(self, real: Result) -> None:
        self._real = real
        self._unique_seen = real._unique_seen
        self._post = RowMapping

    def keys(self) -> list[str]:
        return self._real.keys()


class IteratorResult(Result):
    """A Result over rows produced by an iterator (used by the ORM and for frozen results)."""

    def __init__(self, metadata: ResultMetaData | None, iterator: Iterable[Any],
                 close_cb: Callable[[], None] | None = None) -> None:
        super().__init__(metadata)
        self._iterator = iter(iterator)
        self._close_cb = close_cb

    def _fetchall_impl(self) -> list[Any]:
        rows = list(self._iterator)
        self._soft_close()
        return rows

    def _fetchmany_impl(self, size: int) -> list[Any]:
        out = list(itertools.islice(self._iterator, size))
        if not out:
            self._soft_close()
        return out

    def _soft_close(self) -> None:
        if self._close_cb is not None:
            cb, self._close_cb = self._close_cb, None
            cb()

    def close(self) -> None:
        self._soft_close()
        self._closed = True


class FrozenResult:
    """A Result's rows kept in memory; call it to get a fresh Result over them."""

    def __init__(self, result: Result) -> None:
        self.metadata = result._metadata
        self.data = result._fetchall_impl()

    def __call__(self) -> IteratorResult:
        return IteratorResult(self.metadata, list(self.data))


class CursorResult(Result):
    """Rows from a DBAPI cursor, plus what the statement did (``rowcount``,
    ``inserted_primary_key``, ``lastrowid``, ``returned_defaults``)."""

    _rowcount: int | None = None
    _buffer: list[Any] | None = None
    _log_rows = False

    def __init__(self, context: Any, metadata: ResultMetaData | None) -> None:
        self._metadata = metadata
        self.context = context
        self.connection = connection = context.root_connection
        if metadata is None:
            # no rows (DML without RETURNING, DDL): what the statement did is read now and the
            # cursor closed at once; the connection counts only results that have rows
            rowcount = context._rowcount  # post_exec read it (the property reads it otherwise)
            self._rowcount = rowcount if rowcount is not None else context.rowcount
            self.cursor = None
            cursor = context.cursor
            if cursor is not None:
                try:
                    cursor.close()
                except Exception:  # a cursor of a dead connection may fail to close
                    pass
            return
        self.cursor = context.cursor
        engine = getattr(connection, "engine", None)
        if getattr(engine, "_should_log_debug", False):
            self._log_rows = True
        opts = context.execution_options
        if opts.get("stream_results") or opts.get("yield_per"):
            self._yield_per = opts.get("yield_per") or opts.get("max_row_buffer")

    @property
    def returns_rows(self) -> bool:
        """True if the statement returns rows (SELECT, or DML with RETURNING)."""
        return self._metadata is not None

    @property
    def rowcount(self) -> int:
        """Rows matched by an UPDATE or DELETE (or inserted by an INSERT); -1 if unknown."""
        if self._rowcount is None:
            self._rowcount = self.context.rowcount
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self.context.lastrowid

    @property
    def inserted_primary_key(self) -> Any:
        """The primary key of the row a single-row INSERT created (server-generated or given)."""
        rows = self.context.inserted_primary_key_rows
        if rows is None:
            raise exc.InvalidRequestError("Statement is not a compiled insert() construct.")
        if self.context.executemany:
            raise exc.InvalidRequestError(
                "This statement was an executemany call; use inserted_primary_key_rows"
            )
        return rows[0]

    @property
    def inserted_primary_key_rows(self) -> list[Any]:
        rows = self.context.inserted_primary_key_rows
        if rows is None:
            raise exc.InvalidRequestError("Statement is not a compiled insert() construct.")
        return rows  # type: ignore[no-any-return]

    @property
    def returned_defaults(self) -> Any:
        return self.context.returned_defaults

    @property
    def is_insert(self) -> bool:
        return bool(self.context.isinsert)

    def _fetchall_raw(self) -> list[Any]:
        """The remaining DBAPI rows, unconverted; closes the cursor."""
        self._check_open()
        cursor = self.cursor
        if cursor is None:
            return []
        try:
            if self._buffer is not None:
                raw = self._buffer + cursor.fetchall()
                self._buffer = None
            else:
                raw = cursor.fetchall()
        except Exception as err:
            self.connection._handle_dbapi_exception(err, None, None, cursor, self.context)
            raise
        self._soft_close()
        return raw  # type: ignore[no-any-return]

    def _fetchall_impl(self) -> list[Any]:
        rows = list(self._metadata.rows(self._fetchall_raw()))  # type: ignore[union-attr]
        if self._log_rows:
            self._log(rows)
        return rows

    def _fetchall_tuples(self) -> Sequence[Any]:
        rows = self._metadata.tuples(self._fetchall_raw())  # type: ignore[union-attr]
        if self._log_rows:
            self._log(rows)
        return rows

    def _fetchmany_tuples(self, size: int) -> Sequence[Any]:
        rows = self._metadata.tuples(self._fetchmany_raw(size))  # type: ignore[union-attr]
        if self._log_rows:
            self._log(rows)
        return rows

    def _log(self, rows: Iterable[Any]) -> None:
        logger = self.connection.engine.logger
        for r in rows:
            logger.debug(f"Row {tuple(r)!r}")

    def _fetchmany_raw(self, size: int) -> list[Any]:
        """The next ``size`` DBAPI rows, unconverted; ``[]`` (always a list) at the end, which
        closes the cursor."""
        self._check_open()
        cursor = self.cursor
        if cursor is None:
            return []
        try:
            raw = cursor.fetchmany(size)
        except Exception as err:
            self.connection._handle_dbapi_exception(err, None, None, cursor, self.context)
            raise
        if not raw:
            self._soft_close()
            return []
        return raw  # type: ignore[no-any-return]

    def _fetchmany_impl(self, size: int) -> list[Any]:
        raw = self._fetchmany_raw(size)
        if not raw:
            return []
        rows = list(self._metadata.rows(raw))  # type: ignore[union-attr]
        if self._log_rows:
            self._log(rows)
        return rows

    def _fetchone_impl(self) -> Any:
        self._check_open()
        cursor = self.cursor
        if cursor is None:
            return None
        try:
            raw = cursor.fetchone()
        except Exception as err:
            self.connection._handle_dbapi_exception(err, None, None, cursor, self.context)
            raise
        if raw is None:
            self._soft_close()
            return None
        row = self._metadata.make_row(raw)  # type: ignore[union-attr]
        if self._log_rows:
            self._log([row])
        return row

    def _check_open(self) -> None:
        if self._metadata is None:
            raise exc.ResourceClosedError(
                "This result object does not return rows. It has been closed automatically."
            )
        if self._closed:
            raise exc.ResourceClosedError("This result object is closed.")

    def _soft_close(self) -> None:
        cursor = self.cursor
        if cursor is not None:
            self.cursor = None
            try:
                cursor.close()
            except Exception:  # a cursor of a dead connection may fail to close; nothing to keep
                pass
            self.connection._on_result_closed(self)

    def close(self) -> None:
        """Release the cursor; further fetches raise ResourceClosedError."""
        self._soft_close()
        self._closed = True

    def all(self) -> list[Any]:
        if self._unique_seen is None and self._post is None:
            return self._fetchall_impl()
        return super().all()

    def __iter__(self) -> Iterator[Any]:
        if self._unique_seen is not None or self._post is not None or self._log_rows:
            return super().__iter__()
        self._check_open()
        rows = self._metadata.rows  # type: ignore[union-attr]
        if self._yield_per is None and not self.context._is_server_side:
            # a buffered result: the rows in one fetch, each Row made as the caller reaches it
            # (no second list of n rows, and the collector is not triggered by n live Rows)
            return rows(self._fetchall_raw())
        # streamed: one Python call per chunk; per row, only C iterators run
        chunks = iter(functools.partial(self._fetchmany_raw, self._yield_per or 100), [])
        return itertools.chain.from_iterable(map(rows, chunks))
