"""Configuration defaults and the instance secrets they are merged with.

Order of precedence (later wins): these defaults, ``instance/secrets.json``
(generated once per deployment), ``instance/config.py``, environment
variables ``KIOSK_<KEY>``, and finally the ``test_config`` mapping.
"""

import json
import os
import secrets
from pathlib import Path

# The demo station `make run` provisions: Leshan's central bus station, in
# Shizhong district (GB/T 2260 code 511102).
DEMO_STATION = {
    "code": "leshan-kyzx",
    "name": "乐山客运中心站",
    "county_code": "511102",
    "hotline": "0833-12345",
}

SECRET_KEYS = ("SECRET_KEY", "PII_KEY", "SIGNING_KEY", "SYNC_TOKEN")


def defaults(instance_path):
    """Return the built-in configuration for an instance folder."""
    instance = Path(instance_path)
    return {
        "DATABASE_URL": f"sqlite:///{instance / 'kiosk.sqlite3'}",
        # One key file a week for phone/ID fingerprints, destroyed by the retention purge (kiosk.pii_keys).
        "PII_KEY_DIR": str(instance / "pii-keys"),
        "PRINTER_URL": f"preview://{instance / 'prints'}",
        # A profile name from kiosk/printing/profiles.py, optionally with
        # overrides: "generic58?cutter=yes". Seconds before a send gives up.
        "PRINTER_PROFILE": "generic58",
        "PRINTER_TIMEOUT": 10,
        # Minutes a ticket may wait for the printer (paper out, power off) and
        # still print when it comes back; older ones wait on the console's
        # printer panel for a volunteer to reprint or cancel. 0: print them all.
        "PRINTER_STALE_MINUTES": 15,
        # "No ID needed" packs at this kiosk: at most one every N seconds and M an
        # hour (0: no limit), besides one per visit.
        # The console's on-screen keyboard (pinyin): "auto" on the kiosk itself
        # (requests from this machine), true everywhere, false never.
        "ONSCREEN_KEYBOARD": "auto",
        "NO_ID_MIN_SECONDS": 20,
        "NO_ID_PER_HOUR": 60,
        # Kiosk-issued vouchers: their worker stood at the kiosk; after this
        # they wait on the printer panel instead of printing into an empty tray.
        "PRINTER_HOLD_MINUTES": {"voucher": 2},
        # The print worker thread: None starts it with the first request
        # except under TESTING (tests call printing.process_queue()).
        "PRINTER_WORKER": None,
        # App releases installed beside the image's app (kiosk.updates), and
        # the public half of the office's release key that must have signed
        # them (base64, `fleet release-key`; empty: no updates accepted).
        "RELEASES_DIR": str(instance / "releases"),
        "RELEASE_PUBLIC_KEY": "",
        # The ID card reader (kiosk/hardware): serial:///dev/ttyUSB0, virtual://DIR or none.
        "IDCARD_URL": "none",
        # Spoken prompts: the audio cache (made on first use or by `flask prompts
        # build`) and whether screens speak at all (volume/mute are console settings).
        "PROMPTS_DIR": str(instance / "prompts"),
        "PROMPTS_ENABLED": True,
        "STATION": DEMO_STATION["code"],
        "STATION_NAME": DEMO_STATION["name"],
        "STATION_COUNTY": DEMO_STATION["county_code"],
        "STATION_HOTLINE": DEMO_STATION["hotline"],
        "LANGUAGE": "zh_Hans",
        "TIMEZONE": "Asia/Shanghai",
        # Seconds without a touch before the screen returns home and forgets
        # whatever the last person typed.
        "IDLE_SECONDS": 60,
        "IDLE_WARNING_SECONDS": 10,
        # Days a registration keeps its phone/ID fingerprints (keyed hash + last
        # four). Long enough to recognise a worker across one travel season and
        # its gift-pack rules; then they are cleared and the row stays anonymous.
        "PII_RETENTION_DAYS": 30,
        # Days a finished print job (its ticket's bytes: code, station details)
        # is kept. Jobs of open vouchers and of bags still in custody stay
        # longer: a volunteer may have to reprint them.
        "PRINTJOB_RETENTION_DAYS": 30,
        # Destination provinces offered first when leaving for work (GB/T 2260),
        # in this order: where Sichuan's migrant workers mostly go.
        "REGISTRATION_COMMON_DESTINATIONS": [
            "440000", "330000", "350000", "650000", "500000", "320000", "310000", "110000",
        ],
        # The volunteer console signs out after this long without a touch.
        "VOLUNTEER_IDLE_SECONDS": 300,
        # Service tallies shown on the console, in order (keys of kiosk.tallies.SERVICES).
        "TALLY_SERVICES": ["guidance", "tea_water", "medicine", "care", "transport_info", "road_rescue", "protective"],
        # The station's opening hours, station-local "HH:MM-HH:MM" (a closing at or before the
        # opening is past midnight; null: open day and night). Luggage pick-up times fall
        # inside them, and the next closing is the default pick-up on the worker's screen too.
        "STATION_HOURS": "07:00-22:00",
        # Left luggage: shelf/rack name → how many bags it holds (the station's capacity).
        "LUGGAGE_SHELVES": {"A": 12, "B": 12, "C": 8},
        # Most bags on one claim ticket.
        "LUGGAGE_MAX_BAGS": 6,
        # Longest pick-up time offered at check-in, in hours from now.
        "LUGGAGE_MAX_HOURS": 24,
        # Reprints later than this after check-in need a station manager.
        "LUGGAGE_REPRINT_MINUTES": 15,
        # How long a claim ticket's QR code is honoured (days after check-in);
        # overdue bags stay claimable until then.
        "LUGGAGE_UNCLAIMED_DAYS": 30,
        # A gift-pack voucher can be collected on the day it is printed and
        # this many days after (never past its campaign's last day).
        "VOUCHER_VALID_DAYS": 0,
        # Where the voucher tells people to collect their pack, e.g. "一楼出站口志愿者服务台";
        # empty: "the volunteer desk".
        "PACK_COLLECT_AT": "",
        # Hours between an escort's "all safe" (平安) check-ins on a return-to-work trip;
        # later than this the trip shows as overdue on the console.
        "TRIPS_CHECK_IN_HOURS": 2,
        # The central office's public key (base64 Ed25519, from `flask --app
        # kiosk.central keys show`): checks what the office publishes and is
        # what wage-arrears tips are sealed to. Empty: no content, no tips.
        "OFFICE_PUBLIC_KEY": "",
        # Printed on a wage-arrears tip's receipt, e.g. "市中区劳动保障监察大队 0833-2122345".
        "HELP_LABOUR_DESK": "",
        # A job slip's QR when the posting has no contact phone or link of its own.
        "HELP_PLATFORM_URL": "",
        # CSRF tokens are bound to the session, not to the clock: the home
        # screen can sit open for hours between two people.
        "WTF_CSRF_TIME_LIMIT": None,
        # Forms here are a few hundred bytes; anything near this is abuse.
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "SESSION_COOKIE_SAMESITE": "Strict",
        "SESSION_COOKIE_HTTPONLY": True,
    }


def load_or_create_secrets(instance_path, keys=SECRET_KEYS):
    """Read the deployment's secrets, generating any that are missing.

    The file is written with mode 0600 and is never committed: each kiosk
    gets its own keys the first time it starts. The central office asks for
    its SECRET_KEY only.
    """
    path = Path(instance_path) / "secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    missing = [key for key in keys if not stored.get(key)]
    if missing:
        for key in missing:
            stored[key] = secrets.token_urlsafe(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(stored, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    return stored
