"""Personal data hidden from leads by default: phone numbers and street addresses.

Masking keeps enough to recognise a case (a phone's first three and last four digits, the
district and road of an address) and hides what identifies a home.
"""
from __future__ import annotations

import re

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?(\d{3,4})(\d{4})(?!\d)")
# A house number after a road, or building/unit/room numbers: "幸福路88号", "3栋2单元501室".
_ADDRESS = re.compile(
    r"(?:(?:(?<=[路街道巷弄里])\d+(?:[-—]\d+)?号(?:院|楼)?)"
    r"|(?:\d+(?:号楼|栋|幢|座|单元|楼|层|室|号房|房)))+"
)


def mask_phone(text: str) -> str:
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}",
                         _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text))


def mask(text: str) -> str:
    """``text`` with phone numbers and house/building/room numbers hidden."""
    return _ADDRESS.sub("**", mask_phone(text))
