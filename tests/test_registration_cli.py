"""`flask --app kiosk registrations purge`: clearing old phone/ID fingerprints by hand."""

import datetime

from kiosk import clock
from kiosk import registration
from kiosk.models import database
from kiosk.registration import Registration


def register_with_phone(app, days_ago):
    with app.app_context(), database.connection_context():
        draft = registration.choose_home(registration.start("home"), "511102", "511102")
        draft = registration.add_phone(registration.answer_consent(draft, "yes"), "13800138000", "key")
        registration.register(draft, now=clock.now() - datetime.timedelta(days=days_ago))


def fingerprints(app):
    with app.app_context(), database.connection_context():
        return sorted("kept" if r.phone_hash else "-" for r in Registration.select())


def test_purge_clears_fingerprints_older_than_the_days_given(app, runner):
    register_with_phone(app, days_ago=10)
    register_with_phone(app, days_ago=1)
    result = runner.invoke(args=["registrations", "purge", "--older-than", "5"])
    assert result.exit_code == 0
    assert "cleared phone/ID fingerprints of 1 registration(s) and 0 voucher(s) older than 5 day(s)" in result.output
    assert fingerprints(app) == ["-", "kept"]


def test_purge_defaults_to_the_configured_retention(app, runner):
    register_with_phone(app, days_ago=31)
    result = runner.invoke(args=["registrations", "purge"])
    assert result.exit_code == 0 and "older than 30 day(s)" in result.output
    assert fingerprints(app) == ["-"]


def test_purge_refuses_a_negative_number_of_days(app, runner):
    register_with_phone(app, days_ago=3)
    result = runner.invoke(args=["registrations", "purge", "--older-than", "-1"])
    assert result.exit_code != 0
    assert fingerprints(app) == ["kept"]


def test_the_registrations_commands_have_help(runner):
    for command in (["registrations", "--help"], ["registrations", "purge", "--help"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0 and "Usage:" in result.output
