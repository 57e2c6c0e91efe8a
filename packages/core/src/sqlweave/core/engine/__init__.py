"""Engine layer: URLs, engine creation, connections, pool integration and results."""
