"""Test configuration: the database under test comes from ``--db`` (or SQLWEAVE_TEST_DB)."""

pytest_plugins = ("tests.fix_db",)
