"""Errors shown in the person's language: full pages, or an alert for htmx swaps."""

from flask import current_app
from flask import render_template
from flask import request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError

from kiosk import htmx
from kiosk import web
from kiosk.errors import DomainError
from kiosk.errors import N_

# Status → (title, what the person can do), as msgids.
MESSAGES = {
    400: (N_("Something was not right"), N_("Please go back and try again.")),
    403: (N_("Not allowed"), N_("Please ask a volunteer for help.")),
    404: (N_("Page not found"), N_("Please go back to the home screen.")),
    405: (N_("Not allowed"), N_("Please go back to the home screen.")),
    409: (N_("Already done"), N_("Please ask a volunteer for help.")),
    413: (N_("Too much was sent"), N_("Please go back and try again with less.")),
    429: (N_("Just a moment"), N_("Thank you for waiting.")),
    503: (N_("The printer is not working"), N_("A volunteer has been called. Please wait a moment.")),
    500: (N_("Something went wrong"), N_("Please try again, or ask a volunteer for help.")),
    "expired": (N_("This page has expired"), N_("Please go back to the home screen and try again.")),
}


def render_error(status, detail=None, kind=None):
    """Render the error as an alert for htmx requests, else as a page."""
    fallback = MESSAGES[500] if status >= 500 else MESSAGES[400]
    title, advice = MESSAGES.get(kind or status, fallback)
    context = {"status": status, "title": gettext(title), "detail": detail, "advice": gettext(advice)}
    if htmx:
        headers = {"HX-Retarget": "#alerts", "HX-Reswap": "innerHTML"}
        return render_template("errors/_alert.html", **context), status, headers
    return render_template("errors/error.html", **context), status


def handle_domain_error(error):
    """Show a domain refusal with its own message."""
    return render_error(error.status, gettext(error.message, **error.params))


def handle_csrf_error(error):
    """A form without a valid token: usually a page left open across a reset."""
    return render_error(400, kind="expired")


def refuse_cross_site_writes():
    """Refuse state-changing requests that a browser says came from another site."""
    if web.is_cross_site_write(request.method, request.headers, request.host):
        return render_error(403)
    return None


def handle_http_error(error):
    """Show an HTTP error (404, 405, 413…) without leaking internals."""
    return render_error(error.code or 500)


def handle_unexpected(error):
    """Log the crash and show a calm message; the app keeps serving."""
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    current_app.logger.exception("unhandled error")
    return render_error(InternalServerError.code)


def init_app(app):
    """Register the handlers on the app."""
    app.before_request(refuse_cross_site_writes)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)

    app.after_request(web.security_headers)
