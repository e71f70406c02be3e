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

_applied: set[str] = set()


class _ResponseCheck:
    """Validates like ``schema``; valid responses are recognised without trying every
    ``oneOf`` alternative of every event."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.full = _validator(schema)
        self.top, self.by_event = _split_by_event(schema)

    def first_error(self, result: dict[str, Any]) -> Any:
        """The error Rasa's own check reports first, or ``None``."""
        from jsonschema.exceptions import best_match

        if self.by_event is not None and self._quickly_valid(result):
            return None
        return best_match(self.full.iter_errors(result))

    def _quickly_valid(self, result: dict[str, Any]) -> bool:
        if not self.top.is_valid(result):
            return False
        for event in result.get("events") or ():
            name = event.get("event") if isinstance(event, dict) else None
            check = self.by_event.get(name) if isinstance(name, str) else None
            if check is None or not check.is_valid(event):
                return False
        return True


def _validator(schema: dict[str, Any]) -> Any:
    from jsonschema.validators import validator_for

    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would on every call
    return cls(schema)


def _split_by_event(schema: dict[str, Any]) -> tuple[Any, dict[str, Any] | None]:
    """The response schema without its events' ``oneOf``, and one validator per event type
    (``None`` when the schema is not shaped as expected: then every check is in full)."""
    import copy

    try:
        events = schema["properties"]["events"]
        event = events["items"]
        alternatives = event["oneOf"]
        names = [alternative["properties"]["event"]["const"] for alternative in alternatives]
    except (KeyError, TypeError):
        return _validator(schema), None
    if len(set(names)) != len(names):
        return _validator(schema), None
    common = {key: value for key, value in event.items() if key != "oneOf"}
    by_event = {name: _validator({**common, "allOf": [alternative]})
                for name, alternative in zip(names, alternatives)}
    top = copy.deepcopy(schema)
    top["properties"]["events"] = {key: value for key, value in events.items()
                                   if key != "items"}
    return _validator(top), by_event


@lru_cache(maxsize=8)
def _check(schema_json: str) -> _ResponseCheck:
    import json

    return _ResponseCheck(json.loads(schema_json))


def fast_action_validation() -> None:
    """Replaces ``RemoteAction._validate_action_result`` with the quicker check
    (idempotent)."""
    if "actions" in _applied:
        return
    import json

    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        check = _check(json.dumps(self.action_response_format_spec(), sort_keys=True))
        error = check.first_error(result)
        if error is not None:
            error.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions")
            raise error
        return True

    RemoteAction._validate_action_result = _validate_action_result
    _applied.add("actions")


def fast_event_types() -> None:
    """Replaces ``Event.resolve_by_type`` with one that remembers the classes it found
    (idempotent)."""
    if "events" in _applied:
        return
    from rasa.shared.core.events import Event

    resolve = Event.resolve_by_type
    found: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None
                        ) -> type[Event] | None:
        cls = found.get(type_name)
        if cls is None:
            cls = resolve(type_name, default)
            if cls is not None and cls.type_name == type_name:
                found[type_name] = cls
        return cls

    Event.resolve_by_type = staticmethod(resolve_by_type)
    _applied.add("events")


def main(argv: list[str] | None = None) -> None:
    fast_action_validation()
    fast_event_types()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
