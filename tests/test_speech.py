"""Spoken prompts: every worker screen has one, its audio is made offline, the console sets the volume."""

import json
import re
import wave
from pathlib import Path

import pytest

from kiosk import registration
from kiosk import speech
from kiosk.models import AuditEntry
from kiosk.models import database
from tests.conftest import add_volunteer
from tests.conftest import htmx_headers

# Blueprints of the volunteers' console and of machines, not of a worker's screen.
NOT_WORKER_BLUEPRINTS = {
    "channel", "daybook", "health", "idcard", "luggage", "pack_desk", "printer", "printer_console", "speech", "sync",
    "tallies", "trips_console", "updates", "volunteer",
}


def prompt_src(html):
    found = re.search(r'data-prompt-src="([^"]+)"', html)
    return found.group(1) if found else None


def fetch(client, src):
    """GET an audio file and close the response (send_file leaves the file open until then)."""
    response = client.get(src)
    response.get_data()
    response.close()
    return response


def seconds(path):
    with wave.open(str(path)) as audio:
        return audio.getnframes() / audio.getframerate()


def test_every_worker_screen_has_a_prompt(app):
    """A new worker screen without a line in kiosk/speech/prompts.py fails here (see the README)."""
    missing = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] not in NOT_WORKER_BLUEPRINTS | {"static"}
        and rule.endpoint not in speech.PROMPTS
        and rule.endpoint not in speech.NOT_SCREENS
    ]
    steps = [f"register.{step}" for step in (*registration.STEPS, "done") if f"register.{step}" not in speech.PROMPTS]
    assert missing == [] and steps == []


def test_every_prompt_is_short_enough_to_hear_while_looking(app):
    with app.test_request_context():
        from flask_babel import force_locale
        from flask_babel import gettext

        with force_locale("zh_Hans"):
            long = [key for key, msgid in speech.PROMPTS.items() if len(gettext(msgid)) > 40]
    assert long == []


def test_the_home_screen_speaks_mandarin_and_the_audio_is_cached(app, client):
    src = prompt_src(client.get("/").get_data(as_text=True))
    assert src.startswith("/prompts/zh_Hans/screen.home.")
    first = fetch(client, src)
    assert first.status_code == 200 and first.mimetype == "audio/wav" and first.data[:4] == b"RIFF"
    assert "immutable" in first.headers["Cache-Control"]
    cached = list(Path(app.config["PROMPTS_DIR"]).rglob("*.wav"))
    assert len(cached) == 1 and 1.5 < seconds(cached[0]) < 8
    assert fetch(client, src).data == first.data


def test_an_english_screen_speaks_english(client):
    client.post("/language", data={"lang": "en", "next": "/"})
    src = prompt_src(client.get("/").get_data(as_text=True))
    assert src.startswith("/prompts/en/screen.home.")
    assert fetch(client, src).status_code == 200


def test_a_swapped_registration_step_names_its_prompt(client):
    response = client.post("/register/direction", data={"direction": "work"}, headers=htmx_headers())
    trigger = json.loads(response.headers["HX-Trigger-After-Settle"])
    assert trigger["kiosk-prompt"]["src"].startswith("/prompts/zh_Hans/register.prefecture.")
    assert fetch(client, trigger["kiosk-prompt"]["src"]).status_code == 200


def test_a_stale_or_unknown_prompt_is_not_found(client):
    assert client.get("/prompts/zh_Hans/screen.home.000000000000.wav").status_code == 404
    assert client.get("/prompts/zh_Hans/nothing.123.wav").status_code == 404
    assert client.get("/prompts/fr/screen.home.123.wav").status_code == 404


def test_without_espeak_the_screens_still_work(client, monkeypatch):
    monkeypatch.setattr(speech, "engine_path", lambda: None)
    html = client.get("/").get_data(as_text=True)
    assert client.get(prompt_src(html)).status_code == 404


def test_console_pages_do_not_speak(app, client, auth):
    volunteer = add_volunteer(app)
    auth.sign_in(volunteer)
    html = client.get("/volunteer/").get_data(as_text=True)
    assert prompt_src(html) is None and 'id="prompt-settings"' in html


def test_a_volunteer_sets_volume_and_mute_for_the_station(app, client, auth):
    volunteer = add_volunteer(app)
    auth.sign_in(volunteer)
    for _ in range(3):
        client.post("/volunteer/prompts", data={"action": "louder"})
    panel = client.post("/volunteer/prompts", data={"action": "quieter"}, headers=htmx_headers())
    assert "音量 90%" in panel.get_data(as_text=True)
    client.post("/volunteer/prompts", data={"action": "mute"})
    assert client.post("/volunteer/prompts", data={"action": "shout"}).status_code in (400, 422)
    client.post("/volunteer/sign-out")
    home = client.get("/").get_data(as_text=True)
    assert 'data-prompt-muted="true"' in home and 'data-prompt-volume="90"' in home
    with app.app_context(), database.connection_context():
        assert AuditEntry.select().where(AuditEntry.action == "prompts").count() == 5


def test_prompts_need_a_signed_in_volunteer(client):
    response = client.post("/volunteer/prompts", data={"action": "mute"})
    assert response.status_code in (302, 303)
    assert 'data-prompt-muted="false"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_flask_prompts_build_makes_every_prompt(app, runner, lang):
    result = runner.invoke(args=["prompts", "build"])
    assert result.exit_code == 0, result.output
    folder = Path(app.config["PROMPTS_DIR"]) / lang
    assert len(list(folder.glob("*.wav"))) == len(speech.PROMPTS)
