"""hybrid_property / hybrid_method and association_proxy against the backend under test."""

from __future__ import annotations

from typing import Any

import pytest

from sqlweave.core import ForeignKey, String, select
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlweave.orm.associationproxy import AssociationProxyInstance, association_proxy
from sqlweave.orm.hybrid import hybrid_method, hybrid_property
from tests.orm.model_fixtures import model_fixtures

pytestmark = pytest.mark.backend


class Base(DeclarativeBase):
    pass


class HUser(Base):
    __tablename__ = "orme_h_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    first: Mapped[str] = mapped_column(String(30))
    last: Mapped[str] = mapped_column(String(30))
    balance: Mapped[int] = mapped_column(default=0)
    user_keywords: Mapped[list[HUserKeyword]] = relationship(
        cascade="all, delete-orphan", order_by="HUserKeyword.id")
    profile: Mapped[HProfile | None] = relationship()
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("orme_h_profile.id"))

    keywords = association_proxy("user_keywords", "word")
    keyword_objs = association_proxy("user_keywords", "keyword",
                                     creator=lambda kw: HUserKeyword(keyword=kw))
    bio = association_proxy("profile", "bio")

    @hybrid_property
    def fullname(self) -> str:
        return self.first + " " + self.last

    @fullname.inplace.expression
    @classmethod
    def _fullname_expr(cls) -> Any:
        # the same SQL as the instance form, spelled out; + on strings is || or concat()
        return cls.first + " " + cls.last

    @fullname.inplace.setter
    def _fullname_set(self, value: str) -> None:
        self.first, self.last = value.split(" ", 1)

    @hybrid_property
    def doubled(self) -> int:
        return self.balance * 2

    @hybrid_method
    def richer_than(self, amount: int) -> Any:
        return self.balance > amount


class HKeyword(Base):
    __tablename__ = "orme_h_keyword"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))


class HUserKeyword(Base):
    __tablename__ = "orme_h_user_keyword"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("orme_h_user.id"))
    word: Mapped[str | None] = mapped_column(String(30))
    keyword_id: Mapped[int | None] = mapped_column(ForeignKey("orme_h_keyword.id"))
    keyword: Mapped[HKeyword | None] = relationship()


class HProfile(Base):
    __tablename__ = "orme_h_profile"
    id: Mapped[int] = mapped_column(primary_key=True)
    bio: Mapped[str | None] = mapped_column(String(50))


tables, session = model_fixtures(Base.metadata)


def test_hybrid_instance_level() -> None:
    u = HUser(first="Ada", last="Lovelace", balance=5)
    assert u.fullname == "Ada Lovelace"
    assert u.doubled == 10
    assert u.richer_than(3) is True and u.richer_than(9) is False
    u.fullname = "Grace Hopper"
    assert (u.first, u.last) == ("Grace", "Hopper")


def test_hybrid_class_level_in_queries(session: Session) -> None:
    session.add_all([HUser(first="Ada", last="Lovelace", balance=5),
                     HUser(first="Grace", last="Hopper", balance=50)])
    session.commit()
    got = session.scalars(select(HUser).where(HUser.fullname == "Grace Hopper")).all()
    assert [u.last for u in got] == ["Hopper"]
    assert session.scalars(select(HUser.fullname).order_by(HUser.id)).all() == \
        ["Ada Lovelace", "Grace Hopper"]
    row = session.execute(select(HUser.fullname).where(HUser.id == got[0].id)).one()
    assert row._mapping["fullname"] == "Grace Hopper"  # labelled with the hybrid's name
    # the label groups properly inside arithmetic: (balance * 2) + 1
    assert session.scalars(select(HUser.doubled + 1).order_by(HUser.id)).all() == [11, 101]
    assert [u.first for u in session.scalars(select(HUser).where(HUser.richer_than(10)))] == \
        ["Grace"]
    assert [u.first for u in session.scalars(
        select(HUser).where(HUser.doubled > 20).order_by(HUser.fullname))] == ["Grace"]


def test_association_proxy_list_append_read_filter(session: Session) -> None:
    u = HUser(first="a", last="b")
    u.keywords.append("red")
    u.keywords.extend(["green", "blue"])
    assert [k.word for k in u.user_keywords] == ["red", "green", "blue"]
    assert list(u.keywords) == ["red", "green", "blue"]
    assert "green" in u.keywords and len(u.keywords) == 3
    u.keywords.remove("green")
    assert u.keywords == ["red", "blue"]
    v = HUser(first="c", last="d", keywords=["blue"])
    session.add_all([u, v])
    session.commit()

    u2 = session.scalars(select(HUser).where(HUser.first == "a")).one()
    assert u2.keywords == ["red", "blue"]
    assert isinstance(HUser.keywords, AssociationProxyInstance)
    by_contains = session.scalars(
        select(HUser.first).where(HUser.keywords.contains("blue")).order_by(HUser.first)).all()
    assert by_contains == ["a", "c"]
    by_eq = session.scalars(select(HUser.first).where(HUser.keywords == "red")).all()
    assert by_eq == ["a"]
    by_any = session.scalars(select(HUser.first).where(HUser.keywords.any())
                             .order_by(HUser.first)).all()
    assert by_any == ["a", "c"]
    # replacing the proxied collection creates new association objects
    u2.keywords = ["x"]
    session.commit()
    assert [k.word for k in session.scalars(
        select(HUserKeyword).order_by(HUserKeyword.id))] == ["blue", "x"]


def test_association_proxy_to_relationship_with_creator_and_any(session: Session) -> None:
    python, sql = HKeyword(name="python"), HKeyword(name="sql")
    u = HUser(first="k", last="w")
    u.keyword_objs.append(python)
    u.keyword_objs.append(sql)
    assert [uk.keyword.name for uk in u.user_keywords] == ["python", "sql"]
    other = HUser(first="o", last="w", keyword_objs=[sql])
    session.add_all([u, other])
    session.commit()
    got = session.scalars(select(HUser.first).where(
        HUser.keyword_objs.any(HKeyword.name == "python"))).all()
    assert got == ["k"]
    got = session.scalars(select(HUser.first).where(
        HUser.keyword_objs.any(name="sql")).order_by(HUser.first)).all()
    assert got == ["k", "o"]


def test_association_proxy_scalar(session: Session) -> None:
    u = HUser(first="s", last="p")
    assert u.bio is None
    u.bio = "hello"  # creates HProfile(bio="hello")
    assert isinstance(u.profile, HProfile) and u.profile.bio == "hello"
    u.bio = "changed"  # sets the attribute on the existing target
    first_profile = u.profile
    assert u.profile is first_profile and u.profile.bio == "changed"
    bare = HUser(first="n", last="p")
    session.add_all([u, bare])
    session.commit()
    assert session.scalars(select(HUser.first).where(HUser.bio == "changed")).all() == ["s"]
    assert session.scalars(select(HUser.first).where(HUser.bio.has())).all() == ["s"]
    assert session.scalars(select(HUser.first).where(HUser.bio == None)).all() == ["n"]  # noqa: E711
    assert session.scalars(select(HUser.first).where(HUser.bio != None)).all() == ["s"]  # noqa: E711
