"""Private helpers, one theme per module."""
