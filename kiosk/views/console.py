"""What every console page shares: who is signed in, the sign-in guard, redirects.

The console's desks (packs, luggage, tallies, day book, printer) and its home
page (views/volunteer.py) import these; none of them imports another desk's
view module for them, so the views have no import cycle.
"""

import functools
import secrets

from flask import current_app
from flask import g
from flask import request
from flask import session
from flask import url_for
from itsdangerous import BadSignature
from itsdangerous import Signer

from kiosk import htmx
from kiosk import volunteers
from kiosk import web
from kiosk.errors import N_

SESSION_KEYS = ("volunteer_id", "volunteer_epoch", "volunteer_seen")
# Ids of the elements that refresh themselves (hx-trigger "every …"); htmx names
# the element in HX-Trigger. Their requests must not keep an idle console open.
SELF_REFRESHING = frozenset({"statusbar", "overview", "printer-panel", "board-count"})


DEVICE_COOKIE = "nuantu_device"
DEVICE_COOKIE_DAYS = 400


def _device_signer():
    return Signer(current_app.secret_key, salt="nuantu-device")


def devices():
    """Return the keys wrong PINs on this device count against: its device cookie's, and its address's.

    The cookie is one this kiosk signed (a made-up one is no device, so a new
    one is given); a browser that drops it still counts on its address — the
    kiosk's own screen on 127.0.0.1, each tablet on its own.
    """
    try:
        device = _device_signer().unsign(request.cookies.get(DEVICE_COOKIE, "")).decode()
    except (BadSignature, UnicodeDecodeError):
        device = secrets.token_hex(16)
        g.new_device_cookie = _device_signer().sign(device).decode()
    return (f"cookie:{device}", f"addr:{request.remote_addr or 'unknown'}")


def keep_device_cookie(response):
    """Give a browser the device cookie ``devices()`` made for it (after_request)."""
    cookie = g.get("new_device_cookie")
    if cookie:
        response.set_cookie(DEVICE_COOKIE, cookie, max_age=DEVICE_COOKIE_DAYS * 86400, httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return response


def redirect_to(endpoint, **values):
    """Redirect a plain request, or tell htmx to load the page in full."""
    return web.full_page_redirect(url_for(endpoint, **values), bool(htmx))


def sign_out_session():
    """Forget the signed-in volunteer, keeping the rest of the session."""
    for key in SESSION_KEYS:
        session.pop(key, None)


def volunteer_required(role=None):
    """Let a view run only for a signed-in volunteer (of the given role, if any)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(**kwargs):
            if g.volunteer is None:
                return redirect_to("volunteer.sign_in")
            if role and g.volunteer.role != role:
                raise volunteers.SignInRefused(N_("Only a station manager can do this."))
            return view(**kwargs)

        return wrapped

    return decorate
