"""Small HTTP rules the kiosk and the central office share (werkzeug's routing only, no Flask).

Input is checked once at the edge, here, for every view of both apps: the URL
converters (``<int:…>`` is replaced by one that takes 1 to 19 ASCII digits
up to SQLite's largest integer, ``<day:…>`` takes an ISO date in the years
a kiosk can mean) and ``whole_number`` for query and form fields
(``request.form.get("offer", type=web.whole_number)``). Anything else is
"no such page" (404) or "no such value" (the field's default), never a
crash deeper down: integers above 2**63, "²" or "①", 5,000-digit numbers
and the year 9999 all stop here.
"""

import datetime
import json
import re
import urllib.error
from urllib.parse import urlsplit

from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError

# SQLite's INTEGER is signed 64-bit: a larger number cannot even be looked up.
LARGEST_ID = 2**63 - 1
_WHOLE = re.compile(r"[0-9]{1,19}")
# Days a kiosk can mean: well before its first season, well after its last.
FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)


def whole_number(text):
    """Return the whole number written in ASCII digits (0…2**63-1), or raise ValueError.

    Use it as ``type=`` of ``request.args.get``/``request.form.get``: a
    ValueError there gives the field's default instead.
    """
    text = text.strip() if isinstance(text, str) else ""
    if not _WHOLE.fullmatch(text):
        raise ValueError("not a whole number of at most 19 ASCII digits")
    value = int(text)
    if value > LARGEST_ID:
        raise ValueError("too large")
    return value


def iso_day(text):
    """Return the date an ISO text (YYYY-MM-DD) names between FIRST_DAY and LAST_DAY, or raise ValueError."""
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise ValueError("not an ISO date")
    day = datetime.date.fromisoformat(text)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError("not a day a kiosk can mean")
    return day


class IdConverter(BaseConverter):
    """``<int:…>`` in every URL: 1 to 19 ASCII digits, at most 2**63-1; anything else is a 404."""

    regex = r"[0-9]{1,19}"
    weight = 50
    part_isolating = True

    def to_python(self, value):
        try:
            return whole_number(value)
        except ValueError:
            raise ValidationError() from None

    def to_url(self, value):
        return str(int(value))


class DayConverter(BaseConverter):
    """``<day:…>``: an ISO date a kiosk can mean; anything else is a 404."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    part_isolating = True

    def to_python(self, value):
        try:
            return iso_day(value)
        except ValueError:
            raise ValidationError() from None

    def to_url(self, value):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)


def install_converters(url_map):
    """Use the edge's converters in an app's URL map (before any rule is added)."""
    url_map.converters["int"] = IdConverter
    url_map.converters["day"] = DayConverter

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def security_headers(response):
    """Add the headers every page carries: no outside scripts, no sniffing, no leaking referrers."""
    response.vary.add("HX-Request")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def safe_path(target, fallback):
    """Return target if it is a path on this site (never another host), else fallback."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


def is_cross_site_write(method, headers, host):
    """Return True for a state-changing request that a browser says came from another site.

    Browsers say where a request came from in Sec-Fetch-Site; older ones only
    in Origin ("null" when the page hides its referrer). This backs up the
    CSRF token, which a page on another site cannot read.
    """
    if method in SAFE_METHODS:
        return False
    fetch_site = headers.get("Sec-Fetch-Site")
    origin = headers.get("Origin")
    if fetch_site == "cross-site":
        return True
    return fetch_site is None and origin not in (None, "null") and urlsplit(origin).netloc != host


def full_page_redirect(url, htmx_request):
    """Redirect a plain request (303 See Other), or tell htmx to load the page in full (HX-Redirect)."""
    if htmx_request:
        return "", 204, {"HX-Redirect": url}
    return "", 303, {"Location": url}


def json_exchange(opener, request, timeout):
    """(HTTP status, JSON body as a dict) of a urllib request; an error status keeps its body.

    Network failures (OSError) are the caller's to handle; a body that is not
    JSON reads as ``{}``.
    """
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, _json_or_empty(response.read())
    except urllib.error.HTTPError as error:
        return error.code, _json_or_empty(error.read())


def _json_or_empty(data):
    try:
        body = json.loads(data or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
