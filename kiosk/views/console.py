"""What every console page shares: who is signed in, the sign-in guard, redirects.

The console's desks (packs, luggage, tallies, day book, printer) and its home
page (views/volunteer.py) import these; none of them imports another desk's
view module for them, so the views have no import cycle.
"""

import functools

from flask import g
from flask import session
from flask import url_for

from kiosk import htmx
from kiosk import volunteers
from kiosk import web
from kiosk.errors import N_

SESSION_KEYS = ("volunteer_id", "volunteer_epoch", "volunteer_seen")
# Ids of the elements that refresh themselves (hx-trigger "every …"); htmx names
# the element in HX-Trigger. Their requests must not keep an idle console open.
SELF_REFRESHING = frozenset({"statusbar", "overview", "printer-panel", "board-count"})


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
