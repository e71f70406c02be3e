"""``python -m bot.rasa_server run …``: Rasa's command line (``python -m rasa``) with one
fix for throughput, applied before Rasa starts.

Rasa 3.6 checks every action server response against its response schema with
``jsonschema.validate``, which first checks the *schema itself* against the JSON Schema
meta-schema — on every call. With forms, a customer message makes three or four action
server calls, and under load that meta-schema check was 40% of the Rasa process's CPU
(``make bench``'s profile). ``fast_action_validation`` validates against the same schema
with a validator built once: the same responses pass and fail, with the same errors.
``bot.launcher`` starts Rasa through this module (``make run``, ``make run-prod``, the
containers of deploy/); plain ``rasa run`` works as before, only slower.
"""
from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any

_applied = False


@lru_cache(maxsize=8)
def _validator(schema_json: str) -> Any:
    import json

    from jsonschema.validators import validator_for

    schema = json.loads(schema_json)
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would on every call
    return cls(schema)


def fast_action_validation() -> None:
    """Replaces ``RemoteAction._validate_action_result`` with a cached-validator version
    (idempotent)."""
    global _applied
    if _applied:
        return
    import json

    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        validator = _validator(json.dumps(self.action_response_format_spec(), sort_keys=True))
        error = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions")
            raise error
        return True

    RemoteAction._validate_action_result = _validate_action_result
    _applied = True


def main(argv: list[str] | None = None) -> None:
    fast_action_validation()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
