"""sqlweave ORM (in progress)."""
