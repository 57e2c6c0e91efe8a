"""Base class and capability checks shared by the compliance suite's test classes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest

F = TypeVar("F", bound=Callable[..., Any])

#: The marker the suite uses to declare the capability flags a test needs.
MARKER = "sw_requires"


def requires(*flags: str) -> Callable[[F], F]:
    """Mark a test (or a test class) as needing every capability flag in ``flags``.

    The flags are attributes of the dialect (``insert_returning``, ``supports_savepoints`` ...),
    read after the first connection so that version-dependent flags are known.
    """
    mark: Callable[[F], F] = getattr(pytest.mark, MARKER)(*flags)
    return mark


def missing_capabilities(dialect: Any, flags: tuple[str, ...]) -> list[str]:
    """The flags in ``flags`` that ``dialect`` does not set to a true value."""
    return [f for f in flags if not getattr(dialect, f, False)]


class ComplianceTest:
    """Base of every compliance test class: skips a test whose ``sw_requires`` flags the dialect
    under test lacks.

    The check is an autouse fixture defined on this class, so it applies to the suite's classes
    only and never to the rest of a project that loads the plugin.
    """

    @pytest.fixture(autouse=True)
    def _sw_capabilities(self, request: Any, sw_engine: Any) -> None:
        flags: list[str] = []
        for mark in request.node.iter_markers(MARKER):
            flags.extend(mark.args)
        missing = missing_capabilities(sw_engine.dialect, tuple(flags))
        if missing:
            pytest.skip(f"the {sw_engine.dialect.name} dialect lacks {', '.join(sorted(set(missing)))}")
