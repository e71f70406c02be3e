"""Figures for support leads' dashboard, read with a session the caller passes in.

Every function takes a ``Period`` (``bot.metrics.period``: whole days in the service
time zone) and queries with bound parameters only; ``bot.metrics.dashboard`` gathers
them. Definitions are in the README section "Metrics dashboard".
"""
