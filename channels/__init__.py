"""Rasa input and output channels: verify, parse, hand to Rasa; send replies."""
