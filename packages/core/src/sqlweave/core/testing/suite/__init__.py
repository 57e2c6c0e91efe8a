"""The compliance suite's test classes, importable with ``from sqlweave.core.testing.suite import *``.

Each module covers one family; table names start with ``swc_`` so that the suite can share a
database with other test suites.
"""

from sqlweave.core.testing.suite.test_ddl import *  # noqa: F403
from sqlweave.core.testing.suite.test_dml import *  # noqa: F403
from sqlweave.core.testing.suite.test_errors import *  # noqa: F403
from sqlweave.core.testing.suite.test_features import *  # noqa: F403
from sqlweave.core.testing.suite.test_reflection import *  # noqa: F403
from sqlweave.core.testing.suite.test_returning import *  # noqa: F403
from sqlweave.core.testing.suite.test_select import *  # noqa: F403
from sqlweave.core.testing.suite.test_transactions import *  # noqa: F403
from sqlweave.core.testing.suite.test_types import *  # noqa: F403
