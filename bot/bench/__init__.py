"""Performance measurements printed by ``make bench`` (figures, never pass/fail)."""
