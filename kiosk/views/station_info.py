"""The station this kiosk serves, read at most once per request.

Every page and partial shows the station in its status bar or tickets, and
a request may ask several times (the context processor, a ticket, its QR
payload). ``current()`` keeps the answer in ``flask.g`` for the rest of the
request; ``station`` in templates is a lazy proxy, so a swap that never
mentions the station does not read it at all. The prompts' volume and mute
come along in the same statement (``prompt_settings()``). A station
provisioned, or prompts changed, during the request are read again.
"""

from flask import g
from werkzeug.local import LocalProxy

from kiosk import stations

_KEY = "_station_info"


def current():
    """Return this kiosk's StationInfo (or None before provisioning), cached for the request."""
    return _read()[0]


def prompt_settings():
    """Return the station's PromptSettings, read with the station (one statement for both per request)."""
    return _read()[1]


def _read():
    cached = g.get(_KEY)
    revision = stations.revision()
    if cached is None or cached[0] != revision:
        cached = (revision, stations.current_with_prompts())
        setattr(g, _KEY, cached)
    return cached[1]


# For templates: evaluated on first use (``station.name``, ``if station``).
lazy = LocalProxy(current)


def forget(*_):
    """Drop the cached station: an app context can outlive one request (tests, CLI)."""
    g.pop(_KEY, None)


def init_app(app):
    """Start every request without a cached station."""
    app.before_request(forget)
