"""The after-sales policy: one YAML data file, the engine that applies it, and its texts.

Typical use::

    from bot.policy import ClaimFacts, describe, evaluate, load_policy

    decision = evaluate(load_policy(), facts)
"""
from bot.policy.engine import ClaimFacts, Decision, describe, evaluate, human_age
from bot.policy.model import (
    DEFAULT_PATH,
    CategoryRules,
    Policy,
    PolicyError,
    Texts,
    load_policy,
)

__all__ = [
    "DEFAULT_PATH",
    "CategoryRules",
    "ClaimFacts",
    "Decision",
    "Policy",
    "PolicyError",
    "Texts",
    "describe",
    "evaluate",
    "human_age",
    "load_policy",
]
