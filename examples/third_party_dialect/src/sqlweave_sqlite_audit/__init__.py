"""sqlweave-sqlite-audit: an example third-party dialect (SQLite that tags and records statements).

Importing this package imports nothing from sqlweave; the dialect lives in
:mod:`sqlweave_sqlite_audit.dialect` and is imported the first time a ``sqlite_audit://`` URL is
used.
"""

__version__ = "0.1.0"
