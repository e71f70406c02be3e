"""Handing a conversation to a human agent and back (tickets, queue, wait, summary)."""
