"""When the office pulls: in the evening after the stations close, then retries until the morning.

Kiosks are switched off at night. The pull starts at ``PULL_EVENING`` (office
time), while they are still on; a kiosk that fails is retried with back-off
(``PULL_BACKOFF_MINUTES``: 15, 30, 60, then every 120 minutes) until
``PULL_UNTIL`` the next morning, when it has been switched on again. A kiosk
that synced since the evening began is left alone. ``flask --app kiosk.central
pull --due`` pulls exactly the kiosks due now; the systemd timer runs it every
15 minutes and it does nothing outside the window. A kiosk that never answers
can still deliver its counts on a USB stick (``import``).
"""

import datetime

from kiosk import clock
from kiosk.central.models import Kiosk
from kiosk.central.models import utcnow
from kiosk.central.models import write_transaction

DEFAULTS = {"PULL_EVENING": "20:30", "PULL_UNTIL": "10:00", "PULL_BACKOFF_MINUTES": [15, 30, 60, 120]}


def _time(text):
    hours, minutes = text.split(":")
    return datetime.time(int(hours), int(minutes))


def window(config, now=None):
    """Return (start, end) of the pull window containing ``now`` as naive UTC, or None outside it."""
    now = now or utcnow()
    local = now.replace(tzinfo=datetime.UTC).astimezone(clock.zone())
    evening, until = _time(config["PULL_EVENING"]), _time(config["PULL_UNTIL"])
    today = local.date()
    start_day = today if local.time() >= evening else today - datetime.timedelta(days=1)
    start = datetime.datetime.combine(start_day, evening, clock.zone())
    end_day = start_day + datetime.timedelta(days=1) if until <= evening else start_day  # usually the next morning
    end = datetime.datetime.combine(end_day, until, clock.zone())
    if not start <= local < end:
        return None
    return _utc(start), _utc(end)


def _utc(moment):
    return moment.astimezone(datetime.UTC).replace(tzinfo=None)


def backoff(config, failures):
    """Minutes to wait after the given number of failures in a row."""
    steps = config["PULL_BACKOFF_MINUTES"]
    return steps[min(failures, len(steps)) - 1] if failures > 0 else 0


def due(kiosks, config, now=None):
    """The kiosks to pull now: inside the window, not yet synced since it began, and past their back-off."""
    now = now or utcnow()
    span = window(config, now)
    if span is None:
        return []
    start, _end = span
    return [
        k for k in kiosks
        if k.url
        and (k.last_success_at is None or k.last_success_at < start)
        and (k.next_attempt_at is None or k.next_attempt_at <= now)
    ]


def record(summary, config, now=None):
    """After a pull: a kiosk that answered starts afresh; one that failed waits longer each time."""
    now = now or utcnow()
    for outcome in summary.outcomes:
        with write_transaction():
            kiosk = Kiosk.by_name(outcome.name)
            if kiosk is None:
                continue
            if outcome.ok:
                changes = {Kiosk.failures: 0, Kiosk.next_attempt_at: None}
            else:
                failures = kiosk.failures + 1
                changes = {
                    Kiosk.failures: failures,
                    Kiosk.next_attempt_at: now + datetime.timedelta(minutes=backoff(config, failures)),
                }
            Kiosk.update(changes).where(Kiosk.id == kiosk.id).execute()


def next_retry(kiosk, config, now=None):
    """When a failed kiosk will be tried again: its back-off inside tonight's window, else the next evening."""
    now = now or utcnow()
    if not kiosk.url or not kiosk.last_error:
        return None
    span = window(config, now)
    if span and kiosk.next_attempt_at and kiosk.next_attempt_at < span[1]:
        return max(kiosk.next_attempt_at, now)
    local = now.replace(tzinfo=datetime.UTC).astimezone(clock.zone())
    evening = _time(config["PULL_EVENING"])
    day = local.date() if local.time() < evening else local.date() + datetime.timedelta(days=1)
    if span:
        day = (span[1].replace(tzinfo=datetime.UTC).astimezone(clock.zone())).date()
    return _utc(datetime.datetime.combine(day, evening, clock.zone()))
