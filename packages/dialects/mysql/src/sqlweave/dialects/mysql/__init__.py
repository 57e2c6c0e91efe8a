"""The mysql dialect for sqlweave."""
