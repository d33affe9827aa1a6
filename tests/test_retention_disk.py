"""Retention against someone holding the disk: a purged fingerprint is gone from the file's bytes."""

import datetime

from kiosk import registration
from kiosk import retention
from kiosk.models import database
from kiosk.registration import Registration
from tests.test_registration import going_to_work
from tests.test_registration import with_phone

MORNING = datetime.datetime(2027, 1, 20, 2, 0)


def disk_bytes(tmp_path):
    return b"".join(p.read_bytes() for p in tmp_path.glob("kiosk.sqlite3*"))


def test_a_purged_phone_fingerprint_is_not_left_in_the_database_files(app, tmp_path):
    with app.app_context(), database.connection_context():
        registration.register(with_phone(going_to_work()), now=MORNING)
        digest = Registration.get().phone_hash.encode()
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        assert digest in disk_bytes(tmp_path)  # the test can see it while it is kept
        retention.purge_personal_data(30, now=MORNING + datetime.timedelta(days=31))
        assert Registration.get().phone_hash is None
        assert digest not in disk_bytes(tmp_path)  # while the kiosk runs: not in a free page, not in the WAL
