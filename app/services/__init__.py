"""Business logic: load, decide (routing is pure), commit, queue notifications."""
