"""Fault injection for the production profile (``make chaos``): faults, the customers'
traffic through them, and the checks that nothing was lost or doubled."""
