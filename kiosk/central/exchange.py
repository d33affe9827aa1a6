"""The office's evening session with each kiosk, after the pull: sealed tips in, signed content out.

For every kiosk pulled successfully: ``GET /sync/tips`` (a batch signed with
the kiosk's token; the tips are stored sealed), then ``POST /sync/content``
with the delivery for the kiosk's station, which acknowledges the tips stored
so the kiosk erases them. A kiosk that fails keeps its tips for the next night;
nothing is lost or doubled by running this twice.
"""

import concurrent.futures
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from dataclasses import field

from kiosk.central import cases
from kiosk.central import content
from kiosk.central.models import History
from kiosk.central.models import database
from kiosk.errors import DomainError

log = logging.getLogger(__name__)

# Kiosks are on the office's own network: never through a proxy.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Exchanged:
    """One kiosk's evening session: tips taken in, items the kiosk accepted, held already, refused."""

    name: str
    ok: bool = True
    tips: int = 0
    accepted: int = 0
    unchanged: int = 0
    refused: list = field(default_factory=list)
    error: str = ""


def _call(kiosk, path, timeout, body=None):
    request = urllib.request.Request(
        f"{kiosk.url}{path}",
        data=body,
        method="POST" if body is not None else "GET",
        headers={"Authorization": f"Bearer {kiosk.token}", "Accept": "application/json",
                 "Content-Type": "application/json", "User-Agent": "nuantu-central"},
    )
    with _opener.open(request, timeout=timeout) as response:
        return response.read()


def exchange_one(kiosk, instance_path, area, timeout=30):
    """Take a kiosk's sealed tips and give it its content; return what happened."""
    outcome = Exchanged(kiosk.name)
    history = History.latest_of(kiosk)
    if history is None:
        outcome.ok, outcome.error = False, "not pulled yet: its station is unknown"
        return outcome
    try:
        found = cases.check_batch(_call(kiosk, "/sync/tips", timeout), kiosk.token)
        outcome.tips = cases.take(found, kiosk)
        station = history.station
        delivery = content.delivery_for(instance_path, station.code, station.county_code, [found["kiosk"]], area)
        answer = json.loads(_call(kiosk, "/sync/content", timeout,
                                  json.dumps(delivery, ensure_ascii=False).encode()))
    except DomainError as error:
        outcome.ok, outcome.error = False, str(error)
        return outcome
    except (urllib.error.URLError, OSError, ValueError) as error:
        outcome.ok, outcome.error = False, f"{type(error).__name__}: {getattr(error, 'reason', error)}"
        return outcome
    outcome.accepted = len(answer.get("accepted", []))
    outcome.unchanged = len(answer.get("unchanged", []))
    outcome.refused = [(r.get("id"), r.get("reason")) for r in answer.get("refused", [])]
    for item_id, reason in outcome.refused:
        log.warning("kiosk %s refused %s: %s", kiosk.name, item_id, reason)
    return outcome


def exchange_all(kiosks, instance_path, area, concurrency=16, timeout=30):
    """Run the evening session with every kiosk given, a few at a time; return their outcomes by name."""

    def work(kiosk):
        database.connect(reuse_if_open=True)
        try:
            return exchange_one(kiosk, instance_path, area, timeout)
        except Exception as error:  # one broken kiosk must not stop the night
            log.exception("evening session with %s failed", kiosk.name)
            return Exchanged(kiosk.name, ok=False, error=type(error).__name__)
        finally:
            database.close()

    if not kiosks:
        return []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(kiosks)))) as pool:
        return sorted(pool.map(work, kiosks), key=lambda o: o.name)


def describe(outcome):
    """One line per kiosk for the command line."""
    if not outcome.ok:
        return f"{outcome.name}: content/tips FAILED: {outcome.error}"
    text = (f"{outcome.name}: {outcome.tips} new tips; content {outcome.accepted} accepted, "
            f"{outcome.unchanged} already held, {len(outcome.refused)} refused")
    for item_id, reason in outcome.refused:
        text += f"\n    refused {item_id}: {reason}"
    return text
