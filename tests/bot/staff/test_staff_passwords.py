"""Password hashing: scrypt with a random salt, a self-describing encoding, constant-time check."""
from __future__ import annotations

import base64
import hashlib

import pytest

from bot.staff.passwords import WeakPassword, hash_password, needs_rehash, verify_password

PASSWORD = "correct horse battery"


def test_the_right_password_verifies_and_a_wrong_one_does_not():
    encoded = hash_password(PASSWORD)

    assert verify_password(PASSWORD, encoded)
    assert not verify_password(PASSWORD + "!", encoded)
    assert not verify_password("", encoded)


def test_each_hash_has_its_own_salt():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)

    assert first != second
    assert first.split("$")[4] != second.split("$")[4]
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)


def test_the_encoding_names_scrypt_and_its_parameters():
    scheme, n, r, p, salt, digest = hash_password(PASSWORD).split("$")

    assert (scheme, n, r, p) == ("scrypt", str(2**14), "8", "1")
    assert len(base64.b64decode(salt)) == 16
    assert base64.b64decode(digest) == hashlib.scrypt(
        PASSWORD.encode(), salt=base64.b64decode(salt), n=2**14, r=8, p=1, dklen=32)


def test_verification_uses_the_parameters_stored_in_the_hash():
    cheaper = hash_password(PASSWORD, n=2**10, r=4, p=2)

    assert cheaper.startswith("scrypt$1024$4$2$")
    assert verify_password(PASSWORD, cheaper)
    assert needs_rehash(cheaper) and not needs_rehash(hash_password(PASSWORD))
    # Changing a stored parameter changes the derived key: no match.
    assert not verify_password(PASSWORD, cheaper.replace("$1024$", "$2048$"))


@pytest.mark.parametrize("password", ["", "short", "123456789"])
def test_passwords_under_ten_characters_are_refused(password):
    with pytest.raises(WeakPassword):
        hash_password(password)


def test_ten_characters_is_enough():
    assert verify_password("0123456789", hash_password("0123456789"))


@pytest.mark.parametrize("encoded", [
    "", "plain-text-password", "md5$abc", "scrypt$16384$8$1$!!$!!",
    "scrypt$16385$8$1$AAAA$AAAA", "scrypt$1099511627776$8$1$AAAA$AAAA",
    "bcrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
])
def test_malformed_or_foreign_hashes_never_match(encoded):
    assert not verify_password(PASSWORD, encoded)
