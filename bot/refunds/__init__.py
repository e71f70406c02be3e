"""Refunds that really pay out, and compensation: requesting a refund within its order
line's cap (``cap``), the refund ledger (``ledger``), the store balance (``balance``),
coupons (``coupons``), WeChat Pay (``gateway``), the payout job's work (``payout``), WeChat
Pay's refund result notifications (``notify``) and what customers are told (``notices``)."""
