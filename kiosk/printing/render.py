"""Drawing tickets with Pillow: PNG previews, and Chinese text for printers without a Chinese font.

Both draw on the printer's own grid (12×24 dots a column at 203 dpi) with a
CJK font whose ASCII is exactly half width (Noto Sans Mono CJK SC from
Debian's fonts-noto-cjk), so a preview wraps where the paper wraps. Without
a CJK font the preview still renders, with a banner saying what to install;
rasterised printing refuses instead of printing empty boxes.
"""

import io
import logging
import os
from functools import lru_cache

import qrcode
from PIL import Image
from PIL import ImageDraw
from PIL import ImageFont

from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.printing.layout import Cut
from kiosk.printing.layout import Qr
from kiosk.printing.layout import Rule
from kiosk.printing.layout import Text
from kiosk.printing.layout import char_width
from kiosk.printing.layout import layout

log = logging.getLogger(__name__)

CELL_WIDTH = 12
CELL_HEIGHT = 24
LINE_GAP = 10  # dots between lines: ESC 2's 1/6 inch is ~34 dots for a 24-dot glyph
QUIET_ZONE = 4  # modules of white around a QR code
PAPER_MARGIN = 24  # blank paper beside the printable width, in the preview only

# (file, face index) in order of preference: the monospaced SC face first.
FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 7),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
)
BOLD_FONT = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 7)
MISSING_FONT_BANNER = "NO CJK FONT - apt-get install fonts-noto-cjk"

QR_EC = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


class MissingFont(DomainError):
    """No CJK font is installed, and this printer needs us to draw Chinese text."""

    status = 503

    def __init__(self):
        super().__init__(
            N_("This kiosk has no Chinese font for its printer. Please ask a volunteer to install fonts-noto-cjk.")
        )


def font_source():
    """Return (path, index) of the CJK font to draw with, or None.

    ``KIOSK_PRINT_FONT=/path/font.ttc[:index]`` names a font explicitly; only
    that one is then tried.
    """
    chosen = os.environ.get("KIOSK_PRINT_FONT")
    if chosen:
        path, _, index = chosen.partition(":")
        candidates = ((path, int(index or 0)),)
    else:
        candidates = FONT_CANDIDATES
    return next(((path, index) for path, index in candidates if os.path.exists(path)), None)


@lru_cache(maxsize=32)
def _font(source, pixels, bold):
    """Return (font, fake_bold): fake bold (drawing twice) where no bold face exists."""
    if source is None:
        return ImageFont.load_default(pixels), bold
    if bold and source == FONT_CANDIDATES[0] and os.path.exists(BOLD_FONT[0]):
        return ImageFont.truetype(BOLD_FONT[0], pixels, index=BOLD_FONT[1]), False
    return ImageFont.truetype(source[0], pixels, index=source[1]), bold


def release_fonts():
    """Close the cached font faces (several MB of CJK font), e.g. after a preview drawn once."""
    _font.cache_clear()


def qr_matrix(payload, ec):
    """Return the QR symbol for payload as rows of booleans, without quiet zone."""
    code = qrcode.QRCode(error_correction=QR_EC[ec], border=0, box_size=1)
    code.add_data(payload)
    code.make(fit=True)
    return code.get_matrix()


def qr_modules(payload, ec):
    """Modules across the QR symbol for payload: the version alone, without drawing it."""
    code = qrcode.QRCode(error_correction=QR_EC[ec], border=0, box_size=1)
    code.add_data(payload)
    return 17 + 4 * code.best_fit()


def qr_module_size(modules, profile):
    """The profile's module size, shrunk if the symbol and its quiet zone would not fit."""
    size = profile.qr_size
    while size > 1 and (modules + 2 * QUIET_ZONE) * size > profile.dots:
        size -= 1
    return size


def qr_image(payload, ec, profile, border=QUIET_ZONE):
    """Return the QR code as a black-on-white 1-bit image at the printer's module size."""
    matrix = qr_matrix(payload, ec)
    modules = len(matrix)
    side = modules + 2 * border
    image = Image.new("1", (side, side), 1)
    image.putdata([0 if dark else 1 for row in _bordered(matrix, border) for dark in row])
    scale = qr_module_size(modules, profile)
    return image.resize((side * scale, side * scale), Image.Resampling.NEAREST)


def _bordered(matrix, border):
    blank = [False] * (len(matrix) + 2 * border)
    pad = [False] * border
    return [*([blank] * border), *(pad + list(row) + pad for row in matrix), *([blank] * border)]


def text_width_dots(text, size):
    """Dots the text takes on paper at a size."""
    return sum(char_width(char) for char in text) * CELL_WIDTH * size


def draw_text(draw, block, left, top, dots, source, fill=0):
    """Draw one Text block on the printer grid; return the dots it advanced down."""
    size = block.size
    font, fake_bold = _font(source, CELL_HEIGHT * size, block.bold)
    x = left
    if block.align == "center":
        x += max(0, (dots - text_width_dots(block.text, size)) // 2)
    for char in block.text:
        cell = char_width(char) * CELL_WIDTH * size
        for shift in (0, 1) if fake_bold else (0,):
            if char != " ":
                draw.text((x + shift + cell / 2, top + CELL_HEIGHT * size / 2), char, font=font, fill=fill, anchor="mm")
        x += cell
    return CELL_HEIGHT * size + LINE_GAP * size


def raster_line(block, profile):
    """Return one Text block as a crisp 1-bit image for a printer without a Chinese font.

    The image is cropped after the last character (rounded to whole bytes):
    raster bytes grow with width, and left padding does the centring so no
    firmware's handling of ESC a for images matters.
    """
    source = font_source()
    if source is None:
        raise MissingFont()
    height = CELL_HEIGHT * block.size + LINE_GAP * block.size
    image = Image.new("L", (profile.dots, height), 255)
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"
    draw_text(draw, block, 0, LINE_GAP * block.size // 2, profile.dots, source)
    right = min(profile.dots, (image.point(lambda v: 255 - v).getbbox() or (0, 0, 8, 0))[2])
    right = min(profile.dots, (right + 7) // 8 * 8)
    return image.crop((0, 0, right, height)).point(lambda v: 0 if v < 128 else 255).convert("1")


def render_ticket(ticket, profile):
    """Draw the ticket as the profile's printer would print it; return a greyscale image."""
    source = font_source()
    blocks = layout(ticket, profile.columns)
    width = profile.dots + 2 * PAPER_MARGIN
    banner = 0 if source else CELL_HEIGHT + 2 * LINE_GAP
    height = banner + LINE_GAP + sum(_block_height(block, profile) for block in blocks)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    top = LINE_GAP
    if source is None:
        log.warning("no CJK font found: ticket previews show boxes; install fonts-noto-cjk")
        draw.rectangle((0, 0, width, banner), fill=0)
        draw.text((width // 2, banner // 2), MISSING_FONT_BANNER, font=_font(None, 18, False)[0], fill=255, anchor="mm")
        top += banner
    for block in blocks:
        top += _draw_block(image, draw, block, top, profile, source)
    return image


def _block_height(block, profile):
    if isinstance(block, Text):
        return CELL_HEIGHT * block.size + LINE_GAP * block.size
    if isinstance(block, Rule):
        return CELL_HEIGHT + LINE_GAP
    if isinstance(block, Qr):
        modules = qr_modules(block.payload, block.ec)
        return (modules + 2 * QUIET_ZONE) * qr_module_size(modules, profile)
    return 3 * CELL_HEIGHT


def _draw_block(image, draw, block, top, profile, source):
    left = PAPER_MARGIN
    if isinstance(block, Text):
        return draw_text(draw, block, left, top, profile.dots, source)
    if isinstance(block, Rule):
        return draw_text(draw, Text("-" * profile.columns), left, top, profile.dots, source)
    if isinstance(block, Qr):
        code = qr_image(block.payload, block.ec, profile)
        image.paste(code, (left + (profile.dots - code.width) // 2, top))
        return code.height
    if isinstance(block, Cut):
        middle = top + 3 * CELL_HEIGHT // 2
        for x in range(0, image.width, 16):
            draw.line((x, middle, x + 8, middle), fill=140, width=2)
        return 3 * CELL_HEIGHT
    raise TypeError(f"unknown layout block {block!r}")


def png_bytes(image):
    """Encode an image as PNG."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")  # optimize=True is 8× slower for 7% fewer bytes
    return buffer.getvalue()
