"""The XML WeChat posts: size limit, no DTDs or entities, parsed into wechatpy messages."""
from __future__ import annotations

import re
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy import parse_message
from wechatpy.messages import BaseMessage

MAX_BODY_BYTES = 64 * 1024
# WeChat never sends a document type; a DTD is how entity expansion ("billion laughs")
# and external entities get in, so any declaration is refused before parsing.
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)


class Malformed(ValueError):
    """The body is not a WeChat message we can read (answer 400, process nothing)."""


class TooLarge(Malformed):
    """The body is larger than any WeChat message (answer 413)."""


def checked_text(body: bytes | str, limit: int = MAX_BODY_BYTES) -> str:
    """The body as text, once it is within ``limit`` bytes, not empty, free of DTD or
    entity declarations and UTF-8 (WeChat Pay's notifications are read the same way).

    Raises:
        TooLarge: over ``limit`` bytes.
        Malformed: empty, a declaration, or not UTF-8.
    """
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if len(raw) > limit:
        raise TooLarge(f"body of {len(raw)} bytes exceeds {limit}")
    if not raw.strip():
        raise Malformed("empty body")
    if _DECLARATION.search(raw):
        raise Malformed("XML declarations (DOCTYPE/ENTITY) are not accepted")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Malformed(f"body is not UTF-8: {error}") from error


def parse_fields(body: bytes | str) -> dict[str, Any]:
    """The children of the ``<xml>`` root as a dict (used for the encrypted envelope).

    Raises:
        Malformed: too large, a DTD, not XML, or no ``<xml>`` root.
    """
    text = checked_text(body)
    try:
        document = xmltodict.parse(text, disable_entities=True)
    except (ExpatError, ValueError) as error:
        raise Malformed(f"not well-formed XML: {error}") from error
    fields = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(fields, dict):
        raise Malformed("no <xml> root element with fields")
    return fields


def parse(body: bytes | str) -> BaseMessage:
    """A wechatpy message (``UnknownMessage`` for types wechatpy does not know).

    Raises:
        Malformed: the body is not a readable WeChat message.
    """
    fields = parse_fields(body)
    for required in ("MsgType", "FromUserName"):
        if not isinstance(fields.get(required), str) or not fields[required].strip():
            raise Malformed(f"missing or invalid {required}")
    if "Event" in fields and not isinstance(fields["Event"], str):
        raise Malformed("invalid Event")
    try:
        # The checks above already ran on this text; wechatpy parses it into its classes.
        return parse_message(checked_text(body))
    except (ExpatError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise Malformed(f"not a WeChat message: {error}") from error
