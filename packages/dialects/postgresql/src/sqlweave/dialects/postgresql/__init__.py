"""The postgresql dialect for sqlweave."""
