"""Side-by-side benchmarks: raw DBAPI, sqlweave, SQLAlchemy 2.0 and peewee, interleaved.

    python benchmarks/run.py [--db sqlite|sqlite-file|postgresql|mysql] [--url URL]
                             [--scenarios 1,2,5] [--contenders raw,peewee] [--repeat N]
                             [--scale 0.1] [--json out.json] [--markdown out.md]

Exit status 1 if any contender gave a wrong answer or a peer failed; a sqlweave contender that
cannot run a scenario yet is reported as "n/a (...)" and does not fail the run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import tracemalloc
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from contenders import ALL as ALL_CONTENDERS  # noqa: E402
from contenders import Contender  # noqa: E402
from contenders.sqlweave_setup import REPO, add_source_paths  # noqa: E402
from harness import DEFAULT_URLS, DROP, DbSpec, Scenario, WrongAnswer, create_ddl  # noqa: E402
from scenarios import ALL as ALL_SCENARIOS  # noqa: E402
from scenarios.imports import ChildFailed  # noqa: E402

# Keeps a contender that failed half-way (a lock left behind) from hanging the next one's DROP.
LOCK_TIMEOUT = {
    "sqlite": [],
    "postgresql": ["SET lock_timeout = '20s'"],
    "mysql": ["SET SESSION lock_wait_timeout = 20"],
}


@dataclass
class Result:
    scenario: str
    title: str
    n: int
    contender: str
    status: str = "ok"  # ok | n/a | error | wrong
    message: str = ""
    times: list[float] = field(default_factory=list)
    peak_mib: float | None = None  # tracemalloc peak of one run at n
    peak_mib_tenth: float | None = None  # ... and at n / 10: "flat in row count" if about equal
    x_raw: float | None = None
    x_best_peer: float | None = None

    @property
    def min(self) -> float | None:
        return min(self.times) if self.times and self.status == "ok" else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times and self.status == "ok" else None


class RunTimeout(Exception):
    """One run took longer than --timeout seconds (a hang in Python code, say)."""


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Raise RunTimeout in the main thread after ``seconds`` (Unix; no limit elsewhere or if 0)."""
    if not seconds or not hasattr(signal, "SIGALRM"):
        yield
        return

    def on_alarm(_sig: int, _frame: object) -> None:
        raise RunTimeout(f"no result after {seconds} s (--timeout)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_once(c: Contender, s: Scenario, n: int, db: DbSpec, memory: bool) -> tuple[float, int]:
    """Set up a fresh schema, time one run, check its answer, tear down. (seconds, peak bytes)."""
    if not s.needs_db:
        thunk = s.impls[c.kind](c, n)
        t0 = time.perf_counter()
        answer = thunk()
        elapsed = time.perf_counter() - t0
        s.check(c, n, answer)
        return (float(answer) if s.self_timed else elapsed), 0
    c.open(db.fresh(c.name))
    ok = False
    try:
        c.ddl(LOCK_TIMEOUT[db.kind] + DROP + create_ddl(db.kind))
        if s.seed is not None:
            s.seed(c, n)
        thunk = s.impls[c.kind](c, n)
        gc.collect()
        peak = 0
        if memory:
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
        try:
            t0 = time.perf_counter()
            answer = thunk()
            elapsed = time.perf_counter() - t0
            if memory:
                peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            if memory:
                tracemalloc.stop()
        s.check(c, n, answer)
        c.run_deferred()
        c.ddl(DROP)
        ok = True
        return elapsed, peak
    finally:
        if not ok:  # keep the first error; the next run's setup drops the tables anyway
            try:
                c.run_deferred()
            except Exception:
                pass
            gc.collect()  # let leaked connections close so they hold no locks on the tables
        try:
            c.close()
        except Exception:
            if ok:
                raise


def first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    msg = text[0] if text else ""
    if len(msg) > 160:  # the table stays readable; -v prints the whole traceback
        msg = msg[:157] + "..."
    if isinstance(err, ChildFailed):
        return msg
    return f"{type(err).__name__}: {msg}" if msg else type(err).__name__


def run_scenario(
    s: Scenario, contenders: list[Contender], args: argparse.Namespace, db: DbSpec
) -> list[Result]:
    n = s.n(args.scale)
    todo = [c for c in contenders if c.kind in s.impls]
    results = {c.name: Result(s.id, s.title, n, c.name) for c in todo}
    for rep in range(args.repeat):
        k = rep % len(todo)
        for c in todo[k:] + todo[:k]:  # rotate the order every repeat
            r = results[c.name]
            if r.status != "ok":
                continue
            try:
                with time_limit(args.timeout):
                    seconds, _ = run_once(c, s, n, db, memory=False)
                r.times.append(seconds)
            except WrongAnswer as err:
                r.status, r.message = "wrong", first_line(err)
            except Exception as err:
                r.status = "n/a" if c.is_sqlweave else "error"
                r.message = first_line(err)
                if args.verbose or not c.is_sqlweave:
                    traceback.print_exc(file=sys.stderr)
    if s.measure_memory:
        for c in todo:  # two more, untimed runs under tracemalloc: at n and at n / 10
            r = results[c.name]
            if r.status == "ok":
                try:
                    r.peak_mib = run_once(c, s, n, db, memory=True)[1] / 2**20
                    tenth = max(1, n // 10)
                    r.peak_mib_tenth = run_once(c, s, tenth, db, memory=True)[1] / 2**20
                except WrongAnswer as err:
                    r.status, r.message = "wrong", first_line(err)
                except Exception as err:
                    r.status = "n/a" if c.is_sqlweave else "error"
                    r.message = first_line(err)
    out = list(results.values())
    by_name = {c.name: c for c in todo}
    raw = results.get("raw")
    peers = [r.median for r in out if by_name[r.contender].is_peer and r.median is not None]
    for r in out:
        if r.median is None:
            continue
        if raw is not None and raw.median:
            r.x_raw = r.median / raw.median
        if peers:
            r.x_best_peer = r.median / min(peers)
    return out


# --------------------------------------------------------------------------------------------
# Report


def machine_info(db: DbSpec, contenders: list[Contender]) -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            models = [ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")]
        cpu = models[0] if models else cpu
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", REPO, "status", "--porcelain", "packages"], capture_output=True, text=True
        ).stdout.strip()
        if dirty:  # others work in the same tree: say that the code measured is not a commit
            commit += " + uncommitted changes under packages/"
    except OSError:
        commit = ""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "database": db.kind
        + (
            " (file)"
            if db.kind == "sqlite" and db.database
            else " (memory)"
            if db.kind == "sqlite"
            else ""
        ),
        "server": server_version(db),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": f"{os.cpu_count()} cores, {cpu}",
        "versions": {c.name: v for c in contenders if (v := safe_version(c))},
        "sqlweave_commit": commit,
    }


def safe_version(c: Contender) -> str:
    try:
        return c.version()
    except Exception:
        return ""


def server_version(db: DbSpec) -> str:
    from contenders.raw import connect

    conn = connect(db.fresh("version"))
    try:
        cur = conn.cursor()
        cur.execute("SELECT sqlite_version()" if db.kind == "sqlite" else "SELECT version()")
        return str(cur.fetchone()[0]).split(" on ")[0]
    finally:
        conn.close()


def fmt(x: float | None, spec: str) -> str:
    return "" if x is None else format(x, spec)


def markdown(results: list[Result], meta: dict[str, Any], scale: float, repeat: int) -> str:
    """The report: a header, one summary line per scenario, then every contender's details."""
    head = [
        f"- date: {meta['date']}; database: {meta['database']} {meta['server']}; "
        f"scale {scale}; repeat {repeat} (order rotated each repeat)",
        f"- machine: {meta['cpu']}; Python {meta['python']}; {meta['platform']}",
        "- versions: "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
        + f"; sqlweave at commit {meta['sqlweave_commit']}",
        "",
    ]
    return "\n".join(head + summary(results) + ["", "Details:", ""] + details(results)) + "\n"


def _cell(r: Result | None, with_peer: bool = False) -> str:
    if r is None:
        return "–"
    if r.status != "ok":
        label = {"n/a": "n/a", "error": "ERROR", "wrong": "WRONG ANSWER"}[r.status]
        return f"{label} ({r.message.split(':')[0]})"
    text = f"{r.median:.4f} ({r.x_raw:.1f}×" if r.x_raw is not None else f"{r.median:.4f} (–"
    if with_peer and r.x_best_peer is not None:
        text += f", {r.x_best_peer:.2f}× peer"
    text += ")"
    if r.peak_mib is not None:
        text += f", {r.peak_mib:.2f} MiB"
    return text


def summary(results: list[Result]) -> list[str]:
    """One line per scenario: median seconds (× raw); sqlweave also × the best peer."""
    lines = [
        "| # | scenario | n | raw DBAPI s | sqlweave s (× raw, × best peer) "
        "| SQLAlchemy s (× raw) | peewee s (× raw) |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    by_scenario: dict[str, dict[str, Result]] = {}
    for r in results:
        by_scenario.setdefault(r.scenario, {})[r.contender.split("_")[0]] = r
    for sid, row in by_scenario.items():
        any_r = next(iter(row.values()))
        lines.append(
            f"| {sid} | {any_r.title} | {any_r.n} | {_cell(row.get('raw'))} "
            f"| {_cell(row.get('sqlweave'), with_peer=True)} | {_cell(row.get('sqlalchemy'))} "
            f"| {_cell(row.get('peewee'))} |"
        )
    return lines


def details(results: list[Result]) -> list[str]:
    lines = [
        "| # | contender | min s | median s | × raw | × best peer | peak MiB (n ÷ 10 → n) |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        if r.status == "ok":
            cells = [
                fmt(r.min, ".4f"),
                fmt(r.median, ".4f"),
                fmt(r.x_raw, ".2f"),
                fmt(r.x_best_peer, ".2f"),
                f"{r.peak_mib_tenth:.2f} → {r.peak_mib:.2f}"
                if r.peak_mib is not None and r.peak_mib_tenth is not None
                else "",
            ]
        else:
            label = {"n/a": "n/a", "error": "ERROR", "wrong": "WRONG ANSWER"}[r.status]
            cells = [f"{label} ({r.message})", "", "", "", ""]
        lines.append(f"| {r.scenario} | {r.contender} | " + " | ".join(cells) + " |")
    return lines


def report_from_json(path: str) -> str:
    """Render the report of an earlier run from its --json file."""
    with open(path) as fh:
        data = json.load(fh)
    fields = set(Result.__dataclass_fields__)
    results = [Result(**{k: v for k, v in r.items() if k in fields}) for r in data["results"]]
    return markdown(results, data["meta"], data["scale"], data["repeat"])


# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--db", choices=["sqlite", "sqlite-file", "postgresql", "mysql"], default="sqlite"
    )
    p.add_argument(
        "--url",
        help="database URL overriding the --db default "
        "(e.g. postgresql://postgres@127.0.0.1:5432/test)",
    )
    p.add_argument(
        "--scenarios",
        default="",
        help="comma-separated numbers or ids (1,2,5 or 3o,9j); default all",
    )
    p.add_argument("--contenders", default="", help="comma-separated names; default all")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument(
        "--timeout", type=int, default=600, help="seconds one run may take (0: no limit)"
    )
    p.add_argument("--scale", type=float, default=1.0, help="multiplies every row count")
    p.add_argument("--json", help="write results and machine info as JSON")
    p.add_argument("--markdown", help="write the Markdown report to this file too")
    p.add_argument(
        "--importtime",
        metavar="DIR",
        help="scenario 12: also write each contender's -X importtime log into DIR",
    )
    p.add_argument(
        "--report-from", metavar="JSON", help="print the report of an earlier --json run"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="tracebacks for sqlweave n/a")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report_from:
        print(report_from_json(args.report_from), end="")
        return 0
    add_source_paths()
    if args.url:
        db = DbSpec.from_url(args.url)
    elif args.db == "sqlite-file":
        db = DbSpec(
            "sqlite", database=os.path.join(tempfile.mkdtemp(prefix="sqlweave-bench-"), "bench")
        )
    else:
        db = DbSpec.from_url(DEFAULT_URLS[args.db])
    wanted = {w.strip() for w in args.scenarios.split(",") if w.strip()}
    scenarios = [
        s for s in ALL_SCENARIOS if not wanted or s.id in wanted or str(s.number) in wanted
    ]
    names = {w.strip() for w in args.contenders.split(",") if w.strip()}
    contenders = [cls() for cls in ALL_CONTENDERS if not names or cls.name in names]
    for c in contenders:
        c.db = db
    if args.importtime:
        os.makedirs(args.importtime, exist_ok=True)
        for c in contenders:
            c.importtime_log = os.path.join(args.importtime, f"{c.name}.txt")  # type: ignore[attr-defined]
    meta = machine_info(db, contenders)

    results: list[Result] = []
    for s in scenarios:
        print(f"[{s.id}] {s.title} (n={s.n(args.scale)})", file=sys.stderr, flush=True)
        results.extend(run_scenario(s, contenders, args, db))
    report = markdown(results, meta, args.scale, args.repeat)
    print(report)
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(report)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                {
                    "meta": meta,
                    "scale": args.scale,
                    "repeat": args.repeat,
                    "results": [asdict(r) | {"min": r.min, "median": r.median} for r in results],
                },
                fh,
                indent=2,
            )
    bad = [r for r in results if r.status in ("error", "wrong")]
    for r in bad:
        print(
            f"FAILED: scenario {r.scenario} {r.contender}: {r.status}: {r.message}", file=sys.stderr
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
