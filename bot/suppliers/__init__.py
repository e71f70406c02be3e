"""Supplier accountability: quality incidents attributed to suppliers and batches, the
procurement alert when a supplier has too many, and the weekly report."""
