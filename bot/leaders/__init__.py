"""Group leaders (团长) as users of the assistant: identity, forwarded complaints, first checks."""
