"""Refunds that really pay out, and compensation: the refund ledger (``ledger``), the
store balance (``balance``), coupons (``coupons``), WeChat Pay (``gateway``), the payout
job's work (``payout``), WeChat Pay's refund result notifications (``notify``) and what
customers are told (``notices``)."""
