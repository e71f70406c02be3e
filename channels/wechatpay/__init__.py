"""WeChat Pay: the refund result notification URL (``notify``, a Rasa input channel in
credentials.yml), its wire format (``wire``) and a stand-in for tests and local trials
(``fake_api``); the refund API client itself is ``bot.refunds.gateway``."""
