"""Version counters (optimistic concurrency) across a joined-table hierarchy (docs/orm/mapping.md)."""

from __future__ import annotations

from sqlweave.core import ForeignKey, String, create_engine, text
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlweave.orm.exc import StaleDataError

engine = create_engine("sqlite://")

# [versioning]


class Base(DeclarativeBase):
    pass


class Asset(Base):
    __tablename__ = "asset"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column()
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "asset",
                       "version_id_col": version}


class Server(Asset):  # joined: its own table; the version stays in "asset"
    __tablename__ = "server"
    id: Mapped[int] = mapped_column(ForeignKey("asset.id"), primary_key=True)
    cores: Mapped[int] = mapped_column()
    __mapper_args__ = {"polymorphic_identity": "server"}


Base.metadata.create_all(engine)
with Session(engine) as session:
    db = Server(name="db1", cores=8)
    session.add(db)
    session.commit()
    assert db.version == 1
    db.cores = 16  # only the "server" table changes; the "asset" row's version moves on too
    session.commit()
    assert db.version == 2

    # someone else writes the row meanwhile: the next UPDATE matches no row and raises
    session.execute(text("UPDATE asset SET version = 3"))
    db.cores = 32
    try:
        session.flush()
    except StaleDataError as err:
        print("refused:", str(err).splitlines()[0])
        session.rollback()
    else:
        raise AssertionError("the stale UPDATE was not detected")
# [/versioning]
print("orm versioning finished OK")
