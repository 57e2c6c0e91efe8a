"""``create_engine()``: URL → dialect (through the plugin registry) → pool → Engine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlweave.core import exc

if TYPE_CHECKING:
    from sqlweave.core.engine.base import Engine

_ENGINE_KW = {
    "echo", "echo_pool", "pool_size", "max_overflow", "pool_timeout", "pool_recycle",
    "pool_pre_ping", "pool_reset_on_return", "poolclass", "pool", "isolation_level",
    "connect_args", "execution_options", "creator", "logging_name", "pool_logging_name",
    "hide_parameters", "query_cache_size", "json_serializer", "json_deserializer",
    "pool_use_lifo", "paramstyle", "future", "module", "_initialize", "plugins",
}


def create_engine(url: Any, **kwargs: Any) -> Engine:
    """Create an :class:`Engine` for ``url`` (``"dialect+driver://user:pass@host/db"``).

    Keyword arguments as in SQLAlchemy 2.0: ``echo``, ``echo_pool``, ``pool_size``,
    ``max_overflow``, ``pool_timeout``, ``pool_recycle``, ``pool_pre_ping``,
    ``pool_reset_on_return``, ``poolclass``, ``isolation_level``, ``connect_args``,
    ``execution_options``, ``creator``, ``hide_parameters``, ``query_cache_size``,
    ``json_serializer``/``json_deserializer``. Unknown keywords are rejected by name. No
    connection is opened until the engine is first used.
    """
    # The engine layer (Engine, pool, URL parsing, and through the dialect the compiler) loads
    # here, on first use, not when ``from sqlweave.core import create_engine`` runs.
    from sqlweave.core.engine.base import Engine
    from sqlweave.core.engine.url import make_url
    from sqlweave.core.pool import Pool, QueuePool

    u = make_url(url)
    dialect_cls = u.get_dialect()
    dialect_args = _dialect_arguments(dialect_cls)
    unknown = sorted(set(kwargs) - _ENGINE_KW - dialect_args)
    if unknown:
        raise exc.ArgumentError(
            f"create_engine() got unknown keyword argument(s): {', '.join(unknown)}. "
            f"Valid arguments include: {', '.join(sorted(k for k in _ENGINE_KW | dialect_args if not k.startswith('_')))}"
        )
    u, plugin_kw = dialect_cls.engine_url_hook(u) if hasattr(dialect_cls, "engine_url_hook") else (u, {})

    dialect_kw: dict[str, Any] = {}
    for k in ("isolation_level", "json_serializer", "json_deserializer", "paramstyle"):
        if kwargs.get(k) is not None:
            dialect_kw[k] = kwargs[k]
    if kwargs.get("module") is not None:
        dialect_kw["dbapi"] = kwargs["module"]
    for k in dialect_args:
        if k in kwargs:
            dialect_kw[k] = kwargs[k]
    dialect = dialect_cls(**dialect_kw)
    dialect.dbapi_import_check() if hasattr(dialect, "dbapi_import_check") else dialect.loaded_dbapi

    cargs, cparams = dialect.create_connect_args(u)
    cparams.update(kwargs.get("connect_args") or {})

    def connect(connection_record: Any = None) -> Any:
        if dialect.dispatch.do_connect:
            for fn in dialect.dispatch.do_connect:
                conn = fn(dialect, connection_record, cargs, cparams)
                if conn is not None:
                    return conn
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as err:
            dbapi = dialect.loaded_dbapi
            if isinstance(err, dbapi.Error):
                raise exc.DBAPIError.instance(None, None, err, dbapi.Error, dialect=dialect,
                                              connection_invalidated=dialect.is_disconnect(err, None, None)) from err
            raise

    creator = kwargs.get("creator")
    if creator is not None:
        user_creator = creator

        def connect(connection_record: Any = None) -> Any:
            return user_creator()

    on_connect = dialect.on_connect()
    pool = kwargs.get("pool")
    if pool is None:
        poolclass = kwargs.get("poolclass") or dialect.get_pool_class(u)
        pool_kw: dict[str, Any] = {
            "recycle": kwargs.get("pool_recycle", -1),
            "echo": kwargs.get("echo_pool"),
            "logging_name": kwargs.get("pool_logging_name"),
            "pre_ping": kwargs.get("pool_pre_ping", False),
            "reset_on_return": kwargs.get("pool_reset_on_return", True),
            "dialect": dialect,
        }
        if issubclass(poolclass, QueuePool):
            pool_kw["pool_size"] = kwargs.get("pool_size", 5)
            pool_kw["max_overflow"] = kwargs.get("max_overflow", 10)
            pool_kw["timeout"] = kwargs.get("pool_timeout", 30)
            pool_kw["use_lifo"] = kwargs.get("pool_use_lifo", False)
        else:
            for k in ("pool_size", "max_overflow", "pool_timeout"):
                if k in kwargs and not _pool_accepts(poolclass, k):
                    raise exc.ArgumentError(
                        f"{k} is not valid for {poolclass.__name__}; it applies to QueuePool"
                    )
            if "pool_size" in kwargs and _pool_accepts(poolclass, "pool_size"):
                pool_kw["pool_size"] = kwargs["pool_size"]
        pool = poolclass(connect, **pool_kw)
    elif not isinstance(pool, Pool):
        raise exc.ArgumentError(f"pool= takes a Pool instance, got {pool!r}")
    if on_connect is not None:
        from sqlweave.core import event

        def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
            on_connect(dbapi_connection)

        event.listen(pool, "connect", _on_connect, insert=True)

    engine = Engine(
        pool, dialect, u,
        logging_name=kwargs.get("logging_name"),
        echo=kwargs.get("echo"),
        execution_options=kwargs.get("execution_options"),
        hide_parameters=kwargs.get("hide_parameters", False),
        query_cache_size=kwargs.get("query_cache_size", 500),
    )
    from sqlweave.core.plugins.manager import load_plugins

    load_plugins().hook.sqlweave_engine_created(engine=engine)
    return engine


def _dialect_arguments(dialect_cls: type) -> set[str]:
    """Keyword arguments a dialect's constructor takes beyond DefaultDialect's (e.g.
    ``executemany_mode``), which create_engine passes through."""
    import inspect

    from sqlweave.core.engine.default import DefaultDialect

    base = set(inspect.signature(DefaultDialect).parameters)
    names: set[str] = set()
    for klass in dialect_cls.__mro__:
        if klass is DefaultDialect or "__init__" not in klass.__dict__:
            continue
        for p in inspect.signature(klass.__init__).parameters.values():  # type: ignore[misc]
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self":
                names.add(p.name)
    return names - base - {"kw", "kwargs"}


def _pool_accepts(poolclass: type, name: str) -> bool:
    import inspect

    params = inspect.signature(poolclass).parameters
    return name in params


def engine_from_config(configuration: dict[str, Any], prefix: str = "sqlalchemy.", **kwargs: Any) -> Engine:
    """Create an engine from a config dict: ``{"sqlalchemy.url": ..., "sqlalchemy.echo": "true"}``."""
    opts = {k[len(prefix):]: v for k, v in configuration.items() if k.startswith(prefix)}
    url = opts.pop("url")
    coerce: dict[str, Any] = {"echo": _bool, "pool_pre_ping": _bool, "pool_size": int, "max_overflow": int,
              "pool_recycle": int, "pool_timeout": float, "hide_parameters": _bool}
    for k, fn in coerce.items():
        if k in opts and isinstance(opts[k], str):
            opts[k] = fn(opts[k])
    opts.update(kwargs)
    return create_engine(url, **opts)


def _bool(value: str) -> Any:
    v = value.strip().lower()
    if v == "debug":
        return "debug"
    return v in ("true", "1", "yes", "on")
