"""What WeChat Pay (API v2) posts to the refund result notification URL, on the wire.

A notification is XML::

    <xml><return_code>SUCCESS</return_code><appid>…</appid><mch_id>…</mch_id>
         <nonce_str>…</nonce_str><req_info>…</req_info></xml>

It carries no signature: ``req_info`` is what only WeChat Pay and the merchant can make,
base64 of the AES-256-ECB (PKCS#7) encryption of an XML ``<root>`` with the refund's
fields, keyed by the lowercase hex MD5 of the merchant API key. A body that does not
decrypt with our key is not WeChat Pay's.

Parsing is defensive and shares the Official Account callbacks' checks and errors
(``channels.wechat.wire.checked_text``, ``Malformed``, ``TooLarge``): a size limit, no DTD
or entity declarations (refused before any parser sees them), and entities disabled in the
parser; padding is checked strictly, so a wrong key fails as
``Undecryptable`` instead of yielding garbage.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from channels.wechat.wire import Malformed, TooLarge, checked_text  # noqa: F401 (TooLarge: re-exported for callers)

# A real notification is well under 2 KB.
MAX_BODY_BYTES = 16 * 1024
_BLOCK_BITS = 128


class Undecryptable(ValueError):
    """``req_info`` does not decrypt with our key: not from WeChat Pay (or another
    merchant's)."""


def parse_fields(body: bytes | str, root: str = "xml",
                 limit: int = MAX_BODY_BYTES) -> dict[str, str]:
    """The text children of the ``root`` element; nested elements are refused.

    Raises:
        TooLarge: over ``limit`` bytes.
        Malformed: empty, a DTD, not well-formed, another root, or a field that is not text.
    """
    text = checked_text(body, limit)
    try:
        document = xmltodict.parse(text, disable_entities=True)
    except (ExpatError, ValueError) as error:
        raise Malformed(f"not well-formed XML: {error}") from error
    fields = document.get(root) if isinstance(document, dict) else None
    if not isinstance(fields, dict):
        raise Malformed(f"no <{root}> root element with fields")
    out: dict[str, str] = {}
    for name, value in fields.items():
        if value is None:
            out[name] = ""
        elif isinstance(value, str):
            out[name] = value.strip()
        else:
            raise Malformed(f"<{name}> is not a text field")
    return out


def _cipher(api_key: str) -> Cipher:
    key = hashlib.md5(api_key.encode("utf-8")).hexdigest().encode("ascii")
    return Cipher(algorithms.AES(key), modes.ECB())  # WeChat Pay's scheme, not our choice


def decrypt_req_info(req_info: str, api_key: str) -> bytes:
    """The plaintext inside ``req_info``.

    Raises:
        Undecryptable: not base64, not whole AES blocks, or bad padding (another key).
    """
    try:
        data = base64.b64decode("".join(req_info.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise Undecryptable(f"req_info is not base64: {error}") from error
    if not data or len(data) % (_BLOCK_BITS // 8):
        raise Undecryptable(f"req_info is not whole AES blocks ({len(data)} bytes)")
    decryptor = _cipher(api_key).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(_BLOCK_BITS).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError as error:
        raise Undecryptable("req_info does not decrypt with the merchant key") from error


def encrypt_req_info(plain: bytes | str, api_key: str) -> str:
    """``req_info`` as WeChat Pay makes it (used by the fake WeChat Pay)."""
    raw = plain.encode("utf-8") if isinstance(plain, str) else plain
    padder = padding.PKCS7(_BLOCK_BITS).padder()
    padded = padder.update(raw) + padder.finalize()
    encryptor = _cipher(api_key).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")


def read_req_info(req_info: str, api_key: str) -> tuple[dict[str, str], str]:
    """The refund's fields inside ``req_info`` and a digest of the plaintext (the same
    notification sent twice has the same digest).

    Raises:
        Undecryptable: it does not decrypt with our key to a ``<root>`` of text fields.
    """
    plain = decrypt_req_info(req_info, api_key)
    try:
        fields = parse_fields(plain, "root")
    except Malformed as error:
        # With a wrong key or a tampered ciphertext the padding can still come out
        # right by chance (about 1 in 256): the plaintext is then garbage.
        raise Undecryptable(f"req_info decrypts to no refund notification: {error}") from error
    return fields, hashlib.sha256(plain).hexdigest()


def _cdata(value: Any) -> str:
    return "<![CDATA[" + str(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def to_xml(fields: dict[str, Any], root: str = "xml") -> str:
    """Fields as WeChat Pay's flat XML (``None`` values left out)."""
    inner = "".join(f"<{name}>{_cdata(value)}</{name}>" for name, value in fields.items()
                    if value is not None)
    return f"<{root}>{inner}</{root}>"


def reply(accepted: bool, message: str = "OK") -> str:
    """The answer WeChat Pay reads: SUCCESS stops its retries, FAIL asks for them."""
    return to_xml({"return_code": "SUCCESS" if accepted else "FAIL", "return_msg": message})
