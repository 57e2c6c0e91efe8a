"""``DefaultDialect`` (capability flags and DBAPI plumbing every dialect inherits) and the
per-execution ``DefaultExecutionContext``.

Capability flags are plain class attributes; a dialect overrides the ones that differ, and the
test suite skips by capability, never by database name. The documented list lives in
:mod:`sqlweave.core.engine.interfaces`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlweave.core import exc
from sqlweave.core import types as sqltypes
from sqlweave.core.event.base import dispatcher
from sqlweave.core.events import DialectEvents
from sqlweave.core.sql.compiler import SQLCompiler, StrSQLCompiler
from sqlweave.core.sql.compiler.ddl import DDLCompiler
from sqlweave.core.sql.compiler.literals import LiteralRenderer
from sqlweave.core.sql.compiler.quoting import IdentifierPreparer
from sqlweave.core.sql.compiler.types import GenericTypeCompiler
from sqlweave.core.sql.elements import ColumnClause, Label

ISOLATION_LEVELS = ("READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE", "AUTOCOMMIT")


class DefaultDialect:
    """The base dialect: generic SQL, DBAPI calls, and the default capability flags."""

    dispatch = dispatcher(DialectEvents)
    execution_ctx_cls: type[DefaultExecutionContext]

    name = "default"
    driver = "unknown"
    paramstyle = "named"
    default_paramstyle = "named"

    statement_compiler: type[SQLCompiler] = SQLCompiler
    ddl_compiler: type[DDLCompiler] = DDLCompiler
    type_compiler: type[GenericTypeCompiler] = GenericTypeCompiler
    preparer: type[IdentifierPreparer] = IdentifierPreparer
    literal_renderer_cls: type[LiteralRenderer] = LiteralRenderer
    colspecs: dict[type, type] = {}

    # -- capabilities (see engine/interfaces.py for what each means) --------------------------
    supports_native_boolean = False
    supports_native_decimal = True
    supports_native_uuid = False
    supports_native_enum = False
    supports_native_interval = False
    supports_sequences = False
    supports_identity_columns = False
    insert_returning = False
    update_returning = False
    supports_fetch_with_ties = False  # FETCH FIRST n ROWS WITH TIES
    supports_fetch_percent = False  # FETCH FIRST n PERCENT ROWS
    delete_returning = False
    implicit_pk_returning = False
    insert_executemany_returning = False
    supports_multivalues_insert = True
    supports_empty_in_subquery = True
    supports_savepoints = True
    supports_alter = True
    supports_comments = False
    inline_comments = False
    supports_default_values = True
    supports_default_keyword = True
    supports_statement_cache = True
    requires_from_for_select = False
    cte_recursive_keyword = True
    supports_parenthesized_compound = True
    supports_aggregate_filter = False
    supports_foreign_keys_inline = True
    supports_deferrable = False
    supports_server_side_cursors = False
    #: a streamed (unbuffered) result occupies the DBAPI connection until it is read to the end
    #: (MySQL's protocol); the Connection then buffers its remaining rows before sending anything else
    server_side_cursor_blocks_connection = False
    supports_for_update = True
    supports_regexp = False
    supports_distinct_on = False
    supports_ilike = False
    supports_schemas = True
    supports_json = True
    supports_arrays = False
    supports_window_functions = True
    supports_full_outer_join = True
    bind_casts = False
    driver_deserializes_json = False
    float_needs_coercion = False
    supports_sane_rowcount = True
    supports_sane_multi_rowcount = True
    max_identifier_length = 63
    identifier_length_in_bytes = False
    default_isolation_level: str | None = None
    _ignore_unknown_insert_keys = True
    is_async = False
    supports_unicode_binds = True
    #: CREATE INDEX on expressions (functional indexes)
    supports_expression_indexes = True
    @property
    def insert_executemany_returning_sort_by_parameter_order(self) -> bool:
        """executemany INSERT ... RETURNING can hand rows back in parameter order (the engine's
        insertmanyvalues batches sort them; see Connection._run_insertmanyvalues)."""
        return bool(self.insert_executemany_returning)

    #: rows per multi-row VALUES batch for executemany INSERT ... RETURNING
    insertmanyvalues_page_size = 1000
    #: bound parameters per statement the database accepts (batches are cut to stay below it)
    insertmanyvalues_max_parameters = 32000

    server_version_info: tuple[int, ...] | None = None
    _json_serializer: Callable[[Any], str] | None = None
    _json_deserializer: Callable[[str], Any] | None = None

    def __init__(
        self,
        isolation_level: str | None = None,
        paramstyle: str | None = None,
        json_serializer: Any = None,
        json_deserializer: Any = None,
        dbapi: Any = None,
        **kw: Any,
    ) -> None:
        if kw:
            raise exc.ArgumentError(
                f"Unknown arguments for the {self.name} dialect: {', '.join(sorted(kw))}"
            )
        if paramstyle is not None:
            self.paramstyle = paramstyle
        self.positional = self.paramstyle in ("qmark", "format", "numeric")
        self.identifier_preparer = self.preparer(self)
        self.type_compiler_instance = self.type_compiler(self)
        self.literal_renderer = self.literal_renderer_cls(self)
        self.isolation_level = isolation_level
        if isolation_level is not None:
            self._check_isolation_level(isolation_level)
        if json_serializer is not None:
            self._json_serializer = json_serializer
        if json_deserializer is not None:
            self._json_deserializer = json_deserializer
        self._dbapi = dbapi
        self._initialized = False

    # -- DBAPI ------------------------------------------------------------------------------------

    @classmethod
    def import_dbapi(cls) -> Any:
        """Import and return the DBAPI module (done at engine creation, not at plugin load)."""
        raise exc.InvalidRequestError(f"The {cls.name} dialect has no DBAPI driver")

    @property
    def loaded_dbapi(self) -> Any:
        if self._dbapi is None:
            self._dbapi = self.import_dbapi()
        return self._dbapi

    @property
    def dbapi(self) -> Any:
        return self.loaded_dbapi

    def create_connect_args(self, url: Any) -> tuple[list[Any], dict[str, Any]]:
        """Turn a URL into ``(args, kwargs)`` for the DBAPI ``connect()``."""
        opts = url.translate_connect_args()
        opts.update(url.query)
        return [], opts

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        return self.loaded_dbapi.connect(*cargs, **cparams)

    def get_pool_class(self, url: Any) -> type:
        """The pool class this dialect uses by default for ``url``."""
        from sqlweave.core.pool import QueuePool

        return QueuePool

    def on_connect(self) -> Callable[[Any], None] | None:
        """A function run on every new DBAPI connection (session setup), or None."""
        return None

    def initialize(self, connection: Any) -> None:
        """Run once, on the first connection: read the server version, set version features."""
        self.server_version_info = self._get_server_version_info(connection)
        try:
            self.default_isolation_level = self.get_default_isolation_level(connection.connection.dbapi_connection)
        except Exception:  # not every backend reports it; the default stays None
            self.default_isolation_level = None
        self._initialized = True

    def _get_server_version_info(self, connection: Any) -> tuple[int, ...] | None:
        return None

    # -- transactions -----------------------------------------------------------------------------

    def do_begin(self, dbapi_connection: Any) -> None:
        """Start a transaction (DBAPI connections begin implicitly, so nothing by default)."""

    def do_commit(self, dbapi_connection: Any) -> None:
        dbapi_connection.commit()

    def do_rollback(self, dbapi_connection: Any) -> None:
        dbapi_connection.rollback()

    def do_close(self, dbapi_connection: Any) -> None:
        dbapi_connection.close()

    def do_ping(self, dbapi_connection: Any) -> bool:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
            cursor.fetchall()
        finally:
            cursor.close()
        return True

    def do_savepoint(self, connection: Any, name: str) -> None:
        connection._exec_savepoint_sql(f"SAVEPOINT {self.identifier_preparer.format_savepoint(name)}")

    def do_rollback_to_savepoint(self, connection: Any, name: str) -> None:
        connection._exec_savepoint_sql(f"ROLLBACK TO SAVEPOINT {self.identifier_preparer.format_savepoint(name)}")

    def do_release_savepoint(self, connection: Any, name: str) -> None:
        connection._exec_savepoint_sql(f"RELEASE SAVEPOINT {self.identifier_preparer.format_savepoint(name)}")

    # -- execution --------------------------------------------------------------------------------

    def do_execute(self, cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        cursor.execute(statement, parameters)

    def do_execute_no_params(self, cursor: Any, statement: str, context: Any = None) -> None:
        cursor.execute(statement)

    def do_executemany(self, cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        cursor.executemany(statement, parameters)

    # -- errors -----------------------------------------------------------------------------------

    def is_disconnect(self, e: BaseException, connection: Any, cursor: Any) -> bool:
        """True when ``e`` means the connection is gone (the pool then discards it)."""
        return False

    def classify_error(self, orig: BaseException) -> type[exc.DBAPIError] | None:
        """Refine a driver error into DeadlockError / SerializationError / QueryCanceledError."""
        return None

    # -- isolation --------------------------------------------------------------------------------

    def _check_isolation_level(self, level: str) -> None:
        valid = self.get_isolation_level_values()
        if level not in valid:
            raise exc.ArgumentError(
                f"Invalid value {level!r} for isolation_level. Valid isolation levels for the "
                f"{self.name} dialect are {', '.join(valid)}"
            )

    def get_isolation_level_values(self) -> tuple[str, ...]:
        return ISOLATION_LEVELS

    def get_isolation_level(self, dbapi_connection: Any) -> str:
        raise exc.InvalidRequestError(f"The {self.name} dialect can't report the isolation level")

    def get_default_isolation_level(self, dbapi_connection: Any) -> str:
        return self.get_isolation_level(dbapi_connection)

    def set_isolation_level(self, dbapi_connection: Any, level: str) -> None:
        raise exc.InvalidRequestError(f"The {self.name} dialect can't set the isolation level")

    def reset_isolation_level(self, dbapi_connection: Any) -> None:
        if self.default_isolation_level is not None:
            self.set_isolation_level(dbapi_connection, self.default_isolation_level)

    # -- schema queries (dialects implement; reflection builds on these) --------------------------

    def has_table(self, connection: Any, table_name: str, schema: str | None = None) -> bool:
        raise exc.InvalidRequestError(f"The {self.name} dialect does not implement has_table")

    def has_sequence(self, connection: Any, sequence_name: str, schema: str | None = None) -> bool:
        return False

    def has_index(self, connection: Any, table_name: str, index_name: str, schema: str | None = None) -> bool:
        from sqlweave.core.reflection import inspect_connection

        return any(ix["name"] == index_name for ix in inspect_connection(connection).get_indexes(table_name, schema))

    def before_create_tables(self, connection: Any, tables: list[Any], checkfirst: bool) -> None:
        """Hook for types created with their tables (PostgreSQL ENUMs)."""

    def after_drop_tables(self, connection: Any, tables: list[Any], checkfirst: bool) -> None:
        """Hook for types dropped with their tables."""

    def type_descriptor(self, typeobj: Any) -> Any:
        return sqltypes.to_instance(typeobj).dialect_impl(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}+{self.driver}>"


class StrCompileDialect(DefaultDialect):
    """The dialect ``str(statement)`` uses: renders any construct generically, readable params."""

    name = "default"
    statement_compiler = StrSQLCompiler
    paramstyle = "named"
    supports_native_boolean = True
    insert_returning = update_returning = delete_returning = True
    supports_fetch_with_ties = supports_fetch_percent = True
    supports_sequences = True
    supports_identity_columns = True
    supports_aggregate_filter = True


#: a statement that returns rows, judged from its text: how a ``text()`` statement (whose columns
#: the compiler does not know) qualifies for a server-side cursor under ``stream_results``
SELECT_LIKE = re.compile(r"^\s*(\(\s*)*(SELECT|WITH|VALUES|TABLE)\b", re.I)


_new_object = object.__new__


class DefaultExecutionContext:
    """The state of one execution: cursor, parameters, defaults, primary keys, rowcount."""

    isinsert = isupdate = isdelete = isddl = False
    executemany = False
    compiled: Any = None
    _pk_rows: list[Any] | None = None
    _pk_pending = False
    _pk_returned: Any = None
    returned_defaults: Any = None
    lastrowid: Any = None
    _rowcount: int | None = None
    _is_server_side = False
    statement: str
    parameters: Any
    #: parameters by name (computed on demand on the fast path)
    _compiled_parameters: list[dict[str, Any]] | None = None
    _params_list: list[dict[str, Any]] | None = None
    #: the parameters were given as DBAPI tuples (Connection._execute_compiled_rows)
    _row_params = False
    _extracted: list[Any]
    current_parameters: Any = None
    #: whether this class has an ``__init__`` of its own, which ``for_compiled`` then calls
    #: (it stores the four attributes itself otherwise, one Python call less per statement)
    _own_init = False

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls._own_init = cls.__init__ is not DefaultExecutionContext.__init__

    def __init__(self, dialect: Any, connection: Any, dbapi_connection: Any, execution_options: dict[str, Any]) -> None:
        self.dialect = dialect
        self.root_connection = connection
        self._dbapi_connection = dbapi_connection
        self.execution_options = execution_options
        self.cursor: Any = None

    @classmethod
    def for_compiled(cls, dialect: Any, connection: Any, dbapi_connection: Any, execution_options: dict[str, Any],
                     compiled: Any, params_list: list[Any], extracted: list[Any],
                     rows: bool = False) -> DefaultExecutionContext:
        # __init__ inlined (this runs for every statement) unless a subclass has its own; the
        # statement kind flags come from one tuple the compiled form prepared. Every attribute
        # the execution reads is stored on the instance (never through ``self.__dict__``, and
        # not left to a class default): CPython 3.11 specializes reads of an object's own
        # inline attributes only, so each of the others would take the generic lookup
        if not cls._own_init:
            self = _new_object(cls)
            self.dialect = dialect
            self.root_connection = connection
            self._dbapi_connection = dbapi_connection
            self.execution_options = execution_options
            self.cursor = None
        else:
            self = cls(dialect, connection, dbapi_connection, execution_options)
        (self.compiled, self.isinsert, self.isupdate, self.isdelete, isddl,
         self.statement) = compiled._ctx_attrs or compiled._make_ctx_attrs()
        self.isddl = isddl
        self.executemany = len(params_list) > 1
        if isddl:
            self.parameters = None
            return self
        self._extracted = extracted
        if rows:  # params_list holds DBAPI tuples already, in compiled._fast_many_keys order
            self.parameters = params_list
            self._row_params = True
            return self
        if params_list:
            getter = compiled._fast_many_getter
            if getter is not None:
                try:
                    self.parameters = list(map(getter, params_list))
                except (KeyError, TypeError):
                    pass  # a missing key: the general path below raises the proper error
                else:
                    self._params_list = params_list
                    return self
        else:
            fast = compiled._fast_positions
            if fast is not None:
                values = []
                for pos in fast:
                    b = extracted[pos]
                    values.append(b.value if b.callable is None else b.callable())
                self.parameters = [tuple(values)]
                return self
        construct = compiled.construct_params
        params = [construct(extracted, p) for p in params_list] if params_list else [construct(extracted, None)]
        if compiled.insert_prefetch or compiled.update_prefetch:
            self._process_defaults(params)
        order = compiled.positiontup
        if compiled._expanding:
            # IN lists: one placeholder per element, rendered for this execution's list lengths
            self.statement, params, order = compiled._expand_parameters(params)
        procs = compiled.bind_processors
        if procs:
            for p in params:
                for name, proc in procs.items():
                    if name in p:
                        p[name] = proc(p[name])
        self.compiled_parameters = params
        if compiled.positional:
            self.parameters = [tuple([p[n] for n in order]) for p in params]
        else:
            self.parameters = params
        return self

    @property
    def compiled_parameters(self) -> list[dict[str, Any]]:
        """The parameters of this execution by name (as the compiled statement names them)."""
        if self._compiled_parameters is None:
            construct = self.compiled.construct_params
            plist = self._params_list
            if plist is None and self._row_params:  # tuples given: back to names
                keys = self.compiled._fast_many_keys
                plist = [dict(zip(keys, row)) for row in self.parameters]
            self._compiled_parameters = (
                [construct(self._extracted, p) for p in plist] if plist else [construct(self._extracted, None)]
            )
        return self._compiled_parameters

    @compiled_parameters.setter
    def compiled_parameters(self, value: list[dict[str, Any]]) -> None:
        self._compiled_parameters = value

    @classmethod
    def for_text(cls, dialect: Any, connection: Any, dbapi_connection: Any, execution_options: dict[str, Any],
                 statement: str, parameters: list[Any]) -> DefaultExecutionContext:
        self = cls(dialect, connection, dbapi_connection, execution_options)
        self.statement = statement
        self.executemany = len(parameters) > 1
        self.parameters = parameters
        return self

    def _process_defaults(self, params: list[dict[str, Any]]) -> None:
        compiled = self.compiled
        cols = compiled.insert_prefetch if compiled.isinsert else compiled.update_prefetch
        for p in params:
            self.current_parameters = p
            for col in cols:
                default = col.default if compiled.isinsert else col.onupdate
                name = compiled.param_key_map.get(col.key, col.key)
                given = p.get(name)
                if given is not None and name in p and compiled.column_keys and col.key in compiled.column_keys:
                    continue
                if default.is_scalar:
                    p[name] = default.arg
                else:
                    p[name] = default.arg(self)
        self.current_parameters = None  # type: ignore[assignment]

    def get_current_parameters(self, isolate_multiinsert_groups: bool = True) -> dict[str, Any]:
        """The parameters of the row being defaulted (for context-sensitive default callables)."""
        return self.current_parameters

    def create_cursor(self) -> Any:
        if self.execution_options.get("stream_results") and self.dialect.supports_server_side_cursors:
            self._is_server_side = True
            return self.create_server_side_cursor()
        return self._dbapi_connection.cursor()

    def create_server_side_cursor(self) -> Any:
        return self._dbapi_connection.cursor()

    def post_exec(self) -> None:
        """After execute: capture lastrowid, rowcount, and server-generated primary keys."""
        cursor = self.cursor
        compiled = self.compiled
        if compiled is None or self.isddl:
            return
        if self.isinsert:
            if compiled.implicit_pk_returning and not compiled.returns_rows:
                self._fetch_implicit_pk(cursor)
            if not self.executemany:
                try:
                    self.lastrowid = cursor.lastrowid
                except Exception:  # drivers without lastrowid
                    self.lastrowid = None
            # the key rows themselves are built only if someone asks (an executemany of 20k
            # rows should not pay for 20k key tuples nobody reads, nor a single INSERT for one)
            self._pk_pending = True
        if not compiled.returns_rows:
            try:
                rowcount = cursor.rowcount
            except Exception:  # a closed cursor; rowcount stays unknown
                rowcount = -1
            if rowcount == -1 and not self.executemany and (
                    compiled.isinsert or compiled.isupdate or compiled.isdelete):
                rowcount = self._dml_rowcount_fallback()
            self._rowcount = rowcount

    def _dml_rowcount_fallback(self) -> int:
        """The rowcount of a single DML statement whose cursor reported -1 (unknown): a dialect
        that can ask the database instead overrides this."""
        return -1

    def _fetch_implicit_pk(self, cursor: Any) -> None:
        """Read the primary key the INSERT returned implicitly (RETURNING the user did not
        ask for): the cursor is closed before anyone asks for ``inserted_primary_key``."""
        compiled = self.compiled
        if not _insert_pk_cols(compiled):
            return
        returned = cursor.fetchone()
        cols = compiled.implicit_returning_cols
        procs = [c.type.dialect_impl(self.dialect).result_processor(self.dialect, None) for c in cols]
        if returned is not None:
            returned = tuple(p(v) if p else v for p, v in zip(procs, returned))
            self.returned_defaults = dict(zip([c.key for c in cols], returned))
        self._pk_returned = returned

    @property
    def inserted_primary_key_rows(self) -> list[Any] | None:
        """One primary-key tuple per parameter set of an INSERT (None for other statements)."""
        if self._pk_pending:
            self._pk_pending = False
            self._pk_rows = self._build_pk_rows()
        return self._pk_rows

    @inserted_primary_key_rows.setter
    def inserted_primary_key_rows(self, rows: list[Any] | None) -> None:
        self._pk_pending = False
        self._pk_rows = rows

    def _build_pk_rows(self) -> list[Any]:
        compiled = self.compiled
        table = compiled.statement.table
        pk_cols = _insert_pk_cols(compiled)
        if not pk_cols:
            return [()]
        autoinc = getattr(table, "_autoincrement_column", None)
        returned = self._pk_returned
        rows = []
        names = compiled.param_key_map
        given = compiled.insert_col_params
        for p in self.compiled_parameters:
            row = []
            for col in pk_cols:
                name = given.get(col.key) or names.get(col.key, col.key)
                value = p.get(name)
                if value is None and col is autoinc:
                    if returned is not None:
                        value = returned[0]
                    elif not self.executemany and self.lastrowid:
                        value = self.lastrowid
                row.append(value)
            rows.append(tuple(row))
        return rows

    @property
    def rowcount(self) -> int:
        if self._rowcount is None:
            try:
                self._rowcount = self.cursor.rowcount if self.cursor is not None else -1
            except Exception:  # a closed cursor
                self._rowcount = -1
        return self._rowcount

    def result_metadata(self) -> Any:
        """The ResultMetaData for this execution's rows (cached per compiled statement)."""
        compiled = self.compiled
        if compiled is not None and compiled._result_columns:
            md = compiled.__dict__.get("_result_md")
            if md is None:
                from sqlweave.core.engine.result import ResultMetaData

                description = self.cursor.description
                dialect = self.dialect
                keys = [c[0] for c in compiled._result_columns]
                objects = [c[1] for c in compiled._result_columns]
                procs = [
                    c[2].dialect_impl(dialect).result_processor(dialect, None)
                    for c in compiled._result_columns
                ]
                if description is not None and len(description) != len(keys):
                    # the database returned a different shape (e.g. SELECT * in a textual select)
                    return self._metadata_from_description(description)
                md = ResultMetaData(keys, objects, procs)
                compiled.__dict__["_result_md"] = md
            invoked = self.__dict__.get("invoked_statement")
            if invoked is not None:
                _adapt_to_statement(md, invoked)
            return md
        description = self.cursor.description
        if description is None:
            return None
        return self._metadata_from_description(description)

    def _metadata_from_description(self, description: Any) -> Any:
        from sqlweave.core.engine.result import ResultMetaData

        keys = tuple(d[0] for d in description)
        cache = self.compiled.__dict__.setdefault("_desc_md", {}) if self.compiled is not None else {}
        md = cache.get(keys)
        if md is None:
            md = ResultMetaData(list(keys), [(), ] * len(keys), self._description_processors(description))
            if self.compiled is not None:
                cache[keys] = md
        return md

    def _description_processors(self, description: Any) -> list[Any] | None:
        return None


def _insert_pk_cols(compiled: Any) -> list[Any]:
    """The primary-key columns of a compiled INSERT's table (kept on the compiled form: read
    after every execution of it)."""
    cols: list[Any] | None = compiled.__dict__.get("_insert_pk_cols")
    if cols is None:
        table = compiled.statement.table
        cols = list(table.primary_key.columns) if hasattr(table, "primary_key") else []
        compiled.__dict__["_insert_pk_cols"] = cols
    return cols


DefaultDialect.execution_ctx_cls = DefaultExecutionContext


def _adapt_to_statement(md: Any, invoked: Any) -> None:
    """Key the rows of ``md`` also by the selected columns of ``invoked``, a statement that ran a compiled
    form made for another statement of the same shape (a cache hit): its own labels and columns
    of its own subqueries then find their values (``row._mapping[sub.c.x]``), by position."""
    exported = getattr(invoked, "_exported_columns", None)
    if exported is None:
        return
    cols = exported()
    if len(cols) != len(md.keys):
        return
    md._add_objects([
        (col, col.element) if isinstance(col, Label) else (col,) for _, col in cols
    ])


def statement_specific_results(compiled: Any) -> bool:
    """True when the result columns of ``compiled`` are keyed by objects that belong to the
    statement it was compiled for (labels, expressions, columns of subqueries and aliases,
    table-less ``column()`` objects),
    which another statement of the same shape does not share. Computed once per compiled form."""
    flag = compiled.__dict__.get("_statement_specific_results")
    if flag is None:
        flag = compiled.__dict__["_statement_specific_results"] = any(
            not (isinstance(objs[0], ColumnClause) and objs[0].table is not None
                 and not getattr(objs[0].table, "_keyed_by_position", False))
            for _, objs, _ in getattr(compiled, "_result_columns", ())
        )
    return bool(flag)
