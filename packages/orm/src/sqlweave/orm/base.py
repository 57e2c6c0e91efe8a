"""Shared ORM internals: sentinels, the state slot name and state lookup helpers."""

from __future__ import annotations

from typing import Any

from sqlweave.orm import exc as orm_exc

#: key of the InstanceState in an instance's ``__dict__``
STATE_ATTR = "_sw_instance_state"
#: attribute holding the Mapper on a mapped class
MAPPER_ATTR = "_sw_mapper"


class _Symbol:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __bool__(self) -> bool:
        return False


NO_VALUE: Any = _Symbol("NO_VALUE")

ONETOMANY = "ONETOMANY"
MANYTOONE = "MANYTOONE"
MANYTOMANY = "MANYTOMANY"


def instance_state(obj: Any) -> Any:
    """The InstanceState of a mapped instance (created on first use)."""
    try:
        return obj.__dict__[STATE_ATTR]
    except KeyError:
        mapper = getattr(type(obj), MAPPER_ATTR, None)
        if mapper is None:
            raise orm_exc.UnmappedInstanceError(obj) from None
        return mapper._new_state(obj)
    except AttributeError:
        raise orm_exc.UnmappedInstanceError(obj) from None


def instance_dict(obj: Any) -> dict[str, Any]:
    return obj.__dict__  # type: ignore[no-any-return]


def class_mapper(cls: Any, configure: bool = True) -> Any:
    """The Mapper of ``cls``; UnmappedClassError when it is not mapped."""
    mapper = cls.__dict__.get(MAPPER_ATTR) if isinstance(cls, type) else None
    if mapper is None:
        mapper = getattr(cls, MAPPER_ATTR, None) if isinstance(cls, type) else None
    if mapper is None:
        raise orm_exc.UnmappedClassError(cls)
    if configure and not mapper.configured:
        from sqlweave.orm.mapper import configure_mappers

        configure_mappers()
    return mapper


def object_mapper(obj: Any) -> Any:
    mapper = getattr(type(obj), MAPPER_ATTR, None)
    if mapper is None:
        raise orm_exc.UnmappedInstanceError(obj)
    return mapper


def state_str(state: Any) -> str:
    return state._repr()


def generated_function(src: str, name: str, label: str) -> Any:
    """The function ``name`` defined by the Python source ``src`` (straight-line code made for
    one mapper, like ``namedtuple`` and ``dataclasses`` do); ``label`` names it in tracebacks."""
    ns: dict[str, Any] = {}
    exec(compile(src, f"<sqlweave {label}>", "exec"), ns)  # noqa: S102 - source built from repr()s
    return ns[name]
