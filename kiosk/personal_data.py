"""Phone and ID numbers: checked, then kept only as a keyed hash (and the last four where needed).

Nothing here stores anything. ``fingerprint`` turns a checked number into an
HMAC-SHA256 under the key the caller passes (never read from Flask here): at
the kiosk that is the ``kiosk.pii_keys`` ring, the current week's key to store
under and every key still alive to match with, so the same number gives a hash
that is recognised for as long as the retention keeps it, and nothing once the
week's key is destroyed. The number cannot be read back.

ID numbers follow GB 11643-1999: six region digits, the birth date, three
sequence digits and a check character (ISO 7064 MOD 11-2, 10 written X).
Residence permits of Hong Kong, Macau and Taiwan residents (810000, 820000,
830000) and the 2023 foreigner permanent-residence card (a leading 9, then
the province) use the same layout and checksum, so they pass the same check.
Older foreigner cards, home-return permits and passports take the "other
document" path: letters and digits, length-checked only.
"""

import datetime
import hashlib
import hmac
import re
from dataclasses import dataclass

from kiosk import regions
from kiosk.errors import DomainError
from kiosk.errors import N_

ID_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
ID_CHECK_CHARACTERS = "10X98765432"
# Prefixes of residence-permit numbers that are not provinces of GB/T 2260.
PERMIT_PREFIXES = frozenset({"83"})
OLDEST_AGE = 120
OTHER_DOCUMENT_LENGTH = (5, 20)
# Anything longer than this is not a number someone typed on the keypad.
LONGEST_INPUT = 40

KINDS = ("resident_id", "permit", "foreign_pr", "other")


@dataclass(frozen=True)
class Fingerprint:
    """What is kept of a personal number: a keyed hash and the last four characters.

    ``matches`` are its hashes under every key still alive (the current one
    first), so a number stored under last week's key is still recognised.
    """

    hash: str
    last4: str
    matches: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "matches", tuple(self.matches) or (self.hash,))

    def to_state(self):
        """Return a JSON-able list for a session (hashes and last four only)."""
        return [self.hash, self.last4, list(self.matches)]

    @classmethod
    def from_state(cls, state):
        """Return the Fingerprint of ``to_state`` (a list of two from before the key ring is accepted)."""
        return cls(*state)


@dataclass(frozen=True)
class Document:
    """A checked identity document number and its kind (one of KINDS)."""

    kind: str
    number: str


def fingerprint(purpose, value, key):
    """Return the keyed hash and last four of a checked value; purpose keeps phone and ID apart.

    ``key`` is one key (text or bytes) or a ``pii_keys.Ring`` (a tuple of keys,
    the one to store under first): then ``matches`` holds the hash under each.
    """
    keys = tuple(key) if isinstance(key, tuple) else (key,)
    if not keys or not all(keys):
        raise ValueError("a PII key is required")
    message = f"{purpose}:{value}".encode()
    digests = tuple(hmac.new(k.encode() if isinstance(k, str) else k, message, hashlib.sha256).hexdigest()
                    for k in keys)
    return Fingerprint(hash=digests[0], last4=value[-4:], matches=digests)


def _clean(text):
    """Return text without spaces and hyphens, refusing anything that is not a short string."""
    if not isinstance(text, str) or len(text) > LONGEST_INPUT:
        raise DomainError(N_("That is too long for this field."))
    return re.sub(r"[\s-]", "", text)


def check_phone(text):
    """Return a mainland mobile number (11 digits starting 13–19) or refuse it."""
    number = _clean(text)
    if not number:
        raise DomainError(N_("Please enter a mobile number."))
    if not number.isascii() or not number.isdigit():
        raise DomainError(N_("Only digits, please."))
    if len(number) != 11 or not re.fullmatch(r"1[3-9]\d{9}", number):
        raise DomainError(N_("A mobile number has 11 digits and starts with 1."))
    return number


def id_check_character(first17):
    """Return the GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARACTERS[total % 11]


def check_id_number(text, today):
    """Return the checked Document for an 18-character ID number, or refuse it with the reason."""
    number = _clean(text).upper()
    if not number:
        raise DomainError(N_("Please enter the ID number."))
    if not re.fullmatch(r"\d{17}[\dX]", number, flags=re.ASCII):
        raise DomainError(N_("An ID number has 18 characters: digits, and X only at the end."))
    kind = _id_kind(number)
    if kind is None:
        raise DomainError(N_("The first digits are not a region of China."))
    if not _plausible_birth_date(number[6:14], today):
        raise DomainError(N_("The birth date in this number is not possible."))
    if id_check_character(number[:17]) != number[17]:
        raise DomainError(N_("This ID number is not right: please check each digit."))
    return Document(kind=kind, number=number)


def check_other_document(text):
    """Return a Document for a permit, passport or older card: letters and digits only."""
    number = _clean(text).upper()
    if not number:
        raise DomainError(N_("Please enter the document number."))
    if not re.fullmatch(r"[A-Z0-9]+", number, flags=re.ASCII):
        raise DomainError(N_("Only letters and digits, please."))
    shortest, longest = OTHER_DOCUMENT_LENGTH
    if not shortest <= len(number) <= longest:
        raise DomainError(
            N_("A document number has %(shortest)s to %(longest)s characters."), shortest=shortest, longest=longest
        )
    return Document(kind="other", number=number)


def _id_kind(number):
    provinces = regions.province_prefixes()
    if number[0] == "9":
        return "foreign_pr" if number[1:3] in provinces else None
    if number[:2] in {"81", "82"} | PERMIT_PREFIXES:
        return "permit"
    return "resident_id" if number[:2] in provinces else None


def _plausible_birth_date(text, today):
    try:
        born = datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return today.year - OLDEST_AGE <= born.year and born <= today
