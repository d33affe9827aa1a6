import json

from kiosk import create_app
from tests.conftest import make_app


def test_defaults_use_a_sqlite_file_and_a_preview_printer_in_the_instance_folder(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path / "inst")})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'kiosk.sqlite3'}"
    assert app.config["PRINTER_URL"] == f"preview://{tmp_path / 'inst' / 'prints'}"
    assert (tmp_path / "inst" / "kiosk.sqlite3").exists()


def test_secrets_are_generated_once_private_and_stable(tmp_path):
    first = make_app(tmp_path)
    second = make_app(tmp_path)
    secrets_file = tmp_path / "instance" / "secrets.json"
    assert secrets_file.stat().st_mode & 0o077 == 0
    stored = json.loads(secrets_file.read_text())
    for key in ("SECRET_KEY", "PII_KEY", "SIGNING_KEY", "SYNC_TOKEN"):
        assert len(stored[key]) >= 32
        assert first.config[key] == second.config[key] == stored[key]


def test_environment_overrides_instance_config(tmp_path, monkeypatch):
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "config.py").write_text("IDLE_SECONDS = 90\nSTATION_HOTLINE = '12345'\n")
    monkeypatch.setenv("KIOSK_IDLE_SECONDS", "45")
    app = make_app(tmp_path)
    assert app.config["IDLE_SECONDS"] == 45
    assert app.config["STATION_HOTLINE"] == "12345"


def test_an_unknown_default_language_is_refused_at_start(tmp_path):
    try:
        make_app(tmp_path, LANGUAGE="fr")
    except ValueError as exc:
        assert "KIOSK_LANGUAGE" in str(exc)
    else:
        raise AssertionError("a kiosk must not start in a language it has no catalog for")
