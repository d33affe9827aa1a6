"""What the kiosk forgets, and when: old phone/ID fingerprints and old print jobs.

Both run on the first request of each station-local day (kiosk/views/housekeeping.py)
and by hand from the CLI. No Flask here: the caller passes the configured days.
"""

import datetime
import logging

from kiosk import clock
from kiosk import counts
from kiosk import luggage
from kiosk import pii_keys
from kiosk import printing
from kiosk import registration
from kiosk import trips
from kiosk import vouchers
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.models import database

log = logging.getLogger(__name__)


def purge_print_jobs(older_than_days, now=None):
    """Delete print jobs finished more than N days ago that nobody can need again; return how many.

    A job's bytes hold its ticket's code and the station's details. A job stays
    while it is waiting for the printer, while its voucher is still open or its
    bags are still in custody (a volunteer may reprint it: the same bytes), and
    while a reprint of it stays.
    """
    if older_than_days < 0:
        raise DomainError(N_("The number of days cannot be negative."))
    cutoff = (now or clock.now()) - datetime.timedelta(days=older_than_days)
    with counts.write_transaction():
        keep = vouchers.print_jobs_in_use() | luggage.print_jobs_in_use() | trips.print_jobs_in_use()
        deleted = printing.purge_finished(cutoff, keep)
        vouchers.forget_print_jobs(deleted)
    return len(deleted)


def purge_personal_data(older_than_days, now=None):
    """Forget phone/ID fingerprints older than N days everywhere they are kept; return (registrations, vouchers).

    A registration's fingerprints and the person key its vouchers carry (the
    same HMAC, for the quota) go together: none outlives the retention days.
    Then the key of every week that ended before the cutoff is destroyed
    (``kiosk.pii_keys``): whatever copy of that week's fingerprints survived
    anywhere can no longer be matched to a number.
    """
    now = now or clock.now()
    cutoff = now - datetime.timedelta(days=older_than_days)
    cleared = registration.purge_personal_fields(older_than_days, now=now)
    keys = vouchers.forget_people(cutoff)
    cleared += trips.purge_personal_fields(older_than_days, now=now)  # who booked a seat, on the manifest
    destroyed = pii_keys.destroy_before(cutoff)
    if destroyed:
        log.info("destroyed the fingerprint keys of the weeks starting %s", ", ".join(f"{d:%Y-%m-%d}" for d in destroyed))
    if cleared or keys:
        # The old versions of the pages still sit in the WAL until a checkpoint:
        # copy them home (secure_delete zeroes the freed bytes) and empty the WAL.
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return cleared, keys


def purge_expired(pii_days, print_job_days, now=None):
    """Run every retention rule with the configured days (the daily housekeeping); never on a clock in doubt."""
    if clock.suspect():
        log.warning("retention purge skipped: the clock needs checking by a station manager")
        return
    purge_personal_data(pii_days, now=now)
    purge_print_jobs(print_job_days, now=now)
