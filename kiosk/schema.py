"""Creating and upgrading the kiosk's schema so an upgraded kiosk keeps its data.

A brand-new database gets every table at once and every migration marked as
applied. An existing one gets any new tables, then the migrations it has not
seen, in order, each recorded in ``schemamigration``. Migrations are named
functions taking a playhouse ``SchemaMigrator``; add new ones at the end.
"""

from playhouse.migrate import SchemaMigrator

from kiosk import help as help_domain
from kiosk.daybook import LateCorrection
from kiosk.luggage import LuggageBag
from kiosk.luggage import LuggageDeposit
from kiosk.models import AuditEntry
from kiosk.models import ClockWatch
from kiosk.models import CountCell
from kiosk.models import database
from kiosk.models import DayClose
from kiosk.models import Kiosk
from kiosk.models import PinDevice
from kiosk.models import SchemaMigration
from kiosk.models import Station
from kiosk.models import StationSetting
from kiosk.models import Volunteer
from kiosk.printing.models import PrintJob
from kiosk.registration import Registration
from kiosk.tallies import Tally
from kiosk.trips import Booking
from kiosk.trips import Seat
from kiosk.trips import Trip
from kiosk.trips import WaitEntry
from kiosk.vouchers import Campaign
from kiosk.vouchers import PackOffer
from kiosk.vouchers import PackType
from kiosk.vouchers import StockMove
from kiosk.vouchers import Voucher

MODELS = [
    SchemaMigration, Station, Kiosk, CountCell, Volunteer, Tally, AuditEntry, PrintJob, Registration,
    LuggageDeposit, LuggageBag,
]
MODELS += [PackType, StockMove, Campaign, PackOffer, Voucher]
MODELS += [DayClose, LateCorrection]
MODELS += [Trip, Booking, Seat, WaitEntry]
MODELS += [StationSetting]
MODELS += help_domain.MODELS
MODELS += [ClockWatch]
MODELS += [PinDevice]

# (name, function(migrator, database)) in the order they must run. New
# tables and new indexes declared on a model need none: create_tables(safe=True)
# adds them to an existing database (CREATE ... IF NOT EXISTS).


def _volunteer_screen_lockout_and_sessions(migrator, database):
    from playhouse.migrate import migrate

    migrate(
        migrator.add_column("volunteer", "screen_failed_attempts", Volunteer.screen_failed_attempts),
        migrator.add_column("volunteer", "screen_locked_until", Volunteer.screen_locked_until),
        migrator.add_column("volunteer", "session_epoch", Volunteer.session_epoch),
    )


def campaign_people_forgotten(migrator, db):
    """Campaigns remember that their vouchers' person keys were cleared (kiosk.vouchers)."""
    from playhouse.migrate import migrate

    migrate(migrator.add_column("campaign", "people_forgotten", Campaign.people_forgotten))


def registration_purge_index(migrator, db):
    """The purge reads only rows still holding personal data (a partial index); the full
    index on created_at would be chosen instead, reading the whole season every day."""
    db.execute_sql('DROP INDEX IF EXISTS "registration_created_at"')


def booking_sealed_last4(migrator, db):
    """Who booked a seat: the last four sealed under the week's key (kiosk.pii_keys), not in clear."""
    from playhouse.migrate import migrate

    migrate(migrator.add_column("booking", "person_last4_sealed", Booking.person_last4_sealed))


def voucher_prefix_indexes(migrator, db):
    """Three voucher indexes that only repeated the first column of another one (person_key, state,
    pack_type): every voucher issued wrote a page to each, inside the tap's write turn."""
    for name in ("voucher_person_key", "voucher_state", "voucher_pack_type_id"):
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')


MIGRATIONS = [
    ("0001_volunteer_screen_lockout_and_sessions", _volunteer_screen_lockout_and_sessions),
    ("campaign_people_forgotten", campaign_people_forgotten),
    ("registration_purge_index", registration_purge_index),
    ("booking_sealed_last4", booking_sealed_last4),
    ("voucher_prefix_indexes", voucher_prefix_indexes),
]


def upgrade(models=None, migrations=None):
    """Bring the database up to date; return the names of migrations applied."""
    models = MODELS if models is None else models
    migrations = MIGRATIONS if migrations is None else migrations
    with database.atomic():
        fresh = not SchemaMigration.table_exists()
        database.create_tables(models, safe=True)
        done = {row.name for row in SchemaMigration.select()}
        applied = []
        migrator = SchemaMigrator.from_database(database.obj)
        for name, step in migrations:
            if name in done:
                continue
            if not fresh:
                step(migrator, database)
            SchemaMigration.create(name=name)
            applied.append(name)
    return applied if not fresh else []
