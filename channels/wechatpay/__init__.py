"""WeChat Pay stand-in for tests and local trials (``fake_api``); the client itself is
``bot.refunds.gateway``."""
