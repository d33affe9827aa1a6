"""The station this kiosk serves, read at most once per request.

Every page and partial shows the station in its status bar or tickets, and
a request may ask several times (the context processor, a ticket, its QR
payload). ``current()`` keeps the answer in ``flask.g`` for the rest of the
request; ``station`` in templates is a lazy proxy, so a swap that never
mentions the station does not read it at all. A station provisioned during
the request (``stations.provision``) is read again.
"""

from flask import g
from werkzeug.local import LocalProxy

from kiosk import stations

_KEY = "_station_info"


def current():
    """Return this kiosk's StationInfo (or None before provisioning), cached for the request."""
    cached = g.get(_KEY)
    revision = stations.revision()
    if cached is None or cached[0] != revision:
        cached = (revision, stations.current())
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
