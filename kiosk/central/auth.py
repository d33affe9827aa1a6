"""Signing in to the office dashboard: every page needs an office user, except these few.

Closed by default: a request for anything not in OPEN_ENDPOINTS (pages,
spreadsheets, whatever is added later, unknown paths) is sent to the sign-in
page before its view runs, so nothing of the counts reaches a stranger.
"""

import time

from flask import Blueprint
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext

from kiosk import web
from kiosk.central import htmx
from kiosk.central import users

bp = Blueprint("office", __name__, template_folder="templates")
SESSION_KEYS = ("office_user_id", "office_seen")
OPEN_ENDPOINTS = frozenset({"office.sign_in", "office.sign_in_post", "office.sign_out", "central.language", "static"})


@bp.before_app_request
def require_user():
    """Put the signed-in user on g (signing out after the idle limit); send anyone else to sign in."""
    g.office_user = None
    user_id = session.get("office_user_id")
    if user_id is not None:
        if time.time() - session.get("office_seen", 0) > current_app.config["CENTRAL_IDLE_SECONDS"]:
            sign_out_session()
            session["office_notice"] = "idle"
        else:
            g.office_user = users.active_user(user_id)
            if g.office_user is None:
                sign_out_session()
            else:
                session["office_seen"] = time.time()
    if g.office_user is None and request.endpoint not in OPEN_ENDPOINTS:
        # Back to the same page after signing in; a form's target is no page to return to.
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect_to(url_for("office.sign_in", next=target))
    return None


@bp.after_app_request
def keep_counts_out_of_caches(response):
    """Pages shown to a signed-in user are not stored, so Back after signing out shows no counts."""
    if g.get("office_user") is not None and request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def redirect_to(url):
    """Redirect a plain request, or tell htmx to load the page in full."""
    return web.full_page_redirect(url, bool(htmx))


def sign_out_session():
    """Forget the signed-in user, keeping the rest of the session (the language)."""
    for key in SESSION_KEYS:
        session.pop(key, None)


def next_page():
    """Where to go after signing in: a path on this site, else the dashboard."""
    return web.safe_path(request.values.get("next"), url_for("central.dashboard"))


@bp.get("/sign-in")
def sign_in():
    """Show the sign-in form, or how to add the first user when there is none."""
    if g.office_user is not None:
        return redirect(next_page(), code=303)
    return render_sign_in()


def render_sign_in(error=None, status=200):
    """The sign-in page with an optional refusal."""
    context = {
        "no_users": not users.exists(),
        "notice": session.pop("office_notice", None),
        "error": error,
        "name": request.form.get("name", ""),
        "next": web.safe_path(request.values.get("next"), ""),
        "min_password": users.MIN_PASSWORD,
    }
    return render_template("central/sign_in.html", **context), status


@bp.post("/sign-in")
def sign_in_post():
    """Check the name and password; open the page asked for, or say why not."""
    try:
        user = users.sign_in(request.form.get("name", ""), request.form.get("password", ""))
    except users.SignInRefused as refusal:
        return render_sign_in(gettext(refusal.message, **refusal.params), refusal.status)
    target = next_page()
    language = session.get("lang")
    session.clear()  # a fresh session (and CSRF token) for the signed-in user
    if language:
        session["lang"] = language
    session["office_user_id"] = user.id
    session["office_seen"] = time.time()
    return redirect(target, code=303)


@bp.post("/sign-out")
def sign_out():
    """Sign out and show the sign-in page."""
    was_signed_in = g.office_user is not None
    sign_out_session()
    if was_signed_in:
        session["office_notice"] = "signed_out"
    return redirect_to(url_for("office.sign_in"))
