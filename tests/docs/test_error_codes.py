"""Every error code sqlweave can put in a message has its own anchor on docs/errors.md."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from sqlweave.core import exc

ROOT = Path(__file__).resolve().parents[2]
ERRORS_PAGE = ROOT / "docs" / "errors.md"
_CODE_IN_SOURCE = re.compile(r"""\bcode\s*=\s*["']([a-z0-9]{4})["']""")


def _codes_in_source() -> set[str]:
    codes: set[str] = set()
    for src in (ROOT / "packages").glob("**/src/sqlweave/**/*.py"):
        codes.update(_CODE_IN_SOURCE.findall(src.read_text()))
    return codes


def _codes_of_exception_classes() -> set[str]:
    return {cls.code for _, cls in inspect.getmembers(exc, inspect.isclass)
            if issubclass(cls, exc.SqlweaveError) and cls.code}


def test_every_error_code_has_an_anchor() -> None:
    page = ERRORS_PAGE.read_text()
    anchors = set(re.findall(r"^\(([a-z0-9]+)\)=$", page, re.M))
    codes = _codes_in_source() | _codes_of_exception_classes()
    assert {"gkpj", "8s2b", "cd3x", "e3q8"} <= codes  # the scan finds what we know is there
    assert sorted(codes - anchors) == []


def test_error_message_points_at_its_code() -> None:
    err = exc.IntegrityError("INSERT ...", (1,), Exception("duplicate"))
    assert str(err).endswith("(sqlweave error code: gkpj)")
