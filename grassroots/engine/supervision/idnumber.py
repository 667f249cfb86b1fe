"""Resident identity numbers (居民身份证号码, GB 11643-1999): checking, hashing, masking, sealing.

>>> check_id("11010519491231002X")
>>> check_id("110105194912310021")
'check_digit'
>>> mask("11010519491231002X")
'1101**********002X'
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")

# Problems, as codes the app words in the user's language.
LENGTH = "length"
CHARACTERS = "characters"
BIRTH_DATE = "birth_date"
CHECK_DIGIT = "check_digit"


def normalise(value: str) -> str:
    """Surrounding blanks dropped and a lower-case x made upper-case."""
    return value.strip().upper()


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def check_id(value: str, *, today: dt.date | None = None) -> str | None:
    """None when ``value`` is a valid 18-character identity number, else the problem's code."""
    value = normalise(value)
    if len(value) != 18:
        return LENGTH
    if not _SHAPE.match(value):
        return CHARACTERS
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return BIRTH_DATE
    if born.year < 1880 or born > (today or dt.date.today()):  # noqa: DTZ011 - a calendar date
        return BIRTH_DATE
    if check_digit(value[:17]) != value[17]:
        return CHECK_DIGIT
    return None


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 of the normalised number under ``key``: the join key, never reversible."""
    return hmac.new(key, normalise(value).encode("ascii"), hashlib.sha256).hexdigest()


def mask(value: str) -> str:
    """The first four and last four characters, the ten between starred: 3701**********123X."""
    value = normalise(value)
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def fernet_key(secret: bytes) -> bytes:
    """A Fernet key derived from a secret (the app passes its configured key)."""
    return base64.urlsafe_b64encode(hashlib.sha256(b"grassroots-id-seal:" + secret).digest())


def seal(key: bytes, value: str) -> str:
    """The clear number encrypted (Fernet: AES-128-CBC + HMAC) for an allowed reveal."""
    return Fernet(key).encrypt(normalise(value).encode("ascii")).decode("ascii")


def unseal(key: bytes, token: str) -> str:
    """The clear number of a sealed value (ValueError when the key or token is wrong)."""
    try:
        return Fernet(key).decrypt(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise ValueError("the sealed identity number cannot be opened with this key") from exc


def make_id(region: str, born: dt.date, sequence: int) -> str:
    """A valid number for the generator: 6-digit region, birth date, 3-digit sequence, check."""
    first17 = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_digit(first17)
