import sqlite3

from peewee import CharField
from peewee import IntegerField
from playhouse.migrate import migrate

from kiosk import schema
from kiosk.models import BaseModel
from kiosk.models import Kiosk
from kiosk.models import SchemaMigration
from kiosk.models import database
from tests.conftest import make_app


def test_the_database_file_is_in_wal_mode_with_full_sync_and_foreign_keys(app, tmp_path):
    raw = sqlite3.connect(tmp_path / "kiosk.sqlite3")
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()
    with app.app_context(), database.connection_context():
        assert database.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1


def test_restarting_the_app_keeps_the_kiosk_identity(tmp_path):
    make_app(tmp_path)
    with database.connection_context():
        first = Kiosk.current().kiosk_id
    make_app(tmp_path)
    with database.connection_context():
        assert Kiosk.current().kiosk_id == first
        assert Kiosk.select().count() == 1


def test_a_wiped_database_gets_a_new_kiosk_identity(tmp_path):
    make_app(tmp_path)
    with database.connection_context():
        first = Kiosk.current().kiosk_id
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"kiosk.sqlite3{suffix}").unlink(missing_ok=True)
    make_app(tmp_path)
    with database.connection_context():
        assert Kiosk.current().kiosk_id != first


class Note(BaseModel):
    text = CharField()


class NoteWithPriority(BaseModel):
    text = CharField()
    priority = IntegerField(default=0)

    class Meta:
        table_name = "note"


def add_priority(migrator, db):
    migrate(migrator.add_column("note", "priority", IntegerField(default=0)))


def test_an_upgrade_adds_columns_and_keeps_existing_rows(app):
    with database.connection_context():
        schema.upgrade(models=schema.MODELS + [Note], migrations=[])
        Note.create(text="before the upgrade")
        applied = schema.upgrade(
            models=schema.MODELS + [NoteWithPriority],
            migrations=[("0001_note_priority", add_priority)],
        )
        assert applied == ["0001_note_priority"]
        kept = NoteWithPriority.get()
        assert (kept.text, kept.priority) == ("before the upgrade", 0)
        assert schema.upgrade(models=schema.MODELS + [NoteWithPriority],
                              migrations=[("0001_note_priority", add_priority)]) == []


def test_a_fresh_database_marks_every_migration_as_applied(tmp_path):
    make_app(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    with database.connection_context():
        database.drop_tables(schema.MODELS)
        applied = schema.upgrade(models=schema.MODELS + [NoteWithPriority],
                                 migrations=[("0001_note_priority", add_priority)])
        assert applied == []
        assert NoteWithPriority.create(text="x", priority=2).priority == 2


def test_an_upgraded_kiosk_drops_the_voucher_indexes_another_index_already_starts_with(app):
    """Each index is one more page written per voucher; these three only repeated another's first column."""
    repeated = {"voucher_person_key": "person_key", "voucher_state": "state", "voucher_pack_type_id": "pack_type_id"}

    def voucher_indexes():
        return {row[0] for row in database.execute_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'voucher'").fetchall()}

    with database.connection_context():
        assert not voucher_indexes() & set(repeated)  # a new kiosk never has them
        for name, column in repeated.items():  # as a kiosk from before this release has them
            database.execute_sql(f'CREATE INDEX "{name}" ON voucher ("{column}")')
        SchemaMigration.delete().where(SchemaMigration.name == "voucher_prefix_indexes").execute()
        assert schema.upgrade() == ["voucher_prefix_indexes"]
        left = voucher_indexes()
        assert not left & set(repeated)
        assert {"voucher_person_key_campaign_id_pack_type_id_day", "voucher_state_expires",
                "voucher_pack_type_id_expires"} <= left
