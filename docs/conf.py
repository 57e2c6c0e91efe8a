"""Sphinx configuration for the sqlweave documentation (``python3 dev.py docs``)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

project = "sqlweave"
author = "the sqlweave authors"
copyright = "2026, the sqlweave authors"  # noqa: A001
release = version = "0.1.0"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "capabilities",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "examples", "_ext"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "alabaster"
html_static_path: list[str] = []

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"show-inheritance": True}
# the public API is documented from docstrings as written; nothing is mocked
autodoc_mock_imports: list[str] = []

# docs/reliability.md is written by the reliability work stream; until it lands the toctree entry
# for it must not fail the build.
suppress_warnings: list[str] = []
if not (HERE / "reliability.md").exists():
    suppress_warnings.append("toc.not_readable")

# The plugin guide's capability table shows the example third-party dialect next to SQLite. Where
# the example distribution is not installed, register its plugin module in-process (the same
# module its entry point names).
sys.path.insert(0, str(HERE.parent / "examples" / "third_party_dialect" / "src"))


def _register_example_dialect() -> None:
    from sqlweave.core.plugins import load_plugins, register_plugin, registry

    load_plugins()
    if registry.default_driver("sqlite_audit") is None:
        import sqlweave_sqlite_audit.plugin as example_plugin  # type: ignore[import-not-found]

        register_plugin(example_plugin, name="sqlite_audit")


_register_example_dialect()
