"""The plugin host: entry-point discovery, lazy loading, clear errors, in-process registration.

Import-laziness checks run in a fresh interpreter (``sys.modules`` of this test process is full of
everything the suite has imported).
"""

from __future__ import annotations

import inspect as pyinspect
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from sqlweave.core import create_engine, exc, text
from sqlweave.core.plugins import hookimpl, hookspecs, register_plugin, registry
from sqlweave.core.plugins.manager import list_plugins, unregister_plugin
from sqlweave.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlweave.dialects", "sqlweave.orm", "sqlite3", "psycopg2", "pymysql")


def _py(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, cwd=str(ROOT), env=full_env, timeout=120)


def _loaded_after(code: str) -> list[str]:
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))\n"
    proc = _py(probe)
    assert proc.returncode == 0, proc.stderr
    return list(json.loads(proc.stdout.strip().splitlines()[-1]))


# -- laziness ------------------------------------------------------------------------------------


def test_import_core_loads_no_dialect_driver_or_orm() -> None:
    mods = _loaded_after("import sqlweave.core")
    assert [m for m in mods if m.startswith(HEAVY)] == []
    # nor are the entry points read: plugins load on first use
    proc = _py("import sqlweave.core, sqlweave.core.plugins.manager as m; print(m._loaded)")
    assert proc.stdout.strip() == "False", proc.stderr


def test_import_core_does_not_import_orm_even_when_installed() -> None:
    mods = _loaded_after("import sqlweave.core, sqlweave.core.plugins, sqlweave.core.reflection")
    assert not [m for m in mods if m.startswith("sqlweave.orm")]


def test_import_orm_loads_no_dialect_or_driver() -> None:
    mods = _loaded_after("import sqlweave.orm")
    assert [m for m in mods if m.startswith(("sqlweave.dialects", "sqlite3", "psycopg2", "pymysql"))] == []
    proc = _py("import sqlweave.orm, sqlweave.core.plugins.manager as m; print(m._loaded)")
    assert proc.stdout.strip() == "False", proc.stderr


def test_loading_plugins_imports_plugin_modules_but_no_driver() -> None:
    mods = _loaded_after("from sqlweave.core.plugins import load_plugins; load_plugins()")
    assert "sqlweave.dialects.sqlite.plugin" in mods
    # plugin modules register "module:Class" strings: no DBAPI driver is imported by loading them
    assert not [m for m in mods if m.startswith(("sqlite3", "psycopg2", "pymysql", "sqlweave.orm"))]


def test_sqlite_engine_imports_no_other_driver() -> None:
    mods = _loaded_after("from sqlweave.core import create_engine; create_engine('sqlite://')")
    assert "sqlweave.dialects.sqlite.pysqlite" in mods and "sqlite3" in mods
    others = [m for m in mods if m.startswith(("psycopg2", "pymysql", "sqlweave.orm",
                                              "sqlweave.dialects.postgresql.psycopg2"))]
    assert others == []


# -- discovery -----------------------------------------------------------------------------------


def test_builtin_dialects_register_through_entry_points() -> None:
    eps = {ep.name: ep.value for ep in entry_points(group="sqlweave")}
    assert eps["sqlite"] == "sqlweave.dialects.sqlite.plugin"
    plugins = dict(list_plugins())
    assert plugins["sqlite"] == "sqlweave.dialects.sqlite.plugin"
    assert "sqlite+pysqlite" in registry.names()
    assert registry.default_driver("sqlite") == "pysqlite"
    assert registry.load("sqlite") is SQLiteDialect_pysqlite


def test_entry_point_discovery_in_a_fresh_process() -> None:
    proc = _py("""
        from sqlweave.core import create_engine, text
        e = create_engine("sqlite://")
        with e.connect() as c:
            print(type(e.dialect).__module__, c.execute(text("SELECT 6 * 7")).scalar())
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["sqlweave.dialects.sqlite.pysqlite", "42"]


def test_autoload_can_be_disabled() -> None:
    proc = _py("""
        from sqlweave.core import create_engine
        try:
            create_engine("sqlite://")
        except Exception as err:
            print(type(err).__name__)
    """, env={"SQLWEAVE_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert proc.stdout.strip() == "NoSuchModuleError", proc.stderr


# -- errors --------------------------------------------------------------------------------------


def test_unknown_dialect_names_what_is_installed() -> None:
    with pytest.raises(exc.NoSuchModuleError) as info:
        create_engine("nosuchdb://")
    msg = str(info.value)
    assert "nosuchdb" in msg
    assert "sqlite+pysqlite" in msg  # lists the installed dialects
    assert "pip install sqlweave-nosuchdb" in msg


def test_unknown_driver_names_the_registered_drivers() -> None:
    with pytest.raises(exc.NoSuchModuleError) as info:
        create_engine("sqlite+nosuchdriver://")
    msg = str(info.value)
    assert "sqlite+nosuchdriver" in msg and "pysqlite" in msg


def test_builtin_dialect_error_names_our_distribution() -> None:
    # with autoload off no dialect is registered: the message names the distribution to install
    proc = _py("""
        from sqlweave.core import create_engine
        try:
            create_engine("postgresql://u@localhost/db")
        except Exception as err:
            print(type(err).__name__, err)
    """, env={"SQLWEAVE_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert proc.stdout.startswith("NoSuchModuleError"), proc.stderr
    assert "sqlweave-postgresql" in proc.stdout


def test_registered_target_that_fails_to_import() -> None:
    registry.register("swbroken.nodriver", "sqlweave_no_such_module_xyz:Dialect")
    try:
        with pytest.raises(exc.NoSuchModuleError) as info:
            create_engine("swbroken://")
        msg = str(info.value)
        assert "swbroken+nodriver" in msg and "sqlweave_no_such_module_xyz" in msg
        assert "ModuleNotFoundError" in msg
    finally:
        registry.unregister("swbroken.nodriver")


@pytest.fixture
def broken_dist(tmp_path: Path) -> Path:
    """A real installed distribution (dist-info on sys.path) whose sqlweave entry point raises."""
    info = tmp_path / "sw_broken_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sw-broken-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[sqlweave]\nswbrokendb = sw_broken_plugin\n")
    (tmp_path / "sw_broken_plugin.py").write_text(
        "raise ImportError('the swbrokendb driver is missing')\n")
    return tmp_path


def test_broken_entry_point_gives_clear_error_and_others_still_work(broken_dist: Path) -> None:
    proc = _py("""
        from sqlweave.core import create_engine, text
        try:
            create_engine("swbrokendb://")
        except Exception as err:
            print("ERR", type(err).__name__, err)
        e = create_engine("sqlite://")
        with e.connect() as c:
            print("OK", c.execute(text("SELECT 1")).scalar())
    """, env={"PYTHONPATH": str(broken_dist)})
    assert proc.returncode == 0, proc.stderr
    err_line, ok_line = proc.stdout.strip().splitlines()
    assert err_line.startswith("ERR NoSuchModuleError")
    assert "'swbrokendb' failed to load" in err_line
    assert "ImportError: the swbrokendb driver is missing" in err_line
    assert "sqlite+pysqlite" in err_line
    assert ok_line == "OK 1"


# -- in-process registration ---------------------------------------------------------------------


class _MemDialect(SQLiteDialect_pysqlite):
    name = "swmem"
    driver = "pysqlite"


class _InProcessPlugin:
    def __init__(self) -> None:
        self.engines: list[Any] = []

    @hookimpl
    def sqlweave_register_dialects(self, registry: Any) -> None:
        registry.register("swmem.pysqlite", _MemDialect)

    @hookimpl
    def sqlweave_engine_created(self, engine: Any) -> None:
        self.engines.append(engine)


@pytest.fixture
def mem_plugin() -> Iterator[_InProcessPlugin]:
    plugin = _InProcessPlugin()
    name = register_plugin(plugin, name="sw-test-inprocess")
    assert name == "sw-test-inprocess"
    try:
        yield plugin
    finally:
        unregister_plugin("sw-test-inprocess")
        registry.unregister("swmem.pysqlite")


def test_in_process_registration(mem_plugin: _InProcessPlugin) -> None:
    engine = create_engine("swmem://")
    assert type(engine.dialect) is _MemDialect
    assert mem_plugin.engines == [engine]  # sqlweave_engine_created ran for it
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 'in process'")).scalar() == "in process"
    assert ("sw-test-inprocess", repr(mem_plugin)) in list_plugins()
    engine.dispose()


def test_unregistered_plugin_is_gone(mem_plugin: _InProcessPlugin) -> None:
    unregister_plugin("sw-test-inprocess")
    registry.unregister("swmem.pysqlite")
    with pytest.raises(exc.NoSuchModuleError):
        create_engine("swmem://")


# -- hook specifications -------------------------------------------------------------------------


def _hookspecs() -> list[Any]:
    return [fn for name, fn in pyinspect.getmembers(hookspecs, pyinspect.isfunction)
            if hasattr(fn, "sqlweave_spec")]


def test_every_hookspec_has_a_docstring() -> None:
    specs = _hookspecs()
    assert {fn.__name__ for fn in specs} >= {"sqlweave_register_dialects", "sqlweave_engine_created"}
    for fn in specs:
        assert fn.__doc__ and len(fn.__doc__.strip()) > 40, fn.__name__


def test_every_hookspec_is_documented_in_the_docs() -> None:
    docs = "\n".join(p.read_text() for p in (ROOT / "docs").rglob("*.md"))
    for fn in _hookspecs():
        assert fn.__name__ in docs, f"{fn.__name__} is not mentioned in docs/"
