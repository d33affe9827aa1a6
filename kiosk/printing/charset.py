"""Which characters a Chinese thermal printer can print, and their exact bytes.

Pure: standard library only (plus the domain error). python-escpos's own
``text()`` guesses an encoding per string and garbles Chinese punctuation, so
tickets are encoded here, explicitly and strictly: GBK for most field
printers, GB18030 where the model has that font. Nothing is NFKC-normalised
(that would turn full-width ``：`` into ``:`` and change what people wrote);
only the few fix-ups below are applied.
"""

import unicodedata

from kiosk.errors import DomainError
from kiosk.errors import N_

ENCODINGS = ("gbk", "gb18030")

# Characters people paste that have a printable twin in GB fonts. ``¥`` is a
# 4-byte GB18030 sequence that GBK printers garble; the others are invisible.
FIXUPS = str.maketrans(
    {
        "¥": "￥",
        "\u00a0": " ",  # no-break space
        "\u2007": " ",  # figure space
        "\u202f": " ",  # narrow no-break space
        "•": "·",
        "\t": " ",
        "\r": None,
        "\u200b": None,  # zero-width space
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)

# What a ticket shows in place of a character the printer lacks, when the
# caller asks for replacement rather than refusal. In every GB font.
REPLACEMENT = "□"

# Categories never printable: controls would smuggle ESC/POS commands into the
# byte stream; private-use and unassigned code points have no glyph.
NEVER = {"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"}


class UnprintableText(DomainError):
    """Text holds characters the printer's font does not have (𠮷, emoji…)."""

    def __init__(self, chars):
        super().__init__(
            N_("The printer cannot print these characters: %(chars)s. Please write them another way."),
            chars=" ".join(chars),
        )
        self.chars = tuple(chars)


def fix(text):
    """Apply the fix-ups (¥ → ￥, NBSP → space, • → ·, zero-width removed)."""
    return text.translate(FIXUPS)


def is_printable(char, encoding):
    """Whether one character prints as itself on a printer with this font."""
    if " " <= char <= "~":
        return True
    if unicodedata.category(char) in NEVER:
        return False
    try:
        encoded = char.encode(encoding)
    except UnicodeEncodeError:
        return False
    if len(encoded) == 2:
        return True
    # GB18030 fonts carry the BMP's CJK Extension A (4-byte sequences); they do
    # not carry Extension B and beyond (𠮷, rare surnames) nor emoji.
    return encoding == "gb18030" and "\u3400" <= char <= "\u4dbf"


def unprintable(text, encoding):
    """Return the distinct characters of text (after fix-ups) the printer lacks, in order."""
    seen = []
    for char in fix(text):
        if char != "\n" and char not in seen and not is_printable(char, encoding):
            seen.append(char)
    return seen


def replace_unprintable(text, encoding):
    """Return text with fix-ups applied and every unprintable character replaced by □."""
    return "".join(c if c == "\n" or is_printable(c, encoding) else REPLACEMENT for c in fix(text))


def encode(text, encoding):
    """Return the printer bytes for one line of text, or raise UnprintableText."""
    if encoding not in ENCODINGS:
        raise ValueError(f"printer encoding must be one of {ENCODINGS}")
    text = fix(text)
    missing = unprintable(text, encoding)
    if missing:
        raise UnprintableText(missing)
    return text.encode(encoding, errors="strict")
