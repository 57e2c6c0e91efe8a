"""Reliability: reconcile an ambiguous COMMIT with an idempotency key (never retry blindly)."""

from sqlweave.core import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    exc,
    insert,
    select,
)

engine = create_engine("sqlite://")
metadata = MetaData()
payments = Table("payments", metadata,
                 Column("key", String(36), primary_key=True),
                 Column("amount", Integer, nullable=False))
metadata.create_all(engine)


def pay(key: str, amount: int) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(insert(payments).values(key=key, amount=amount))
    except exc.CommitOutcomeUnknownError:
        # the connection died during COMMIT: look before running it again
        with engine.connect() as conn:
            done = conn.scalar(select(payments.c.key).where(payments.c.key == key)) is not None
        if not done:
            pay(key, amount)


pay("2b6f0c1e-7d1a-4b8e-9a51-1c2d3e4f5a6b", 120)
with engine.connect() as conn:
    assert conn.execute(select(payments.c.amount)).scalars().all() == [120]
