"""``make eval``: NLU quality and speed on data training never sees."""
