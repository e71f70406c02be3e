"""Rasa action server: thin adapters from the dialogue to the services in ``bot``."""
