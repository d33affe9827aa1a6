"""Help at the kiosk: the office's content channel, job postings to take away, wage-arrears tips.

Public use cases (views and commands call these; see each module's docstring):

- content: ``trust_provisioned(public_key)``, ``receive(items, station, county)``
  (verify, store, expire; refused items are logged), ``office_today()``,
  ``on_item(kind, handler)`` for other features' kinds (trips), ``held_versions()``.
- jobs: ``postings(county, destination)``, ``posting(id, county)``, ``fairs()``,
  ``month_grid()``, ``count_view(posting)``, ``slip(...)``, ``print_slip(posting, ticket)``.
- tips: the ``TipDraft`` steps, ``submit(draft, station, printer)``,
  ``receipt_ticket(...)``, ``batch(...)`` / ``write_file(...)`` for the office,
  erased by the office's signed ``ack`` items through ``receive``.
"""

from kiosk.help import jobs
from kiosk.help import tips
from kiosk.help.content import ItemRefused
from kiosk.help.content import Received
from kiosk.help.content import current_key
from kiosk.help.content import held_versions
from kiosk.help.content import office_today
from kiosk.help.content import on_item
from kiosk.help.content import receive
from kiosk.help.content import trust_provisioned
from kiosk.help.models import ContentClock
from kiosk.help.models import ContentItem
from kiosk.help.models import OfficeKey
from kiosk.help.models import SealedTip
from kiosk.help.tips import TipDraft
from kiosk.sync import content_wire

MODELS = [OfficeKey, ContentItem, ContentClock, SealedTip]


def receive_delivery(data, station):
    """Take a delivery document (bytes or mapping) for this station; return what happened."""
    return receive(content_wire.parse_delivery(data), station.code, station.county_code)


__all__ = [
    "MODELS", "ContentClock", "ContentItem", "ItemRefused", "OfficeKey", "Received", "SealedTip", "TipDraft",
    "current_key", "held_versions", "jobs", "office_today", "on_item", "receive", "receive_delivery", "tips",
    "trust_provisioned",
]
