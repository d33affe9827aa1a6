"""Sync, kiosk side: count pages for the office's pull, USB bundles, and a day's own counts.

The format both sides share is ``kiosk.sync.wire``; its names are re-exported
here so the kiosk's views and commands keep one module to call.
"""

from kiosk import clock
from kiosk import counts
from kiosk import stations
from kiosk.errors import N_
from kiosk.sync.wire import _count
from kiosk.sync.wire import BATCH_FIELDS
from kiosk.sync.wire import BatchRefused
from kiosk.sync.wire import bearer
from kiosk.sync.wire import CELL_FIELDS
from kiosk.sync.wire import FORMAT
from kiosk.sync.wire import generated_at
from kiosk.sync.wire import key_id
from kiosk.sync.wire import MAX_PAGE_SIZE
from kiosk.sync.wire import PAGE_SIZE
from kiosk.sync.wire import parse
from kiosk.sync.wire import sign
from kiosk.sync.wire import STATION_FIELDS
from kiosk.sync.wire import token_matches
from kiosk.sync.wire import validate
from kiosk.sync.wire import verify
from kiosk.sync.wire import write_document

# The wire format's names the kiosk's views and commands call through this package.
__all__ = [
    "BATCH_FIELDS", "CELL_FIELDS", "FORMAT", "MAX_PAGE_SIZE", "PAGE_SIZE", "STATION_FIELDS", "BatchRefused",
    "bearer", "bundle", "day_report", "generated_at", "key_id", "page", "parse", "sign", "token_matches",
    "validate", "verify", "write_bundle",
]


def page(token, since=0, limit=PAGE_SIZE, trips=None):
    """Return the signed batch of cells changed after ``since``, at most ``limit``.

    ``trips`` (the trips domain's ``statuses``, when the office asked for them) rides along.
    """
    if not _count(since):
        raise BatchRefused(N_("The cursor must be a whole number, zero or more."))
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    cells = counts.changed_since(since, limit)
    head = counts.head()  # read after the cells, so it is never below the last one
    upto = cells[-1].seq if cells else since
    return _batch(token, since, upto, head, upto < head, cells, trips)


def bundle(token, trips=None):
    """Return the signed batch of every cell (and the trips' statuses when given): what a USB bundle holds."""
    cells = counts.changed_since(0, limit=None)
    head = counts.head()
    return _batch(token, 0, head, head, False, cells, trips)


def _batch(token, since, upto, head, more, cells, trips=None):
    info = stations.current()
    batch = {
        "format": FORMAT,
        "kiosk": info.kiosk_id,
        "key": key_id(token),
        "station": {"code": info.code, "name": info.name, "county": info.county_code},
        "since": since,
        "next": upto,
        "head": head,
        "more": more,
        "generated_at": clock.now().isoformat(timespec="seconds") + "Z",
        "cells": [
            {"day": c.day, "metric": c.metric, "dims": c.dims, "value": c.value, "seq": c.seq} for c in cells
        ],
    }
    if trips is not None:
        batch["trips"] = trips
    return sign(validate(batch), token)


def write_bundle(path, token, trips=None):
    """Write every cell as a signed bundle file; return the batch written (renamed into place when whole)."""
    return write_document(path, bundle(token, trips))


def day_report(day):
    """Return the kiosk's own counts for a day: totals per metric and every cell."""
    info = stations.current()
    cells = counts.cells_for_day(day)
    totals = {}
    for cell in cells:
        totals[cell.metric] = totals.get(cell.metric, 0) + cell.value
    return {
        "day": day.isoformat(),
        "station": info.code,
        "kiosk": info.kiosk_id,
        "totals": totals,
        "cells": [{"metric": c.metric, "dims": c.dims, "value": c.value} for c in cells],
    }
