"""Column-level SQL elements: columns, bound parameters, operators applied to them, labels, text.

Every element is immutable once built. ``_gen_cache_key(binds)`` gives the element's structure for
compiled-statement caching and collects its bound parameters (in traversal order) into ``binds``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlweave.core import exc
from sqlweave.core import types as sqltypes
from sqlweave.core.sql import coercions, operators
from sqlweave.core.sql.visitors import HasCacheKey, Visitable

if TYPE_CHECKING:
    pass


class ClauseElement(Visitable, HasCacheKey):
    """Base of every SQL construct."""

    __visit_name__ = "clause"
    _is_clause_element = True
    is_selectable = False
    _is_from_clause = False
    _is_select_statement = False
    _is_text_clause = False
    is_dml = False
    _execution_options: dict[str, Any] = {}

    @property
    def _from_objects(self) -> list[Any]:
        """The FROM-clause elements this element refers to."""
        return []

    def self_group(self, against: Any = None) -> ClauseElement:
        """This element, wrapped in parentheses if it needs them inside ``against``."""
        return self

    #: True while the class keeps the self_group() above (it never groups): expressions then
    #: take the operand as it is, without the call (columns and bound values, mostly)
    _self_group_noop = True

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if "self_group" in cls.__dict__:
            cls._self_group_noop = False

    def self_group_where(self) -> ClauseElement:
        return self

    def get_children(self) -> Iterable[ClauseElement]:
        return ()

    def compile(self, bind: Any = None, dialect: Any = None, **kw: Any) -> Any:
        """Compile to a :class:`~sqlweave.core.sql.compiler.Compiled` for ``dialect``.

        ``compile_kwargs={"literal_binds": True}`` renders values inline (for display and DDL
        only; execution always binds).
        """
        if dialect is None:
            if bind is not None:
                dialect = bind.dialect
            else:
                from sqlweave.core.engine.default import StrCompileDialect

                dialect = StrCompileDialect()
        return dialect.statement_compiler(dialect, self, **kw)

    def __str__(self) -> str:
        return str(self.compile())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} at 0x{id(self):x}; {self}>"

    def _generate(self) -> Any:
        """A copy to modify (generative methods). The copy drops ``_memo_key``, the cache key
        and bound parameters that ``Connection`` memoizes on a statement it executed."""
        new = self.__class__.__new__(self.__class__)
        d = new.__dict__ = self.__dict__.copy()
        if "_memo_key" in d:
            del d["_memo_key"]
        return new

    is_executable = False

    def _execute_on_connection(
        self, connection: Any, distilled_params: Any, execution_options: Any
    ) -> Any:
        if not self.is_executable:
            raise exc.ObjectNotExecutableError(self)
        return connection._execute_clauseelement(self, distilled_params, execution_options)

    def params(self, *optionaldict: dict[str, Any], **kwargs: Any) -> Any:
        """A copy with values supplied for named ``bindparam()`` objects."""
        values = dict(*optionaldict, **kwargs)
        from sqlweave.core.sql.traversal import replace_binds

        return replace_binds(self, values)


class ColumnOperators:
    """Python operators and named comparison methods, shared by columns and expressions."""

    __slots__ = ()

    def operate(self, op: Any, *other: Any, **kw: Any) -> Any:
        raise NotImplementedError

    def reverse_operate(self, op: Any, other: Any, **kw: Any) -> Any:
        raise NotImplementedError

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self.operate(operators.eq, other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self.operate(operators.ne, other)

    def __lt__(self, other: Any) -> Any:
        return self.operate(operators.lt, other)

    def __le__(self, other: Any) -> Any:
        return self.operate(operators.le, other)

    def __gt__(self, other: Any) -> Any:
        return self.operate(operators.gt, other)

    def __ge__(self, other: Any) -> Any:
        return self.operate(operators.ge, other)

    def __add__(self, other: Any) -> Any:
        return self.operate(operators.add, other)

    def __radd__(self, other: Any) -> Any:
        return self.reverse_operate(operators.add, other)

    def __sub__(self, other: Any) -> Any:
        return self.operate(operators.sub, other)

    def __rsub__(self, other: Any) -> Any:
        return self.reverse_operate(operators.sub, other)

    def __mul__(self, other: Any) -> Any:
        return self.operate(operators.mul, other)

    def __rmul__(self, other: Any) -> Any:
        return self.reverse_operate(operators.mul, other)

    def __truediv__(self, other: Any) -> Any:
        return self.operate(operators.truediv, other)

    def __rtruediv__(self, other: Any) -> Any:
        return self.reverse_operate(operators.truediv, other)

    def __floordiv__(self, other: Any) -> Any:
        return self.operate(operators.floordiv, other)

    def __mod__(self, other: Any) -> Any:
        return self.operate(operators.mod, other)

    def __neg__(self) -> Any:
        return self.operate(operators.neg)

    def __invert__(self) -> Any:
        return self.operate(operators.inv)

    def __and__(self, other: Any) -> Any:
        return and_(self, other)

    def __or__(self, other: Any) -> Any:
        return or_(self, other)

    def __getitem__(self, index: Any) -> Any:
        return self.operate(operators.getitem, index)

    # identity hashing (``__eq__`` builds SQL), at C speed: columns are hashed in every cache key
    __hash__ = object.__hash__

    def like(self, other: Any, escape: str | None = None) -> Any:
        """``self LIKE other`` (with an optional ESCAPE character)."""
        return self.operate(operators.like_op, other, escape=escape)

    def not_like(self, other: Any, escape: str | None = None) -> Any:
        return self.operate(operators.not_like_op, other, escape=escape)

    def ilike(self, other: Any, escape: str | None = None) -> Any:
        """Case-insensitive LIKE (native on PostgreSQL, ``lower() LIKE lower()`` elsewhere)."""
        return self.operate(operators.ilike_op, other, escape=escape)

    def not_ilike(self, other: Any, escape: str | None = None) -> Any:
        return self.operate(operators.not_ilike_op, other, escape=escape)

    def in_(self, other: Any) -> Any:
        """``self IN (...)`` for a list of values, a ``select()`` or an empty list."""
        return self.operate(operators.in_op, other)

    def not_in(self, other: Any) -> Any:
        return self.operate(operators.not_in_op, other)

    notin_ = not_in

    def is_(self, other: Any) -> Any:
        """``self IS other`` (``IS NULL`` for None)."""
        return self.operate(operators.is_, other)

    def is_not(self, other: Any) -> Any:
        return self.operate(operators.is_not, other)

    isnot = is_not

    def is_distinct_from(self, other: Any) -> Any:
        return self.operate(operators.is_distinct_from, other)

    def is_not_distinct_from(self, other: Any) -> Any:
        return self.operate(operators.is_not_distinct_from, other)

    def startswith(self, other: Any, autoescape: bool = False, escape: str | None = None) -> Any:
        """``LIKE other || '%'``; ``autoescape=True`` escapes ``%`` and ``_`` in a literal."""
        return self._like_pattern(other, "", "%", autoescape, escape)

    def endswith(self, other: Any, autoescape: bool = False, escape: str | None = None) -> Any:
        return self._like_pattern(other, "%", "", autoescape, escape)

    def contains(self, other: Any, autoescape: bool = False, escape: str | None = None) -> Any:
        return self._like_pattern(other, "%", "%", autoescape, escape)

    def icontains(self, other: Any, autoescape: bool = False, escape: str | None = None) -> Any:
        return self._like_pattern(other, "%", "%", autoescape, escape, op=operators.ilike_op)

    def istartswith(self, other: Any, autoescape: bool = False, escape: str | None = None) -> Any:
        return self._like_pattern(other, "", "%", autoescape, escape, op=operators.ilike_op)

    def iendswith(self, other: Any, autoescape: bool = False, escape: str | None = None) -> Any:
        return self._like_pattern(other, "%", "", autoescape, escape, op=operators.ilike_op)

    def _like_pattern(
        self,
        other: Any,
        prefix: str,
        suffix: str,
        autoescape: bool,
        escape: str | None,
        op: Any = operators.like_op,
    ) -> Any:
        if isinstance(other, str):
            if autoescape:
                esc = escape or "/"
                other = other.replace(esc, esc + esc).replace("%", esc + "%").replace("_", esc + "_")
                escape = esc
            return self.operate(op, prefix + other + suffix, escape=escape)
        expr = coercions.expect_value(other, self)
        if prefix:
            expr = literal(prefix, sqltypes.STRINGTYPE).concat(expr)
        if suffix:
            expr = expr.concat(literal(suffix, sqltypes.STRINGTYPE))
        return self.operate(op, expr, escape=escape)

    def between(self, cleft: Any, cright: Any, symmetric: bool = False) -> Any:
        """``self BETWEEN cleft AND cright``."""
        return self.operate(operators.between_op, cleft, cright)

    def not_between(self, cleft: Any, cright: Any) -> Any:
        return self.operate(operators.not_between_op, cleft, cright)

    def concat(self, other: Any) -> Any:
        """String concatenation (``||``, or ``concat()`` on MySQL)."""
        return self.operate(operators.concat_op, other)

    def regexp_match(self, pattern: Any, flags: str | None = None) -> Any:
        """Regular-expression match (``~`` on PostgreSQL, ``REGEXP`` elsewhere)."""
        return self.operate(operators.regexp_match_op, pattern, flags=flags)

    def not_regexp_match(self, pattern: Any, flags: str | None = None) -> Any:
        return self.operate(operators.not_regexp_match_op, pattern, flags=flags)

    def match(self, other: Any) -> Any:
        return self.operate(operators.match_op, other)

    def collate(self, collation: str) -> Any:
        """``self COLLATE collation``; the collation name is quoted as an identifier."""
        return CollationClause._apply(self, collation)

    def desc(self) -> Any:
        return UnaryExpression(self, modifier=operators.desc_op)

    def asc(self) -> Any:
        return UnaryExpression(self, modifier=operators.asc_op)

    def nulls_first(self) -> Any:
        return UnaryExpression(self, modifier=operators.nulls_first_op)

    def nulls_last(self) -> Any:
        return UnaryExpression(self, modifier=operators.nulls_last_op)

    nullsfirst = nulls_first
    nullslast = nulls_last

    def distinct(self) -> Any:
        return UnaryExpression(self, operator=operators.distinct_op, type_=getattr(self, "type", None))

    def any_(self) -> Any:
        return UnaryExpression(self, operator=operators.any_op)

    def all_(self) -> Any:
        return UnaryExpression(self, operator=operators.all_op)

    def bitwise_and(self, other: Any) -> Any:
        return self.operate(operators.bitwise_and_op, other)

    def bitwise_or(self, other: Any) -> Any:
        return self.operate(operators.bitwise_or_op, other)

    def bitwise_xor(self, other: Any) -> Any:
        return self.operate(operators.bitwise_xor_op, other)

    def op(
        self,
        opstring: str,
        precedence: int = 0,
        is_comparison: bool = False,
        return_type: Any = None,
    ) -> Any:
        """A custom binary operator: ``col.op("&&")(other)``. ``opstring`` is trusted SQL."""
        operator = operators.custom_op(opstring, precedence, is_comparison, return_type)

        def against(other: Any) -> Any:
            return self.operate(operator, other)

        return against

    def bool_op(self, opstring: str, precedence: int = 0) -> Any:
        return self.op(opstring, precedence=precedence, is_comparison=True)


class ColumnElement(ColumnOperators, ClauseElement):
    """A SQL expression that has a type and can appear in a SELECT list or a WHERE clause."""

    __visit_name__ = "column_element"
    type: sqltypes.TypeEngine = sqltypes.NULLTYPE
    key: str | None = None
    primary_key = False
    foreign_keys: Any = frozenset()
    _is_column_clause = False
    _label: str | None = None

    __hash__ = ColumnOperators.__hash__

    def __bool__(self) -> bool:
        raise TypeError("Boolean value of this clause is not defined")

    @property
    def name(self) -> str | None:
        return getattr(self, "_name", None)

    @property
    def comparator(self) -> Any:
        return self

    @property
    def expression(self) -> ColumnElement:
        return self

    def __clause_element__(self) -> ColumnElement:
        return self

    def operate(self, op: Any, *other: Any, **kw: Any) -> Any:
        return _OPERATE.get(op, _binary_operate)(self, op, *other, **kw)

    # ``col == value`` and the other comparisons are built for every statement: they go straight
    # to _binary_operate, which is what operate() does for them. A subclass with its own
    # operate() gets the generic dunders back (see __init_subclass__).
    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return _binary_operate(self, operators.eq, other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return _binary_operate(self, operators.ne, other)

    def __lt__(self, other: Any) -> Any:
        return _binary_operate(self, operators.lt, other)

    def __le__(self, other: Any) -> Any:
        return _binary_operate(self, operators.le, other)

    def __gt__(self, other: Any) -> Any:
        return _binary_operate(self, operators.gt, other)

    def __ge__(self, other: Any) -> Any:
        return _binary_operate(self, operators.ge, other)

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if "operate" in cls.__dict__:
            for name in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"):
                if name not in cls.__dict__:
                    setattr(cls, name, getattr(ColumnOperators, name))

    def reverse_operate(self, op: Any, other: Any, **kw: Any) -> Any:
        left = coercions.expect_value(other, self, op)
        return BinaryExpression(left, self, op, type_=self.type._result_type_for(op, left.type))

    def _negate(self) -> ColumnElement:
        return UnaryExpression(self.self_group(against=operators.inv), operator=operators.inv,
                               type_=sqltypes.BOOLEANTYPE)

    def label(self, name: str | None) -> Label:
        """``self AS name``."""
        return Label(name, self, self.type)

    def cast(self, type_: Any) -> Cast:
        return Cast(self, type_)

    def _anon_label(self, seed: str | None) -> str:
        return f"anon_{seed}" if seed else "anon"

    @property
    def _proxy_name(self) -> str | None:
        """The name a SELECT gives this column in its result (None: anonymous)."""
        return self.name

    def _make_proxy(self, selectable: Any, name: str | None = None, key: str | None = None) -> ColumnClause:
        """A column of ``selectable`` (a subquery or alias) standing for this one."""
        name = name or self._proxy_name or "anon"
        col = ColumnClause(name, self.type, _selectable=selectable)
        col.key = key or name
        col._proxies = [self]  # type: ignore[attr-defined]
        col.primary_key = self.primary_key
        col.foreign_keys = self.foreign_keys
        return col

    def shares_lineage(self, other: ColumnElement) -> bool:
        return bool(self.proxy_set & other.proxy_set)

    @property
    def proxy_set(self) -> frozenset[Any]:
        out = {self}
        for p in getattr(self, "_proxies", ()):
            out |= p.proxy_set
        return frozenset(out)

    @property
    def _base_columns(self) -> set[Any]:
        proxies = getattr(self, "_proxies", None)
        if not proxies:
            return {self}
        out: set[Any] = set()
        for p in proxies:
            out |= p._base_columns
        return out

    def compare(self, other: Any) -> bool:
        """Structural comparison (same SQL shape and bound values)."""
        b1: list[Any] = []
        b2: list[Any] = []
        return bool(
            self._gen_cache_key(b1) == other._gen_cache_key(b2)
            and [b.value for b in b1] == [b.value for b in b2]
        )


def _binary_operate(left: ColumnElement, op: Any, other: Any = None, **kw: Any) -> Any:
    right = coercions.expect_value(other, left, op)
    if op in _PLAIN_COMPARISONS and right.__class__ not in _NULL_OR_BOOL:
        # col <op> value, the most common expression of all
        return BinaryExpression(left, right, op, sqltypes.BOOLEANTYPE, operators.NEGATIONS.get(op),
                                kw or None)
    if isinstance(op, operators.custom_op):
        rtype = (
            sqltypes.BOOLEANTYPE
            if op.is_comparison
            else (sqltypes.to_instance(op.return_type) if op.return_type else left.type)
        )
        return BinaryExpression(left, right, op, type_=rtype)
    if op is operators.add and isinstance(left.type, sqltypes.String) and isinstance(
        right.type, (sqltypes.String, sqltypes.NullType)
    ):
        # String + String is concatenation, as in Python
        op = operators.concat_op
    if op in operators.COMPARISON:
        if right.__class__ is Null or isinstance(right, (True_, False_)) and op in (operators.eq, operators.ne):
            if op is operators.eq:
                op = operators.is_
            elif op is operators.ne:
                op = operators.is_not
        return BinaryExpression(
            left, right, op, type_=sqltypes.BOOLEANTYPE, negate=operators.NEGATIONS.get(op),
            modifiers=kw or None,
        )
    return BinaryExpression(left, right, op, type_=left.type._result_type_for(op, right.type))


_PLAIN_COMPARISONS = frozenset((operators.eq, operators.ne, operators.lt, operators.le, operators.gt,
                                operators.ge))


def _like_operate(left: ColumnElement, op: Any, other: Any, escape: str | None = None) -> Any:
    right = coercions.expect_value(other, left, op)
    return BinaryExpression(
        left, right, op, type_=sqltypes.BOOLEANTYPE, negate=operators.NEGATIONS.get(op),
        modifiers={"escape": escape} if escape else None,
    )


def _in_operate(left: ColumnElement, op: Any, other: Any) -> Any:
    from sqlweave.core.sql.selectable import SelectBase

    if isinstance(other, SelectBase):
        right: ClauseElement = other.scalar_subquery()
    elif isinstance(other, ScalarSelectMarker):
        right = other  # type: ignore[assignment]
    elif isinstance(other, BindParameter) and other.expanding:
        right = other
    elif isinstance(other, ClauseElement):
        right = other.self_group(against=op)
    else:
        ce = getattr(other, "__clause_element__", None)
        if ce is not None:
            return _in_operate(left, op, ce())
        if isinstance(other, str) or not hasattr(other, "__iter__"):
            raise exc.ArgumentError(
                f"in_() takes a list of values or a select(), got {type(other).__name__}"
            )
        values = list(other)
        if any(isinstance(v, ClauseElement) or hasattr(v, "__clause_element__") for v in values):
            # expressions in the list are rendered one by one
            right = Grouping(
                ClauseList(
                    *[coercions.expect_value(v, left, op) for v in values],
                    operator=operators.comma_op,
                )
            )
        else:
            # plain values travel as one expanding parameter: one compiled form for any length
            ctype = left.type._coerce_compared_value(op, values[0] if values else None)
            if ctype._is_null_type and values:
                ctype = sqltypes.type_affinity_of(values[0])
            right = BindParameter(
                getattr(left, "key", None) or "param", values, type_=ctype, unique=True, expanding=True
            )
    return BinaryExpression(
        left, right, op, type_=sqltypes.BOOLEANTYPE, negate=operators.NEGATIONS.get(op)
    )


def _between_operate(left: ColumnElement, op: Any, cleft: Any, cright: Any) -> Any:
    lo = coercions.expect_value(cleft, left, op)
    hi = coercions.expect_value(cright, left, op)
    return BinaryExpression(
        left, ClauseList(lo, hi, operator=operators.and_), op,
        type_=sqltypes.BOOLEANTYPE, negate=operators.NEGATIONS.get(op),
    )


def _unary_operate(left: ColumnElement, op: Any) -> Any:
    if op is operators.inv:
        return left._negate()
    return UnaryExpression(left, operator=op, type_=left.type)


def _getitem_operate(left: ColumnElement, op: Any, index: Any) -> Any:
    typ = left.type
    if isinstance(typ, sqltypes.JSON):
        if isinstance(index, tuple):
            right = BindParameter(None, list(index), type_=_JSONPathType(), unique=True)
            return JSONElement(left, right, operators.json_path_getitem_op, typ)
        right = BindParameter(None, index, type_=JSONIndexType(), unique=True)
        return JSONElement(left, right, operators.json_getitem_op, typ)
    if isinstance(typ, sqltypes.ARRAY):
        if isinstance(index, slice):
            lo = coercions.expect_value(index.start, None, type_=sqltypes.INTEGERTYPE)
            hi = coercions.expect_value(index.stop, None, type_=sqltypes.INTEGERTYPE)
            return BinaryExpression(left, Slice(lo, hi), operators.getitem, type_=typ)
        right = coercions.expect_value(index, None, type_=sqltypes.INTEGERTYPE)
        return BinaryExpression(left, right, operators.getitem, type_=typ.item_type)
    raise exc.ArgumentError(f"Indexing is supported on JSON and ARRAY columns, not {typ!r}")


class JSONIndexType(sqltypes.TypeEngine):
    """The type of the index in ``json_col[index]``: formatted for the dialect's JSON access
    (``$."key"`` / ``$[0]`` JSON paths on SQLite and MySQL; the bare key on PostgreSQL)."""

    __visit_name__ = "json_index"

    def bind_processor(self, dialect: Any) -> Any:
        if getattr(dialect, "json_path_style", "jsonpath") != "jsonpath":
            return None
        return _format_json_path_elem_root

    def literal_processor(self, dialect: Any) -> Any:
        proc = self.bind_processor(dialect)
        render = dialect.literal_renderer.render_value
        return lambda v: render(proc(v) if proc else v)


class _JSONPathType(sqltypes.TypeEngine):
    """The type of a path in ``json_col[("a", 0, "b")]``."""

    __visit_name__ = "json_path"

    def bind_processor(self, dialect: Any) -> Any:
        if getattr(dialect, "json_path_style", "jsonpath") != "jsonpath":
            return lambda path: "{" + ",".join(str(p) for p in path) + "}"
        return lambda path: "$" + "".join(_format_json_path_elem(p) for p in path)

    def literal_processor(self, dialect: Any) -> Any:
        proc = self.bind_processor(dialect)
        render = dialect.literal_renderer.render_string
        return lambda v: render(proc(v))


def _format_json_path_elem(elem: Any) -> str:
    if isinstance(elem, int):
        return f"[{elem}]"
    return '."' + str(elem).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _format_json_path_elem_root(elem: Any) -> str:
    return "$" + _format_json_path_elem(elem)


_OPERATE: dict[Any, Any] = {
    operators.like_op: _like_operate,
    operators.not_like_op: _like_operate,
    operators.ilike_op: _like_operate,
    operators.not_ilike_op: _like_operate,
    operators.in_op: _in_operate,
    operators.not_in_op: _in_operate,
    operators.between_op: _between_operate,
    operators.not_between_op: _between_operate,
    operators.neg: _unary_operate,
    operators.inv: _unary_operate,
    operators.getitem: _getitem_operate,
}


class ScalarSelectMarker:
    """Marker base for scalar subqueries (kept here to avoid an import cycle)."""


# ---------------------------------------------------------------------------------------------
# Leaves: bound parameters, literals, NULL/TRUE/FALSE, text
# ---------------------------------------------------------------------------------------------



class BindParameter(ColumnElement):
    """A value sent separately from the SQL string (a placeholder in the SQL).

    ``unique=True`` (the default for values coming from expressions) gives the parameter a name
    unique within its statement; ``bindparam("name")`` keeps its name so that ``execute()``
    parameters can fill it.
    """

    __visit_name__ = "bindparam"
    callable: Any = None
    expanding = False
    literal_execute = False

    def __init__(
        self,
        key: str | None,
        value: Any = None,
        type_: Any = None,
        unique: bool = False,
        required: Any = None,
        callable_: Any = None,
        expanding: bool = False,
        literal_execute: bool = False,
        _compared_to_type: Any = None,
    ) -> None:
        self.key = key or "param"
        self.value = value
        self.unique = unique or key is None
        self.required = (value is None and callable_ is None) if required is None else required
        # the usual values of these are class attributes (a BindParameter is made per value)
        if callable_ is not None:
            self.callable = callable_
        if expanding:
            self.expanding = expanding
        if literal_execute:
            self.literal_execute = literal_execute
        if type_ is None:
            if expanding and value:
                type_ = sqltypes.type_affinity_of(value[0])
            else:
                type_ = sqltypes.type_affinity_of(value)
        self.type = type_ if isinstance(type_, sqltypes.TypeEngine) else sqltypes.to_instance(type_)

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        binds.append(self)
        return (
            "b",
            None if self.unique else self.key,
            self.type._static_cache_key,
            self.expanding,
            self.literal_execute,
        )

    def effective_value(self) -> Any:
        return self.callable() if self.callable is not None else self.value

    def _with_value(self, value: Any) -> BindParameter:
        new = self._generate()
        new.value = value
        new.required = False
        return new


def bindparam(
    key: str | None,
    value: Any = None,
    type_: Any = None,
    unique: bool = False,
    required: Any = None,
    callable_: Any = None,
    expanding: bool = False,
    literal_execute: bool = False,
) -> BindParameter:
    """A named bound parameter, filled from ``execute()`` parameters or from ``value``."""
    return BindParameter(key, value, type_, unique, required, callable_, expanding, literal_execute)


def literal(value: Any, type_: Any = None, literal_execute: bool = False) -> BindParameter:
    """A value as a SQL expression (sent as a bound parameter)."""
    return BindParameter(None, value, type_=type_, unique=True, literal_execute=literal_execute)


class EmptyIn(ColumnElement):
    """The right side of ``x IN ()`` with an empty list: renders a condition that is never true."""

    __visit_name__ = "empty_in"

    def __init__(self, is_not: bool) -> None:
        self.negated = is_not

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("empty_in", self.negated)


class Null(ColumnElement):
    """SQL ``NULL``."""

    __visit_name__ = "null"

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("null",)


class True_(ColumnElement):
    """SQL ``TRUE`` (``1`` where the backend has no boolean literal)."""

    __visit_name__ = "true"
    type = sqltypes.BOOLEANTYPE

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("true",)

    def _negate(self) -> ColumnElement:
        return False_()


class False_(ColumnElement):
    """SQL ``FALSE`` (``0`` where the backend has no boolean literal)."""

    __visit_name__ = "false"
    type = sqltypes.BOOLEANTYPE

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("false",)

    def _negate(self) -> ColumnElement:
        return True_()


def null() -> Null:
    """SQL ``NULL``."""
    return Null()


def true() -> True_:
    """SQL ``TRUE``."""
    return True_()


def false() -> False_:
    """SQL ``FALSE``."""
    return False_()


_bind_re = re.compile(r"(?<![:\w\x5c]):(\w+)(?!:)", re.UNICODE)


#: right-hand sides that turn ``=``/``!=`` into ``IS``/``IS NOT`` (see _binary_operate)
_NULL_OR_BOOL = frozenset((Null, True_, False_))


class TextClause(ClauseElement):
    """A fragment of literal SQL; ``:name`` marks a bound parameter.

    .. warning:: trusted SQL — do not pass untrusted input. The text is sent as written; only the
       ``:name`` parameters travel separately. Put user values in parameters, never in the text.
    """

    __visit_name__ = "textclause"
    is_executable = True
    _is_text_clause = True
    type = sqltypes.NULLTYPE
    key = None

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise exc.ArgumentError(f"text() takes a str, got {type(text).__name__}")
        self.text = text
        self._bindparams: dict[str, BindParameter] = {}
        for name in _bind_re.findall(text):
            if name not in self._bindparams:
                self._bindparams[name] = BindParameter(name, required=True)
        self._execution_options = {}

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("text", self.text, tuple(b._gen_cache_key(binds) for b in self._bindparams.values()))

    def bindparams(self, *binds: BindParameter, **values: Any) -> TextClause:
        """Give values or types to the ``:name`` parameters of this text."""
        new = self._generate()
        new._bindparams = dict(self._bindparams)
        for b in binds:
            if b.key not in new._bindparams:
                raise exc.ArgumentError(f"This text() construct doesn't define a bound parameter named {b.key!r}")
            new._bindparams[b.key] = b
        for k, v in values.items():
            if k not in new._bindparams:
                raise exc.ArgumentError(f"This text() construct doesn't define a bound parameter named {k!r}")
            new._bindparams[k] = new._bindparams[k]._with_value(v)
        return new

    def columns(self, *cols: Any, **types: Any) -> Any:
        """Declare the columns this text returns, making it a selectable (``TextualSelect``)."""
        from sqlweave.core.sql.selectable import TextualSelect

        columns = []
        for c in cols:
            columns.append(c)
        for name, typ in types.items():
            columns.append(ColumnClause(name, typ))
        return TextualSelect(self, columns)

    def execution_options(self, **kw: Any) -> TextClause:
        new = self._generate()
        new._execution_options = {**self._execution_options, **kw}
        return new

    def self_group(self, against: Any = None) -> ClauseElement:
        if against is operators.in_op:
            return Grouping(self)
        return self

    def self_group_where(self) -> ClauseElement:
        return self

    def label(self, name: str) -> Label:
        return Label(name, self, sqltypes.NULLTYPE)  # type: ignore[arg-type]

    def _negate(self) -> ClauseElement:
        return UnaryExpression(Grouping(self), operator=operators.inv)

    def __and__(self, other: Any) -> Any:
        return and_(self, other)

    def __or__(self, other: Any) -> Any:
        return or_(self, other)

    def __invert__(self) -> Any:
        return self._negate()

    @property
    def _select_iterable(self) -> list[Any]:
        return [self]


def text(text: str) -> TextClause:
    """Literal SQL with ``:name`` bound parameters.

    .. warning:: trusted SQL — do not pass untrusted input. Values go in parameters:
       ``text("SELECT * FROM t WHERE id = :id").bindparams(id=5)`` or ``execute(stmt, {"id": 5})``.
    """
    return TextClause(text)


# ---------------------------------------------------------------------------------------------
# Composites: lists, binary and unary expressions, grouping, labels, casts, CASE
# ---------------------------------------------------------------------------------------------


class ClauseList(ColumnElement):
    """A list of elements joined by an operator (comma by default)."""

    __visit_name__ = "clauselist"

    def __init__(self, *clauses: Any, operator: Any = operators.comma_op, group: bool = True) -> None:
        self.operator = operator
        self.clauses = list(clauses)
        self.group = group

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("cl", self.operator, tuple([c._gen_cache_key(binds) for c in self.clauses]))

    def get_children(self) -> Iterable[ClauseElement]:
        return self.clauses

    def self_group(self, against: Any = None) -> ClauseElement:
        if self.group and operators.is_precedent(self.operator, against):
            return Grouping(self)
        return self

    @property
    def _from_objects(self) -> list[Any]:
        return [f for c in self.clauses for f in c._from_objects]


class BooleanClauseList(ClauseList):
    """``a AND b AND c`` or ``a OR b``."""

    __visit_name__ = "clauselist"
    type = sqltypes.BOOLEANTYPE

    @classmethod
    def _construct(cls, operator: Any, clauses: Sequence[Any]) -> ColumnElement:
        items: list[Any] = []
        for c in clauses:
            if c is None:
                continue
            el = coercions.expect_where(c)
            if isinstance(el, BooleanClauseList) and el.operator is operator:
                items.extend(el.clauses)
            else:
                items.append(el)
        # AND with a literal TRUE, OR with a literal FALSE: drop it; the opposite short-circuits
        neutral, absorbing = (True_, False_) if operator is operators.and_ else (False_, True_)
        if any(isinstance(i, absorbing) for i in items):
            return absorbing()
        items = [i for i in items if not isinstance(i, neutral)]
        if not items:
            return neutral() if clauses else cls(operator=operator)
        if len(items) == 1:
            return items[0]
        return cls(*[i.self_group(against=operator) for i in items], operator=operator)

    def _negate(self) -> ColumnElement:
        return UnaryExpression(self.self_group(against=operators.inv), operator=operators.inv,
                               type_=sqltypes.BOOLEANTYPE)

    def self_group(self, against: Any = None) -> ClauseElement:
        if not self.clauses:
            return self
        return super().self_group(against)


def and_(*clauses: Any) -> Any:
    """Join criteria with AND."""
    return BooleanClauseList._construct(operators.and_, clauses)


def or_(*clauses: Any) -> Any:
    """Join criteria with OR."""
    return BooleanClauseList._construct(operators.or_, clauses)


def not_(clause: Any) -> Any:
    """Negate a criterion (``a = b`` becomes ``a != b``; others get ``NOT``)."""
    return coercions.expect_where(clause)._negate()


class BinaryExpression(ColumnElement):
    """``left <operator> right``."""

    __visit_name__ = "binary"

    def __init__(
        self,
        left: Any,
        right: Any,
        operator: Any,
        type_: Any = None,
        negate: Any = None,
        modifiers: dict[str, Any] | None = None,
    ) -> None:
        self.left = left if getattr(left, "_self_group_noop", False) else left.self_group(operator)
        self.right = right if getattr(right, "_self_group_noop", False) else right.self_group(operator)
        self.operator = operator
        self.type = type_ if isinstance(type_, sqltypes.TypeEngine) else sqltypes.to_instance(type_)
        self.negate = negate
        self.modifiers = modifiers

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return (
            "bin",
            self.operator,
            self.left._gen_cache_key(binds),
            self.right._gen_cache_key(binds),
            tuple(sorted(self.modifiers.items())) if self.modifiers else None,
        )

    def __bool__(self) -> bool:
        # ``col1 == col2`` in a dict lookup or ``in`` test compares identity, as Python expects
        if self.operator is operators.eq:
            return self.left is self.right
        if self.operator is operators.ne:
            return self.left is not self.right
        raise TypeError("Boolean value of this clause is not defined")

    def get_children(self) -> Iterable[ClauseElement]:
        return (self.left, self.right)

    @property
    def _from_objects(self) -> list[Any]:
        return self.left._from_objects + self.right._from_objects

    def self_group(self, against: Any = None) -> ClauseElement:
        if operators.is_precedent(self.operator, against):
            return Grouping(self)
        return self

    def _negate(self) -> ColumnElement:
        if self.negate is not None:
            return BinaryExpression(
                self.left, self.right, self.negate, type_=self.type, negate=self.operator,
                modifiers=self.modifiers,
            )
        return UnaryExpression(self.self_group(against=operators.inv), operator=operators.inv,
                               type_=sqltypes.BOOLEANTYPE)


class JSONElement(BinaryExpression):
    """``json_col[key]``: an element of a JSON document, convertible with ``as_*()``."""

    def __init__(self, left: Any, right: Any, operator: Any, type_: Any, cast_as: str | None = None) -> None:
        super().__init__(left, right, operator, type_=type_)
        self.cast_as = cast_as

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return (super()._gen_cache_key(binds), self.cast_as)

    def _as(self, kind: str, typ: Any) -> JSONElement:
        el = JSONElement(self.left, self.right, self.operator, typ, cast_as=kind)
        return el

    def as_string(self) -> JSONElement:
        """The element as a SQL string (``->>`` on PostgreSQL, ``JSON_EXTRACT``/``JSON_UNQUOTE`` elsewhere)."""
        return self._as("string", sqltypes.String())

    def as_integer(self) -> JSONElement:
        return self._as("integer", sqltypes.Integer())

    def as_float(self) -> JSONElement:
        return self._as("float", sqltypes.Float())

    def as_numeric(self, precision: int, scale: int) -> JSONElement:
        return self._as("numeric", sqltypes.Numeric(precision, scale))

    def as_boolean(self) -> JSONElement:
        return self._as("boolean", sqltypes.Boolean())

    def as_json(self) -> JSONElement:
        return self._as("json", sqltypes.JSON())

    def __getitem__(self, index: Any) -> Any:
        path = [self.right.value] if self.operator is operators.json_getitem_op else list(self.right.value)
        path.extend(index if isinstance(index, tuple) else (index,))
        right = BindParameter(None, path, type_=_JSONPathType(), unique=True)
        return JSONElement(self.left, right, operators.json_path_getitem_op, self.left.type)


class Slice(ColumnElement):
    """``lo:hi`` inside an ARRAY index."""

    __visit_name__ = "slice"

    def __init__(self, start: Any, stop: Any) -> None:
        self.start = start
        self.stop = stop

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("slice", self.start._gen_cache_key(binds), self.stop._gen_cache_key(binds))


class UnaryExpression(ColumnElement):
    """A prefix operator (``NOT x``, ``-x``, ``DISTINCT x``) or suffix modifier (``x DESC``)."""

    __visit_name__ = "unary"

    def __init__(self, element: Any, operator: Any = None, modifier: Any = None, type_: Any = None) -> None:
        self.operator = operator
        self.modifier = modifier
        against = operator or modifier
        self.element = element.self_group(against=against)
        self.type = sqltypes.to_instance(type_) if type_ is not None else getattr(element, "type", sqltypes.NULLTYPE)

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("un", self.operator, self.modifier, self.element._gen_cache_key(binds))

    def get_children(self) -> Iterable[ClauseElement]:
        return (self.element,)

    @property
    def _from_objects(self) -> list[Any]:
        return self.element._from_objects

    def self_group(self, against: Any = None) -> ClauseElement:
        if self.operator is not None and operators.is_precedent(self.operator, against):
            return Grouping(self)
        return self

    def _negate(self) -> ColumnElement:
        if self.operator is operators.inv:
            el = self.element
            return el.element if isinstance(el, Grouping) else el
        return UnaryExpression(self.self_group(against=operators.inv), operator=operators.inv,
                               type_=sqltypes.BOOLEANTYPE)

    @property
    def name(self) -> str | None:
        return getattr(self.element, "name", None) if self.operator is None else None


def desc(column: Any) -> UnaryExpression:
    """``column DESC``."""
    return UnaryExpression(coercions.expect_order_by(column), modifier=operators.desc_op)


def asc(column: Any) -> UnaryExpression:
    """``column ASC``."""
    return UnaryExpression(coercions.expect_order_by(column), modifier=operators.asc_op)


def nulls_first(column: Any) -> UnaryExpression:
    return UnaryExpression(coercions.expect_order_by(column), modifier=operators.nulls_first_op)


def nulls_last(column: Any) -> UnaryExpression:
    return UnaryExpression(coercions.expect_order_by(column), modifier=operators.nulls_last_op)


def distinct(expr: Any) -> UnaryExpression:
    """``DISTINCT expr`` (inside an aggregate: ``func.count(distinct(col))``)."""
    col = coercions.expect_column_expression(expr)
    return UnaryExpression(col, operator=operators.distinct_op, type_=col.type)


def between(expr: Any, lower: Any, upper: Any) -> Any:
    return coercions.expect_column_expression(expr).between(lower, upper)


def any_(expr: Any) -> UnaryExpression:
    return UnaryExpression(coercions.expect_column_expression(expr), operator=operators.any_op)


def all_(expr: Any) -> UnaryExpression:
    return UnaryExpression(coercions.expect_column_expression(expr), operator=operators.all_op)


class LabelReference(ColumnElement):
    """``order_by("name")``: a name resolved at compile time against the labels and columns of the
    enclosing SELECT. It is an identifier lookup, never SQL: an unknown name is a CompileError."""

    __visit_name__ = "label_reference"

    def __init__(self, name: str, clause: str = "ORDER BY") -> None:
        self._name = name
        self.clause = clause

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("labelref", self._name)

    def desc(self) -> Any:
        return UnaryExpression(self, modifier=operators.desc_op)

    def asc(self) -> Any:
        return UnaryExpression(self, modifier=operators.asc_op)


class CollationClause(ColumnElement):
    """The collation name after ``COLLATE`` (quoted as an identifier)."""

    __visit_name__ = "collation"

    def __init__(self, collation: str) -> None:
        self.collation = collation

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("collation", self.collation)

    @classmethod
    def _apply(cls, expr: Any, collation: str) -> BinaryExpression:
        expr = coercions.expect_column_expression(expr)
        return BinaryExpression(expr, cls(collation), operators.collate, type_=expr.type)


def collate(expression: Any, collation: str) -> BinaryExpression:
    """``expression COLLATE collation``."""
    return CollationClause._apply(expression, collation)


class Grouping(ColumnElement):
    """``(element)``."""

    __visit_name__ = "grouping"

    def __init__(self, element: Any) -> None:
        self.element = element
        self.type = getattr(element, "type", sqltypes.NULLTYPE)

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("grp", self.element._gen_cache_key(binds))

    def get_children(self) -> Iterable[ClauseElement]:
        return (self.element,)

    @property
    def _from_objects(self) -> list[Any]:
        return self.element._from_objects

    def self_group(self, against: Any = None) -> ClauseElement:
        return self

    def _negate(self) -> ColumnElement:
        inner = self.element
        if hasattr(inner, "_negate"):
            neg = inner._negate()
            return neg.self_group(against=operators.inv)
        return UnaryExpression(self, operator=operators.inv, type_=sqltypes.BOOLEANTYPE)

    def __bool__(self) -> bool:
        return bool(self.element)

    @property
    def name(self) -> str | None:
        return getattr(self.element, "name", None)

    @property
    def _select_iterable(self) -> list[Any]:
        return [self]


class Label(ColumnElement):
    """``element AS name``; the name keys the column in result rows."""

    __visit_name__ = "label"

    element: Any

    def __init__(self, name: str | None, element: Any, type_: Any = None) -> None:
        while isinstance(element, Label):
            element = element.element
        self._anonymous = name is None
        # an anonymous label is named by the SELECT that lists it ("anon", "anon_1", ...)
        self._name = name if name is not None else "anon"
        self.key = self._name
        self.element = element.self_group(against=operators.comma_op)
        self.type = sqltypes.to_instance(type_) if type_ is not None else getattr(element, "type", sqltypes.NULLTYPE)

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("label", None if self._anonymous else self._name, self.element._gen_cache_key(binds))

    @property
    def name(self) -> str:
        return self._name

    def get_children(self) -> Iterable[ClauseElement]:
        return (self.element,)

    @property
    def _from_objects(self) -> list[Any]:
        return self.element._from_objects

    def self_group(self, against: Any = None) -> ClauseElement:
        return self

    @property
    def _proxies(self) -> list[Any]:
        return [self.element]

    def _negate(self) -> ColumnElement:
        return self.element._negate()


class _TypedWrapper(ColumnElement):
    """An expression given another type: ``clause`` plus ``type`` (CAST, type_coerce)."""

    _key_tag = ""

    def __init__(self, expression: Any, type_: Any) -> None:
        self.type = sqltypes.to_instance(type_)
        self.clause = coercions.expect_value(expression, type_=self.type)

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return (self._key_tag, self.type._static_cache_key, self.clause._gen_cache_key(binds))

    @property
    def _from_objects(self) -> list[Any]:
        return self.clause._from_objects

    @property
    def name(self) -> str | None:
        return getattr(self.clause, "name", None)


class Cast(_TypedWrapper):
    """``CAST(expression AS type)``."""

    __visit_name__ = "cast"
    _key_tag = "cast"


def cast(expression: Any, type_: Any) -> Cast:
    """``CAST(expression AS type)``; the result is processed as ``type_``."""
    return Cast(expression, type_)


class TypeCoerce(_TypedWrapper):
    """Treat an expression as another type in Python only (no CAST in the SQL)."""

    __visit_name__ = "type_coerce"
    _key_tag = "tc"

    def self_group(self, against: Any = None) -> ClauseElement:
        grouped = self.clause.self_group(against=against)
        if grouped is not self.clause:
            return TypeCoerce(grouped, self.type)
        return self


def type_coerce(expression: Any, type_: Any) -> TypeCoerce:
    """Give ``expression`` the Python-side behaviour of ``type_`` without a SQL CAST."""
    return TypeCoerce(expression, type_)


class Case(ColumnElement):
    """``CASE WHEN ... THEN ... ELSE ... END``."""

    __visit_name__ = "case"

    def __init__(self, *whens: Any, value: Any = None, else_: Any = None) -> None:
        if len(whens) == 1 and isinstance(whens[0], dict):
            pairs = list(whens[0].items())
        else:
            pairs = [tuple(w) for w in whens]
        if value is not None:
            self.value: Any = coercions.expect_column_expression(value)
            self.whens = [
                (coercions.expect_value(c, self.value), coercions.expect_value(r)) for c, r in pairs
            ]
        else:
            self.value = None
            self.whens = [(coercions.expect_where(c), coercions.expect_value(r)) for c, r in pairs]
        self.else_ = coercions.expect_value(else_) if else_ is not None else None
        types = [r.type for _, r in self.whens if not r.type._is_null_type]
        self.type = types[0] if types else (self.else_.type if self.else_ is not None else sqltypes.NULLTYPE)

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return (
            "case",
            self.value._gen_cache_key(binds) if self.value is not None else None,
            tuple((c._gen_cache_key(binds), r._gen_cache_key(binds)) for c, r in self.whens),
            self.else_._gen_cache_key(binds) if self.else_ is not None else None,
        )

    @property
    def _from_objects(self) -> list[Any]:
        out: list[Any] = []
        for c, r in self.whens:
            out += c._from_objects + r._from_objects
        return out


def case(*whens: Any, value: Any = None, else_: Any = None) -> Case:
    """``case((cond, result), ..., else_=x)`` or ``case({"a": 1}, value=col)``."""
    return Case(*whens, value=value, else_=else_)


class Tuple(ClauseList):
    """``(a, b, c)`` as a value, for ``tuple_(a, b).in_([(1, 2), (3, 4)])``."""

    __visit_name__ = "tuple"

    def __init__(self, *clauses: Any, types: Any = None) -> None:
        super().__init__(*[coercions.expect_value(c) for c in clauses], operator=operators.comma_op)
        self.type = sqltypes.NULLTYPE

    def operate(self, op: Any, *other: Any, **kw: Any) -> Any:
        if op in (operators.in_op, operators.not_in_op):
            values = list(other[0])
            if isinstance(other[0], ClauseElement):
                right: Any = other[0] if isinstance(other[0], BindParameter) else other[0].self_group(against=op)
                if not isinstance(right, BindParameter) and hasattr(other[0], "scalar_subquery"):
                    right = other[0].scalar_subquery()
            else:
                right = BindParameter("param", [tuple(v) for v in values], unique=True, expanding=True,
                                      type_=sqltypes.NULLTYPE)
                right._tuple_types = [c.type for c in self.clauses]
            return BinaryExpression(self, right, op, type_=sqltypes.BOOLEANTYPE)
        if op in (operators.eq, operators.ne):
            row = other[0]
            right = Tuple(*[coercions.expect_value(v, c, op) for v, c in zip(row, self.clauses)])
            return BinaryExpression(self, right, op, type_=sqltypes.BOOLEANTYPE)
        return super().operate(op, *other, **kw)

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("tuple", tuple([c._gen_cache_key(binds) for c in self.clauses]))

    def self_group(self, against: Any = None) -> ClauseElement:
        return self


def tuple_(*clauses: Any) -> Tuple:
    """A SQL tuple ``(a, b)``."""
    return Tuple(*clauses)


class Extract(ColumnElement):
    """``EXTRACT(field FROM expr)``."""

    __visit_name__ = "extract"
    type = sqltypes.INTEGERTYPE

    _FIELDS = frozenset(
        "year month day hour minute second microsecond dow doy week quarter epoch millisecond "
        "isodow isoyear timezone_hour timezone_minute".split()
    )

    def __init__(self, field: str, expr: Any) -> None:
        if field.lower() not in self._FIELDS:
            raise exc.ArgumentError(f"extract() field {field!r} is not one of {sorted(self._FIELDS)}")
        self.field = field.lower()
        self.expr = coercions.expect_column_expression(expr)

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("extract", self.field, self.expr._gen_cache_key(binds))

    @property
    def _from_objects(self) -> list[Any]:
        return self.expr._from_objects


def extract(field: str, expr: Any) -> Extract:
    """``EXTRACT(field FROM expr)``: year, month, day, hour, minute, second, dow, doy, epoch ..."""
    return Extract(field, expr)


class Over(ColumnElement):
    """A window function call: ``func() OVER (PARTITION BY ... ORDER BY ... ROWS ...)``."""

    __visit_name__ = "over"

    def __init__(
        self,
        element: Any,
        partition_by: Any = None,
        order_by: Any = None,
        rows: tuple[Any, Any] | None = None,
        range_: tuple[Any, Any] | None = None,
    ) -> None:
        self.element = element
        self.type = element.type
        self.partition_by = _as_list(partition_by, coercions.expect_group_by)
        self.order_by = _as_list(order_by, coercions.expect_order_by)
        if rows is not None and range_ is not None:
            raise exc.ArgumentError("over() takes rows or range_, not both")
        self.rows = rows
        self.range_ = range_
        for frame in (rows, range_):
            if frame is not None:
                for bound in frame:
                    if bound is not None and not isinstance(bound, int):
                        raise exc.ArgumentError(f"window frame bounds must be int or None, got {bound!r}")

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return (
            "over",
            self.element._gen_cache_key(binds),
            tuple(c._gen_cache_key(binds) for c in self.partition_by),
            tuple(c._gen_cache_key(binds) for c in self.order_by),
            self.rows,
            self.range_,
        )

    @property
    def _from_objects(self) -> list[Any]:
        out = list(self.element._from_objects)
        for c in self.partition_by + self.order_by:
            out += c._from_objects
        return out

    @property
    def name(self) -> str | None:
        return getattr(self.element, "name", None)


def over(element: Any, partition_by: Any = None, order_by: Any = None,
         rows: Any = None, range_: Any = None) -> Over:
    """``element OVER (...)``."""
    return Over(element, partition_by, order_by, rows, range_)


class WithinGroup(ColumnElement):
    """``func(...) WITHIN GROUP (ORDER BY ...)`` for ordered-set aggregates."""

    __visit_name__ = "within_group"

    def __init__(self, element: Any, *order_by: Any) -> None:
        self.element = element
        self.order_by = [coercions.expect_order_by(o) for o in order_by]
        self.type = element.type

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("wg", self.element._gen_cache_key(binds), tuple(o._gen_cache_key(binds) for o in self.order_by))

    @property
    def _from_objects(self) -> list[Any]:
        out = list(self.element._from_objects)
        for o in self.order_by:
            out += o._from_objects
        return out

    @property
    def name(self) -> str | None:
        return getattr(self.element, "name", None)

    def over(self, **kw: Any) -> Over:
        return Over(self, **kw)


class FunctionFilter(ColumnElement):
    """``func(...) FILTER (WHERE ...)``."""

    __visit_name__ = "funcfilter"

    def __init__(self, func: Any, *criterion: Any) -> None:
        self.func = func
        self.criterion = and_(*criterion)
        self.type = func.type

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        return ("ff", self.func._gen_cache_key(binds), self.criterion._gen_cache_key(binds))

    @property
    def _from_objects(self) -> list[Any]:
        return self.func._from_objects + self.criterion._from_objects

    @property
    def name(self) -> str | None:
        return getattr(self.func, "name", None)

    def over(self, **kw: Any) -> Over:
        return Over(self, **kw)


def _as_list(value: Any, coerce: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [coerce(v) for v in value]
    return [coerce(value)]


# ---------------------------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------------------------


class ColumnClause(ColumnElement):
    """A named column, optionally of a table; the base of :class:`~sqlweave.core.Column`.

    ``column("name")`` makes one without a table (lightweight SQL); ``literal_column("x + 1")``
    makes one whose text is rendered as written (trusted SQL).
    """

    __visit_name__ = "column"
    _is_column_clause = True
    is_literal = False
    table: Any = None

    def __init__(
        self,
        text: str,
        type_: Any = None,
        is_literal: bool = False,
        _selectable: Any = None,
    ) -> None:
        if not isinstance(text, str):
            raise exc.ArgumentError(f"a column name must be a str, got {text!r}")
        self._name = text
        self.key = text
        self.type = sqltypes.to_instance(type_)
        self.is_literal = is_literal
        self.table = _selectable

    @property
    def name(self) -> str:
        return self._name

    def _gen_cache_key(self, binds: list[Any]) -> Any:
        table = self.table
        if self.is_literal or table is None:
            return ("col", self._name, self.is_literal, self.type._static_cache_key)
        if getattr(table, "_keyed_by_position", False):
            # a column of an alias/subquery/CTE/VALUES: by name and the position of its FROM
            # element in the statement (whose binds are collected at its first appearance; it
            # may be the only reference to the subquery)
            return ("acol", self._name, self.key, table._gen_cache_key(binds))
        if getattr(table, "element", None) is not None:
            return (self, table._gen_cache_key(binds))
        return self

    @property
    def _from_objects(self) -> list[Any]:
        return [self.table] if self.table is not None else []

    def __repr__(self) -> str:
        if self.table is not None and getattr(self.table, "name", None):
            return f"<{type(self).__name__} {self.table.name}.{self._name}>"
        return f"<{type(self).__name__} {self._name}>"


def column(text: str, type_: Any = None, is_literal: bool = False, _selectable: Any = None) -> ColumnClause:
    """A lightweight column (no MetaData) named ``text``."""
    return ColumnClause(text, type_, is_literal, _selectable)


def literal_column(text: str, type_: Any = None) -> ColumnClause:
    """A column expression rendered exactly as ``text``.

    .. warning:: trusted SQL — do not pass untrusted input; the text is not quoted or escaped.
    """
    return ColumnClause(text, type_, is_literal=True)


__all__ = [
    "BinaryExpression", "BindParameter", "BooleanClauseList", "Case", "Cast", "ClauseElement",
    "ClauseList", "ColumnClause", "ColumnElement", "Extract", "False_", "Grouping", "Label",
    "Null", "Over", "TextClause", "True_", "Tuple", "TypeCoerce", "UnaryExpression",
    "all_", "and_", "any_", "asc", "between", "bindparam", "case", "cast", "collate", "column",
    "desc", "distinct", "extract", "false", "literal", "literal_column", "not_", "null",
    "nulls_first", "nulls_last", "or_", "over", "text", "true", "tuple_", "type_coerce",
]
