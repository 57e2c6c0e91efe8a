"""Getting started: a first ORM program (SQLite in memory)."""

from sqlweave.core import String, create_engine, select
from sqlweave.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, name={self.name!r})"


engine = create_engine("sqlite://")
Base.metadata.create_all(engine)

with Session(engine) as session:
    session.add_all([User(name="ann"), User(name="bob")])
    session.commit()

with Session(engine) as session:
    users = session.scalars(select(User).order_by(User.name)).all()
    print(users)  # [User(id=1, name='ann'), User(id=2, name='bob')]

assert [u.name for u in users] == ["ann", "bob"]
