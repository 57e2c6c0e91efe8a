"""Every scenario, in issue order. Ids with a suffix split one issue scenario into variants:
``o`` ORM, ``c`` Core, ``s`` selectinload, ``j`` joinedload."""

from __future__ import annotations

from harness import Scenario
from scenarios import imports, inserts, lookups, relations, selects, writes

ALL: list[Scenario] = sorted(
    [
        *inserts.SCENARIOS,
        *selects.SCENARIOS,
        *lookups.SCENARIOS,
        *writes.SCENARIOS,
        *relations.SCENARIOS,
        *imports.SCENARIOS,
    ],
    key=lambda s: s.number,  # stable: variants keep their module order
)
