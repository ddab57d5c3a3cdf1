"""The leaders' dashboard: read-only, whole (unsuppressed) figures across units."""
