"""Profile one scenario for one contender: the same setup as run.py, the timed work under cProfile.

    python benchmarks/prof.py 3o                      # sqlweave (ORM or Core by the scenario)
    python benchmarks/prof.py 7 --contender sqlalchemy_core --top 30 --sort tottime
    python benchmarks/prof.py 4 --db postgresql --scale 0.25 --out /tmp/s4.prof

Prints the wall time of an unprofiled run first (the profile inflates Python-heavy code), then the
top functions. ``--out`` keeps the raw profile for snakeviz / pstats.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import sys
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from contenders import ALL as ALL_CONTENDERS  # noqa: E402
from contenders.sqlweave_setup import add_source_paths  # noqa: E402
from harness import DEFAULT_URLS, DROP, DbSpec, create_ddl  # noqa: E402
from run import LOCK_TIMEOUT  # noqa: E402
from scenarios import ALL as ALL_SCENARIOS  # noqa: E402


#: set while the timed work runs, so that report_gc counts only the collector's passes in it
_timed = [False]


def report_gc(run_once: Callable[[], float]) -> None:
    """Time the cycle collector's passes during the timed part of one unprofiled run."""
    passes = [0, 0, 0]
    spent = [0.0, 0.0, 0.0]
    started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if not _timed[0]:
            return
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            passes[info["generation"]] += 1
            spent[info["generation"]] += time.perf_counter() - started[0]

    gc.callbacks.append(on_gc)
    try:
        total = run_once()
    finally:
        gc.callbacks.remove(on_gc)
    print(
        f"cycle collector: {sum(spent):.4f} s of {total:.4f} s "
        f"({100 * sum(spent) / total:.0f} %); passes by generation {passes}, "
        f"seconds {[round(x, 4) for x in spent]}"
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scenario", help="variant id (3o, 9j) or number")
    p.add_argument("--contender", default="", help="default: sqlweave_orm/sqlweave_core")
    p.add_argument("--db", default="sqlite", choices=sorted(DEFAULT_URLS))
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--sort", default="tottime")
    p.add_argument("--top", type=int, default=35)
    p.add_argument("--out", default="")
    p.add_argument(
        "--gc-off", action="store_true", help="profile with the cycle collector disabled"
    )
    p.add_argument(
        "--gc", action="store_true", help="also report the cycle collector's passes and time"
    )
    args = p.parse_args()
    add_source_paths()

    s = next(x for x in ALL_SCENARIOS if x.id == args.scenario or str(x.number) == args.scenario)
    by_name = {cls.name: cls for cls in ALL_CONTENDERS}
    name = args.contender or ("sqlweave_orm" if "orm" in s.impls else "sqlweave_core")
    if s.id.endswith("c") and not args.contender:
        name = "sqlweave_core"
    c = by_name[name]()
    db = DbSpec.from_url(DEFAULT_URLS[args.db])
    c.db = db
    n = s.n(args.scale)

    def one(profiler: cProfile.Profile | None) -> float:
        c.open(db.fresh(c.name))
        try:
            c.ddl(LOCK_TIMEOUT[db.kind] + DROP + create_ddl(db.kind))
            if s.seed is not None:
                s.seed(c, n)
            thunk = s.impls[c.kind](c, n)
            gc.collect()
            t0 = time.perf_counter()
            _timed[0] = True
            if profiler is not None:
                profiler.enable()
            answer = thunk()
            if profiler is not None:
                profiler.disable()
            _timed[0] = False
            elapsed = time.perf_counter() - t0
            s.check(c, n, answer)
            c.run_deferred()
            c.ddl(DROP)
            return elapsed
        finally:
            c.close()

    one(None)  # warm caches, as the interleaved runs are
    print(f"scenario {s.id} ({s.title}), {name}, n={n}: {one(None):.4f} s unprofiled")
    if args.gc:
        report_gc(lambda: one(None))
    prof = cProfile.Profile()
    if args.gc_off:
        gc.disable()
    one(prof)
    gc.enable()
    if args.out:
        prof.dump_stats(args.out)
    pstats.Stats(prof).strip_dirs().sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
