"""The public statistics page and its open-data CSV (aggregates only)."""
