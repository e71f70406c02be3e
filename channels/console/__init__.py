"""The agent desk (web console) served by the Rasa server under ``/console/``: sign-in,
the live queue, the conversation view, replies through Rasa and case decisions.
Listed in ``credentials.yml`` as ``channels.console.ConsoleInput``."""
from channels.console.input import ConsoleInput

__all__ = ["ConsoleInput"]
