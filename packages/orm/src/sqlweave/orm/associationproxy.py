"""Association proxies: view an attribute of related objects as if it were local (SQLAlchemy 2.0
``ext.associationproxy``).

::

    class User(Base):
        user_keywords: Mapped[list[UserKeyword]] = relationship()
        keywords = association_proxy("user_keywords", "keyword")

    user.keywords                 # ["a", "b"]: a live list view over user.user_keywords
    user.keywords.append("c")     # appends UserKeyword(keyword="c") (or creator("c"))
    select(User).where(User.keywords.contains("c"))   # EXISTS over the relationship

On instances the proxy returns a live view: a list-like :class:`_AssociationList` over a list
relationship, a set-like :class:`_AssociationSet` over a set, a dict-like
:class:`_AssociationDict` over a dict collection (keys kept, values proxied), or for a scalar
(many-to-one / one-to-one) relationship the target's attribute value itself. Setting a scalar
proxy creates the target (``creator(value)`` or ``TargetClass(attr=value)``) when there is none
and otherwise sets the attribute on the existing target.

On the class it returns an :class:`AssociationProxyInstance` whose comparisons are built from
the relationship's ``any()``/``has()``: ``==``/``!=``, ``contains()``, ``any()``, ``has()``,
``is_(None)``/``isnot(None)`` (``is_not``).
"""

from __future__ import annotations

from collections.abc import (
    Callable,
    Iterable,
    Iterator,
    MutableMapping,
    MutableSequence,
    MutableSet,
)
from typing import Any

from sqlweave.core.sql.elements import or_

__all__ = [
    "ASSOCIATION_PROXY",
    "AssociationProxy",
    "AssociationProxyInstance",
    "association_proxy",
]


class _ExtType:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ASSOCIATION_PROXY = _ExtType("ASSOCIATION_PROXY")


def association_proxy(target_collection: str, attr: str, *,
                      creator: Callable[..., Any] | None = None,
                      getset_factory: Callable[..., Any] | None = None,
                      proxy_factory: Callable[..., Any] | None = None,
                      proxy_bulk_set: Callable[..., Any] | None = None,
                      info: dict[str, Any] | None = None,
                      cascade_scalar_deletes: bool = False) -> AssociationProxy:
    """Proxy attribute ``attr`` of the objects in relationship ``target_collection``.

    ``creator`` builds a new target object from a value (a dict proxy's creator receives
    ``(key, value)``); by default the target class is called with ``attr=value``.
    ``cascade_scalar_deletes=True`` makes ``obj.proxy = None`` on a scalar proxy remove the
    target object instead of setting its attribute to None.
    """
    return AssociationProxy(target_collection, attr, creator=creator,
                            getset_factory=getset_factory, proxy_factory=proxy_factory,
                            proxy_bulk_set=proxy_bulk_set, info=info,
                            cascade_scalar_deletes=cascade_scalar_deletes)


class AssociationProxy:
    """The descriptor returned by :func:`association_proxy`."""

    is_attribute = True
    extension_type = ASSOCIATION_PROXY

    def __init__(self, target_collection: str, value_attr: str, *,
                 creator: Callable[..., Any] | None = None,
                 getset_factory: Callable[..., Any] | None = None,
                 proxy_factory: Callable[..., Any] | None = None,
                 proxy_bulk_set: Callable[..., Any] | None = None,
                 info: dict[str, Any] | None = None,
                 cascade_scalar_deletes: bool = False) -> None:
        self.target_collection = target_collection
        self.value_attr = value_attr
        self.creator = creator
        self.getset_factory = getset_factory
        self.proxy_factory = proxy_factory
        self.proxy_bulk_set = proxy_bulk_set
        self.info = dict(info or {})
        self.cascade_scalar_deletes = cascade_scalar_deletes
        self.key = f"_{type(self).__name__}_{target_collection}_{id(self)}"
        self.owning_class: type | None = None
        self._instances: dict[type, AssociationProxyInstance] = {}

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name
        if self.owning_class is None:
            self.owning_class = owner

    # -- descriptor ----------------------------------------------------------------------------
    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            if cls is None:
                return self
            return self.for_class(cls)
        inst = self.for_class(type(obj))
        return inst.get(obj)

    def __set__(self, obj: Any, value: Any) -> None:
        self.for_class(type(obj)).set(obj, value)

    def __delete__(self, obj: Any) -> None:
        self.for_class(type(obj)).delete(obj)

    def for_class(self, class_: type, obj: Any = None) -> AssociationProxyInstance:
        """The class-bound :class:`AssociationProxyInstance` (built once per class)."""
        inst = self._instances.get(class_)
        if inst is None:
            inst = self._instances[class_] = AssociationProxyInstance(self, class_)
        return inst

    def __repr__(self) -> str:
        return f"AssociationProxy({self.target_collection!r}, {self.value_attr!r})"


class AssociationProxyInstance:
    """An association proxy bound to one owning class: instance access and SQL comparisons."""

    def __init__(self, parent: AssociationProxy, owning_class: type) -> None:
        self.parent = parent
        self.owning_class = owning_class
        self.target_collection = parent.target_collection
        self.value_attr = parent.value_attr
        self._rel_prop: Any = None

    # -- resolution (lazy: the relationship's target may be a string until configure) -----------
    @property
    def _prop(self) -> Any:
        prop = self._rel_prop
        if prop is None:
            from sqlweave.orm.base import class_mapper

            mapper = class_mapper(self.owning_class)
            prop = self._rel_prop = mapper.get_property(self.target_collection)
        return prop

    @property
    def target_class(self) -> type:
        """The class on the other side of the proxied relationship."""
        return self._prop.mapper.class_  # type: ignore[no-any-return]

    @property
    def scalar(self) -> bool:
        """True when the proxied relationship holds one object rather than a collection."""
        return not self._prop.uselist

    @property
    def local_attr(self) -> Any:
        """The class-level relationship attribute (``User.user_keywords``)."""
        return getattr(self.owning_class, self.target_collection)

    @property
    def remote_attr(self) -> Any:
        """The class-level attribute on the target class (``UserKeyword.keyword``)."""
        return getattr(self.target_class, self.value_attr)

    @property
    def attr(self) -> tuple[Any, Any]:
        """``(local_attr, remote_attr)``, for ``select(A).join(*A.proxy.attr)``-style chains."""
        return (self.local_attr, self.remote_attr)

    def _remote_is_relationship(self) -> bool:
        return bool(getattr(self.remote_attr, "_is_relationship", False))

    def _remote_is_collection(self) -> bool:
        ra = self.remote_attr
        return bool(getattr(ra, "_is_relationship", False) and ra.prop.uselist)

    # -- instance access -----------------------------------------------------------------------
    def _create(self, value: Any) -> Any:
        creator = self.parent.creator
        if creator is not None:
            return creator(value)
        return self.target_class(**{self.value_attr: value})

    def _getter(self, target: Any) -> Any:
        return getattr(target, self.value_attr) if target is not None else None

    def _setter(self, target: Any, value: Any) -> None:
        setattr(target, self.value_attr, value)

    def get(self, obj: Any) -> Any:
        """The proxied value(s) of ``obj``: a live view for collections, a value for scalars."""
        if self.scalar:
            return self._getter(getattr(obj, self.target_collection))
        coll = getattr(obj, self.target_collection)
        if self.parent.proxy_factory is not None:
            return self.parent.proxy_factory(lambda: getattr(obj, self.target_collection),
                                             self._create, self.value_attr, self)
        if isinstance(coll, dict):
            return _AssociationDict(self, obj)
        if isinstance(coll, (set, frozenset)):
            return _AssociationSet(self, obj)
        return _AssociationList(self, obj)

    def set(self, obj: Any, values: Any) -> None:
        """``obj.proxy = values``: replace the collection, or set/create the scalar target."""
        if self.scalar:
            target = getattr(obj, self.target_collection)
            if values is None and self.parent.cascade_scalar_deletes:
                setattr(obj, self.target_collection, None)
            elif target is None:
                setattr(obj, self.target_collection, self._create(values))
            else:
                self._setter(target, values)
            return
        view = self.get(obj)
        if self.parent.proxy_bulk_set is not None:
            self.parent.proxy_bulk_set(view, values)
            return
        if view is values:
            return
        view._bulk_replace(values)

    def delete(self, obj: Any) -> None:
        """``del obj.proxy``: empty the collection, or remove the scalar target."""
        if self.scalar:
            setattr(obj, self.target_collection, None)
            return
        self.get(obj).clear()

    # -- SQL comparisons (class level) -----------------------------------------------------------
    def _wrap(self, criterion: Any) -> Any:
        """EXISTS over the local relationship with ``criterion`` on the target class."""
        local = self.local_attr
        return local.has(criterion) if self.scalar else local.any(criterion)

    def any(self, criterion: Any = None, **kwargs: Any) -> Any:
        """Rows whose related objects' proxied relationship has any element matching."""
        if self._remote_is_relationship():
            ra = self.remote_attr
            inner = ra.any(criterion, **kwargs) if ra.prop.uselist else ra.has(criterion, **kwargs)
            return self._wrap(inner)
        if criterion is None and not kwargs:
            return self._wrap(None)
        return self._wrap_kw(criterion, kwargs)

    def has(self, criterion: Any = None, **kwargs: Any) -> Any:
        """Like :meth:`any` for a scalar remote relationship."""
        if self._remote_is_relationship():
            ra = self.remote_attr
            inner = ra.any(criterion, **kwargs) if ra.prop.uselist else ra.has(criterion, **kwargs)
            return self._wrap(inner)
        return self._wrap_kw(criterion, kwargs)

    def _wrap_kw(self, criterion: Any, kwargs: dict[str, Any]) -> Any:
        local = self.local_attr
        fn = local.has if self.scalar else local.any
        return fn(criterion, **kwargs)

    def contains(self, other: Any) -> Any:
        """Rows where the proxied collection contains ``other``."""
        if self._remote_is_collection():
            return self._wrap(self.remote_attr.contains(other))
        return self._wrap(self.remote_attr == other)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        if other is None and self.scalar:
            # no related object, or a related object whose attribute is NULL
            return or_(self.local_attr.has(self.remote_attr.is_(None)),
                       self.local_attr == None)  # noqa: E711 - SQL comparison
        return self._wrap(self.remote_attr == other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        if other is None and self.scalar:
            return self.local_attr.has(self.remote_attr.isnot(None))
        return self._wrap(self.remote_attr != other)

    __hash__ = object.__hash__

    def is_(self, other: Any) -> Any:
        """``proxy IS NULL`` when ``other`` is None (see ``__eq__``)."""
        if other is None:
            return self.__eq__(None)
        return self._wrap(self.remote_attr.is_(other))

    def is_not(self, other: Any) -> Any:
        if other is None:
            return self.__ne__(None)
        return self._wrap(self.remote_attr.isnot(other))

    isnot = is_not

    def like(self, other: Any, **kw: Any) -> Any:
        return self._wrap(self.remote_attr.like(other, **kw))

    def ilike(self, other: Any, **kw: Any) -> Any:
        return self._wrap(self.remote_attr.ilike(other, **kw))

    def in_(self, other: Any) -> Any:
        return self._wrap(self.remote_attr.in_(other))

    def __lt__(self, other: Any) -> Any:
        return self._wrap(self.remote_attr < other)

    def __le__(self, other: Any) -> Any:
        return self._wrap(self.remote_attr <= other)

    def __gt__(self, other: Any) -> Any:
        return self._wrap(self.remote_attr > other)

    def __ge__(self, other: Any) -> Any:
        return self._wrap(self.remote_attr >= other)

    def __repr__(self) -> str:
        return f"AssociationProxyInstance({self.owning_class.__name__}.{self.parent.key})"


# ---------------------------------------------------------------------------------------------
# live views over the collection
# ---------------------------------------------------------------------------------------------


class _AssociationCollection:
    def __init__(self, api: AssociationProxyInstance, owner: Any) -> None:
        self._api = api
        self._owner = owner

    @property
    def col(self) -> Any:
        """The underlying relationship collection (re-read each time: it may be replaced)."""
        return getattr(self._owner, self._api.target_collection)

    def _get(self, target: Any) -> Any:
        return self._api._getter(target)

    def __len__(self) -> int:
        return len(self.col)

    def __bool__(self) -> bool:
        return bool(self.col)

    def __repr__(self) -> str:
        return repr(self._snapshot())

    def _snapshot(self) -> Any:
        raise NotImplementedError

    def __getstate__(self) -> Any:
        raise TypeError("association proxy views are not picklable; pickle the owner instead")


class _AssociationList(_AssociationCollection, MutableSequence[Any]):
    """A list view: reads map through the attribute, writes create target objects."""

    def _snapshot(self) -> list[Any]:
        return [self._get(t) for t in self.col]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._get(t) for t in self.col[index]]
        return self._get(self.col[index])

    def __setitem__(self, index: Any, value: Any) -> None:
        if isinstance(index, slice):
            col = self.col
            targets = list(range(len(col)))[index]
            values = list(value)
            if index.step not in (None, 1) and len(targets) != len(values):
                raise ValueError(f"attempt to assign sequence of size {len(values)} "
                                 f"to extended slice of size {len(targets)}")
            col[index] = [self._api._create(v) for v in values]
            return
        self._api._setter(self.col[index], value)

    def __delitem__(self, index: Any) -> None:
        del self.col[index]

    def insert(self, index: int, value: Any) -> None:
        self.col.insert(index, self._api._create(value))

    def append(self, value: Any) -> None:
        self.col.append(self._api._create(value))

    def extend(self, values: Iterable[Any]) -> None:
        for v in values:
            self.append(v)

    def remove(self, value: Any) -> None:
        for i, t in enumerate(self.col):
            if self._get(t) == value:
                del self.col[i]
                return
        raise ValueError(f"{value!r} not in list")

    def pop(self, index: int = -1) -> Any:
        return self._get(self.col.pop(index))

    def clear(self) -> None:
        del self.col[:]

    def __iter__(self) -> Iterator[Any]:
        return (self._get(t) for t in self.col)

    def __contains__(self, value: object) -> bool:
        return any(self._get(t) == value for t in self.col)

    def __eq__(self, other: object) -> bool:
        return self._snapshot() == list(other) if isinstance(other, (list, tuple, _AssociationList)) \
            else NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> list[Any]:
        return self._snapshot()

    def __iadd__(self, values: Iterable[Any]) -> _AssociationList:
        self.extend(values)
        return self

    def _bulk_replace(self, values: Iterable[Any]) -> None:
        setattr(self._owner, self._api.target_collection,
                [self._api._create(v) for v in values])


class _AssociationSet(_AssociationCollection, MutableSet[Any]):
    """A set view: ``add`` creates a target unless an equal value is already present."""

    def _snapshot(self) -> set[Any]:
        return {self._get(t) for t in self.col}

    def __contains__(self, value: object) -> bool:
        return any(self._get(t) == value for t in self.col)

    def __iter__(self) -> Iterator[Any]:
        seen: set[Any] = set()
        for t in list(self.col):
            v = self._get(t)
            if v not in seen:
                seen.add(v)
                yield v

    def __len__(self) -> int:
        return len(self._snapshot())

    def add(self, value: Any) -> None:
        if value not in self:
            self.col.add(self._api._create(value))

    def discard(self, value: Any) -> None:
        for t in list(self.col):
            if self._get(t) == value:
                self.col.discard(t)
                return

    def clear(self) -> None:
        for t in list(self.col):
            self.col.discard(t)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (set, frozenset, _AssociationSet)):
            return self._snapshot() == set(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> set[Any]:
        return self._snapshot()

    def _bulk_replace(self, values: Iterable[Any]) -> None:
        setattr(self._owner, self._api.target_collection,
                {self._api._create(v) for v in set(values)})


class _AssociationDict(_AssociationCollection, MutableMapping[Any, Any]):
    """A dict view over a keyed collection: values map through the attribute."""

    def _snapshot(self) -> dict[Any, Any]:
        return {k: self._get(t) for k, t in self.col.items()}

    def _create_kv(self, key: Any, value: Any) -> Any:
        creator = self._api.parent.creator
        if creator is not None:
            return creator(key, value)
        return self._api.target_class(**{self._api.value_attr: value})

    def __getitem__(self, key: Any) -> Any:
        return self._get(self.col[key])

    def __setitem__(self, key: Any, value: Any) -> None:
        col = self.col
        if key in col:
            self._api._setter(col[key], value)
        else:
            col[key] = self._create_kv(key, value)

    def __delitem__(self, key: Any) -> None:
        del self.col[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.col)

    def __contains__(self, key: object) -> bool:
        return key in self.col

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (dict, _AssociationDict)):
            return self._snapshot() == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> dict[Any, Any]:
        return self._snapshot()

    def _bulk_replace(self, values: Any) -> None:
        items = values.items() if hasattr(values, "items") else values
        setattr(self._owner, self._api.target_collection,
                {k: self._create_kv(k, v) for k, v in items})


