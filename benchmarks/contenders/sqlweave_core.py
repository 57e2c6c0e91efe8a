"""sqlweave Core, through the same code as SQLAlchemy Core (the APIs are identical)."""

from contenders.sa_style import SAStyle
from contenders.sqlweave_setup import ensure_dialects


class SqlweaveCore(SAStyle):
    name = "sqlweave_core"
    kind = "core"
    is_sqlweave = True
    core_module = "sqlweave.core"
    orm_module = "sqlweave.orm"

    def _load(self) -> None:
        ensure_dialects()
        super()._load()
