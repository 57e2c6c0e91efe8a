"""sqlweave ORM, through the same code as the SQLAlchemy ORM (the APIs are identical)."""

from contenders.sa_style import SAStyle
from contenders.sqlweave_setup import ensure_dialects


class SqlweaveORM(SAStyle):
    name = "sqlweave_orm"
    kind = "orm"
    is_sqlweave = True
    core_module = "sqlweave.core"
    orm_module = "sqlweave.orm"

    def _load(self) -> None:
        ensure_dialects()
        super()._load()
