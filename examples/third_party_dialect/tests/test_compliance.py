"""Run the sqlweave dialect compliance suite against this dialect.

``pytest --sqlweave-url=sqlite_audit://`` (the plugin is enabled in pyproject.toml's addopts).
"""

from sqlweave.core.testing.suite import *  # noqa: F403
