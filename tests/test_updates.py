"""Signed releases on the kiosk: what is refused, what the launcher does with a release that fails."""

import json
import threading
import time

import pytest

from kiosk import keys
from kiosk import release_file
from kiosk import updates
from kiosk.errors import DomainError
from kiosk.release_file import ReleaseRefused
from kiosk.updates.launch import Launcher
from tests.conftest import make_app
from tests.fleet.helpers import tampered


def wheel(tmp_path, version="0.2.0", catalog=True, extra=None):
    import zipfile

    path = tmp_path / f"nuantu_kiosk-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("kiosk/__init__.py", "")
        if catalog:
            z.writestr(release_file.CATALOG, b"\xde\x12\x04\x95")
        z.writestr(f"nuantu_kiosk-{version}.dist-info/METADATA", f"Name: nuantu-kiosk\nVersion: {version}\n")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


@pytest.fixture
def key(tmp_path):
    return keys.load_or_generate(tmp_path / "release.key")


@pytest.fixture
def kiosk_app(tmp_path, key):
    return make_app(tmp_path / "kiosk", SYNC_TOKEN="t" * 24, RELEASE_PUBLIC_KEY=keys.public_text(key))


def release(tmp_path, key, **options):
    path = wheel(tmp_path, **options)
    return release_file.build(path.read_bytes(), path.name, key, "2027-01-20T00:00:00Z")


def test_the_release_key_is_made_once_private_and_then_kept(tmp_path):
    key = keys.load_or_generate(tmp_path / "k")
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600
    assert keys.public_text(keys.load_or_generate(tmp_path / "k")) == keys.public_text(key)
    (tmp_path / "k").chmod(0o644)
    with pytest.raises(keys.BadKey, match="readable by others"):
        keys.load_or_generate(tmp_path / "k")


def test_a_release_reads_back_only_under_its_own_key(tmp_path, key):
    data = release(tmp_path, key)
    public = keys.public_text(key)
    assert release_file.read(data, public).version == "0.2.0"
    other = keys.generate()
    with pytest.raises(ReleaseRefused, match="signature"):
        release_file.read(data, keys.public_text(other))
    with pytest.raises(ReleaseRefused, match="does not match"):
        release_file.read(tampered(data, "nuantu_kiosk-0.2.0-py3-none-any.whl"), public)
    with pytest.raises(ReleaseRefused, match="not a release"):
        release_file.read(b"garbage" * 100, public)


def test_a_wheel_without_compiled_catalogs_is_never_published(tmp_path, key):
    path = wheel(tmp_path, catalog=False)
    with pytest.raises(ReleaseRefused, match="compiled Chinese catalog"):
        release_file.build(path.read_bytes(), path.name, key, "x")


def test_stage_unpacks_beside_the_running_app_and_marks_it_pending(kiosk_app, tmp_path, key):
    version = updates.stage(kiosk_app.config, release(tmp_path, key), "0.1.0")

    folder = updates.releases_dir(kiosk_app.config)
    assert version == "0.2.0"
    assert (folder / "0.2.0" / "site" / "kiosk" / "__init__.py").exists()
    state = updates.load_state(folder)
    assert state["pending"] == "0.2.0" and state["current"] is None
    with pytest.raises(DomainError, match="already installed"):
        updates.stage(kiosk_app.config, release(tmp_path, key), "0.1.0")


def test_a_wheel_that_would_write_outside_its_folder_is_refused(kiosk_app, tmp_path, key):
    data = release(tmp_path, key, extra={"nuantu_kiosk-0.2.0.data/scripts/evil": "#!/bin/sh\n"})
    with pytest.raises(ReleaseRefused, match="outside the app"):
        updates.stage(kiosk_app.config, data, "0.1.0")
    assert updates.load_state(updates.releases_dir(kiosk_app.config))["pending"] is None


def test_a_kiosk_without_a_release_key_accepts_nothing(tmp_path, key):
    app = make_app(tmp_path / "bare", SYNC_TOKEN="t" * 24)
    with pytest.raises(ReleaseRefused, match="no release key"):
        updates.stage(app.config, release(tmp_path, key), "0.1.0")


def test_the_release_api_needs_the_sync_token(kiosk_app, tmp_path, key):
    client = kiosk_app.test_client()
    assert client.get("/sync/release").status_code == 401
    assert client.post("/sync/release", data=release(tmp_path, key)).status_code == 401
    answer = client.post("/sync/release", data=release(tmp_path, key), headers={"Authorization": "Bearer " + "t" * 24})
    assert answer.status_code == 202 and answer.get_json()["pending"] == "0.2.0"
    diagnostics = client.get("/sync/diagnostics", headers={"Authorization": "Bearer " + "t" * 24}).get_json()
    assert diagnostics["release"]["pending"] == "0.2.0"
    assert "t" * 24 not in json.dumps(diagnostics)


def run_launcher(launcher, until, timeout=30):
    thread = threading.Thread(target=launcher.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not until():
            time.sleep(0.1)
    finally:
        launcher.stopping.set()
        thread.join(20)
    assert until(), "the launcher never got there"


def fake_python(tmp_path, exit_code):
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\nsleep 0.2\nexit {exit_code}\n")
    script.chmod(0o755)
    return str(script)


def test_a_release_whose_app_exits_is_rolled_back(tmp_path):
    folder = tmp_path / "releases"
    (folder / "0.2.0" / "site").mkdir(parents=True)
    updates.save_state(folder, {**updates.load_state(folder), "pending": "0.2.0"})
    launcher = Launcher(folder, ["--port", "9"], trial_seconds=10, python=fake_python(tmp_path, 3))

    run_launcher(launcher, lambda: "0.2.0" in updates.load_state(folder)["failed"])

    state = updates.load_state(folder)
    assert state["current"] is None and state["trial"] is None
    assert state["failed"]["0.2.0"] == "the app exited with status 3"


def test_a_release_that_kept_the_kiosk_from_starting_is_given_up_after_three_starts(tmp_path):
    folder = tmp_path / "releases"
    state = updates.load_state(folder)
    state.update(current="0.2.0", previous="0.1.5", trial={"version": "0.2.0", "starts": 3})
    updates.save_state(folder, state)
    launcher = Launcher(folder, ["--port", "9"], trial_seconds=10, python=fake_python(tmp_path, 0))

    run_launcher(launcher, lambda: updates.load_state(folder)["trial"] is None)

    state = updates.load_state(folder)
    assert state["current"] == "0.1.5"
    assert state["failed"]["0.2.0"] == "did not come up in 3 starts"


def test_a_release_staged_while_another_is_on_trial_is_not_lost(tmp_path):
    folder = tmp_path / "releases"
    for version in ("0.2.0", "0.3.0"):
        (folder / version / "site").mkdir(parents=True)
    updates.save_state(folder, {**updates.load_state(folder), "pending": "0.2.0"})
    script = tmp_path / "python"
    script.write_text("#!/bin/sh\nsleep 2\nexit 3\n")  # each release starts, then dies on its trial
    script.chmod(0o755)
    launcher = Launcher(folder, ["--port", "9"], trial_seconds=10, python=str(script))

    def stage_during_the_trial():
        state = updates.load_state(folder)
        if state["trial"] and state["trial"]["version"] == "0.2.0" and not state["pending"]:
            updates.save_state(folder, {**state, "pending": "0.3.0"})  # what the app's /sync/release does
        return "0.2.0" in updates.load_state(folder)["failed"]

    run_launcher(launcher, stage_during_the_trial)

    state = updates.load_state(folder)
    assert "0.3.0" in (state["pending"], (state["trial"] or {}).get("version"), state["current"]) or \
        "0.3.0" in state["failed"], state
