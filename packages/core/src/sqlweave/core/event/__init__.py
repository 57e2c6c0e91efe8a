"""The event system: per-target runtime hooks (``event.listen(pool, "checkout", fn)``).

See :mod:`sqlweave.core.event.base` for the design and for how other packages (the ORM) add
their own Events classes.
"""

from sqlweave.core.event.api import contains, listen, listens_for, remove
from sqlweave.core.event.base import Events, dispatcher

__all__ = ["Events", "contains", "dispatcher", "listen", "listens_for", "remove"]
