"""Scenario 12: cold import in a fresh interpreter (the driver module is the raw floor)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from contenders.sqlweave_setup import pythonpath
from harness import Scenario, WrongAnswer

Thunk = Callable[[], Any]

CHILD = (
    "import time, sys\n"
    "t0 = time.perf_counter()\n"
    "import {module}\n"
    "t1 = time.perf_counter()\n"
    "for name in {names!r}:\n"  # after the clock stops: lazy attributes may load here
    "    getattr(sys.modules['{module}'], name)\n"
    "print(repr(t1 - t0), '{module}' in sys.modules)\n"
)

#: The public API a layer must offer for its import time to count (a stub package imports fast).
API = {
    "sqlweave.core": ("create_engine", "select", "insert", "Table", "Column", "text"),
    "sqlweave.orm": ("Session", "DeclarativeBase", "Mapped", "mapped_column", "relationship"),
    "sqlalchemy": ("create_engine", "select", "insert", "Table", "Column", "text"),
    "sqlalchemy.orm": ("Session", "DeclarativeBase", "Mapped", "mapped_column", "relationship"),
}


class ChildFailed(Exception):
    """The child interpreter failed; the message is the last line of its traceback."""


_warmed: set[str] = set()


def import_time(module: str, importtime_log: str | None = None) -> float:
    """Seconds ``import module`` takes in a fresh interpreter (measured inside the child).

    Every contender is measured with its bytecode cached, as an installed package has it: the
    peers' wheels come with .pyc files, while sqlweave runs from its source tree, so one warm-up
    child (with ``PYTHONDONTWRITEBYTECODE`` cleared) writes sqlweave's before the first timing.
    """
    env = dict(os.environ, PYTHONPATH=pythonpath())
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if module not in _warmed:
        _warmed.add(module)
        subprocess.run([sys.executable, "-c", f"import {module}"], env=env, capture_output=True, timeout=120)
    cmd = [sys.executable]
    if importtime_log:
        cmd += ["-X", "importtime"]
    proc = subprocess.run(
        [*cmd, "-c", CHILD.format(module=module, names=API.get(module, ()))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        lines = [
            ln
            for ln in proc.stderr.strip().splitlines()
            if ln and not ln.startswith("import time:")
        ]
        raise ChildFailed(lines[-1] if lines else f"exit status {proc.returncode}")
    if importtime_log:
        with open(importtime_log, "w") as fh:
            fh.write(proc.stderr)
    seconds, loaded = proc.stdout.split()
    if loaded != "True":
        raise WrongAnswer(f"{module} is not in sys.modules after importing it")
    return float(seconds)


def _check(_c: Any, _n: int, answer: Any) -> None:
    if not (isinstance(answer, float) and answer > 0):
        raise WrongAnswer(f"import time {answer!r}")


S12c = Scenario(
    "12c",
    "cold import, Core layer (raw: the driver)",
    1,
    check=_check,
    needs_db=False,
    self_timed=True,
)
S12o = Scenario(
    "12o",
    "cold import, ORM layer (raw: the driver)",
    1,
    check=_check,
    needs_db=False,
    self_timed=True,
)


def _layer(layer: str) -> Callable[[Any, int], Thunk]:
    def prepare(c: Any, _n: int) -> Thunk:
        return lambda: import_time(c.import_target(layer), getattr(c, "importtime_log", None))

    return prepare


S12c.impl("raw", "core", "peewee")(_layer("core"))
S12o.impl("raw", "orm", "peewee")(_layer("orm"))

SCENARIOS = [S12c, S12o]
