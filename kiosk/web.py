"""Small HTTP rules the kiosk and the central office share (no Flask import needed)."""

from urllib.parse import urlsplit

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
