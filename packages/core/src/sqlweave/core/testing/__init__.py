"""The dialect compliance suite: a pytest plugin any dialect package can run against its database.

Run it against a URL::

    pytest -p sqlweave.core.testing.plugin --sqlweave-url=sqlite:// --pyargs sqlweave.core.testing.suite

or import the test classes into a test module of your own package
(``from sqlweave.core.testing.suite import *``) and pass ``-p sqlweave.core.testing.plugin
--sqlweave-url=...``. Tests are skipped only where the dialect's capability flags say it lacks a
feature (``insert_returning``, ``supports_savepoints`` ...), never by database name.

Every fixture and marker the plugin adds is prefixed ``sw_`` so that it cannot clash with a
project's own ``engine`` / ``metadata`` / ``connection`` fixtures.
"""

from sqlweave.core.testing.fixtures import ComplianceTest, requires

__all__ = ["ComplianceTest", "requires"]
