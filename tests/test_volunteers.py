import datetime
import time

import pytest

from kiosk import volunteers
from kiosk.errors import DomainError
from kiosk.models import Volunteer
from kiosk.models import database
from tests.conftest import add_volunteer
from tests.conftest import htmx_headers
from tests.conftest import make_app


def test_the_right_pin_opens_the_console(app, client, auth):
    person = add_volunteer(app)
    response = auth.sign_in(person)
    assert response.status_code == 303
    assert "王芳" in client.get("/volunteer/").get_data(as_text=True)


def test_pins_are_stored_only_as_scrypt_hashes(app):
    add_volunteer(app, pin="864297")
    with app.app_context(), database.connection_context():
        stored = Volunteer.get().pin_hash
    assert stored.startswith("scrypt$") and "864297" not in stored


def test_a_wrong_pin_says_how_many_tries_are_left(app, client, auth):
    person = add_volunteer(app)
    response = auth.sign_in(person, pin="9999")
    assert response.status_code == 403
    assert "PIN 错误" in response.get_data(as_text=True)
    assert "4" in response.get_data(as_text=True)
    assert "/volunteer/sign-out" not in client.get("/volunteer/").get_data(as_text=True)


def test_five_wrong_pins_lock_the_person_out_even_after_a_restart(app, tmp_path, auth):
    person = add_volunteer(app)
    for _ in range(5):
        auth.sign_in(person, pin="9999")
    restarted = make_app(tmp_path).test_client()
    response = restarted.post("/volunteer/sign-in", data={"volunteer_id": person, "pin": "2468"})
    assert response.status_code == 403
    assert "15" in response.get_data(as_text=True)
    assert "/volunteer/sign-out" not in restarted.get("/volunteer/").get_data(as_text=True)


def test_the_lockout_ends_after_fifteen_minutes(app):
    person = add_volunteer(app)
    start = datetime.datetime(2027, 1, 20, 8, 0)
    with app.app_context(), database.connection_context():
        for _ in range(5):
            with pytest.raises(volunteers.SignInRefused):
                volunteers.sign_in(person, "9999", now=start)
        with pytest.raises(volunteers.SignInRefused):
            volunteers.sign_in(person, "2468", now=start + datetime.timedelta(minutes=14))
        assert volunteers.sign_in(person, "2468", now=start + datetime.timedelta(minutes=16)).id == person


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "1234", "0000", "７７７８"])
def test_short_long_non_digit_and_guessable_pins_are_refused(app, pin):
    with app.app_context(), database.connection_context(), pytest.raises(DomainError):
        volunteers.add("李强", pin)


def test_an_idle_console_signs_the_volunteer_out(tmp_path):
    app = make_app(tmp_path, VOLUNTEER_IDLE_SECONDS=0)
    person = add_volunteer(app)
    client = app.test_client()
    client.post("/volunteer/sign-in", data={"volunteer_id": person, "pin": "2468"})
    page = client.get("/volunteer/").get_data(as_text=True)
    assert "无操作" in page
    assert "/volunteer/sign-out" not in page


def test_only_a_manager_may_manage_volunteers(app, client, auth):
    helper = add_volunteer(app, name="张伟", pin="135792")
    auth.sign_in(helper, pin="135792")
    assert client.get("/volunteer/people").status_code == 403


def test_a_manager_adds_and_disables_a_volunteer_who_then_cannot_sign_in(app, client, auth):
    manager = add_volunteer(app, name="陈站长", pin="975310", role="manager")
    auth.sign_in(manager, pin="975310")
    response = client.post("/volunteer/people", data={"name": "刘洋", "pin": "3691", "role": "volunteer"})
    assert response.status_code == 303
    with app.app_context(), database.connection_context():
        newcomer = Volunteer.get(Volunteer.name == "刘洋").id
    client.post(f"/volunteer/people/{newcomer}/active", data={"active": "0"})
    other = app.test_client()
    refused = other.post("/volunteer/sign-in", data={"volunteer_id": newcomer, "pin": "3691"})
    assert refused.status_code == 403


def test_a_manager_cannot_disable_themself(app, client, auth):
    manager = add_volunteer(app, name="陈站长", pin="975310", role="manager")
    auth.sign_in(manager, pin="975310")
    response = client.post(f"/volunteer/people/{manager}/active", data={"active": "0"})
    assert response.status_code == 400
    assert "不能停用自己" in response.get_data(as_text=True)


def test_a_bad_pin_from_htmx_redraws_the_pad_with_the_message(app, client):
    person = add_volunteer(app)
    response = client.post("/volunteer/sign-in", data={"volunteer_id": person, "pin": "1"}, headers=htmx_headers())
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="sign-in"')
    assert 'role="alert"' in body


def test_the_cli_adds_the_first_manager_and_lists_people(runner):
    result = runner.invoke(args=["volunteers", "add", "陈站长", "--role", "manager", "--pin", "975310"])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["volunteers", "list"])
    assert "陈站长\tmanager\tactive" in listing.output
    weak = runner.invoke(args=["volunteers", "add", "张伟", "--pin", "1234"])
    assert weak.exit_code != 0 and "too easy" in weak.output


@pytest.mark.parametrize("path, element", [
    ("/statusbar", "statusbar"),
    ("/volunteer/day/overview", "overview"),
    ("/volunteer/printer/", "printer-panel"),
])
def test_a_screens_own_polling_does_not_keep_the_volunteer_signed_in(tmp_path, path, element):
    app = make_app(tmp_path, VOLUNTEER_IDLE_SECONDS=1)
    person = add_volunteer(app)
    client = app.test_client()
    client.post("/volunteer/sign-in", data={"volunteer_id": person, "pin": "2468"})
    for _ in range(4):  # the tablet lies on the desk; only its panels refresh themselves
        time.sleep(0.4)
        client.get(path, headers={"HX-Request": "true", "HX-Trigger": element})
    page = client.get("/volunteer/").get_data(as_text=True)
    assert "/volunteer/sign-out" not in page


def test_the_cli_disables_enables_and_resets_a_pin(app, runner):
    runner.invoke(args=["volunteers", "add", "王芳", "--pin", "2468"])
    assert "disabled 王芳" in runner.invoke(args=["volunteers", "disable", "王芳"]).output
    assert "disabled" in runner.invoke(args=["volunteers", "list"]).output
    assert "enabled 王芳" in runner.invoke(args=["volunteers", "enable", "王芳"]).output
    assert "new PIN for 王芳" in runner.invoke(args=["volunteers", "set-pin", "王芳", "--pin", "8642"]).output
    weak = runner.invoke(args=["volunteers", "set-pin", "王芳", "--pin", "1111"])
    assert weak.exit_code != 0
    assert runner.invoke(args=["volunteers", "disable", "nobody"]).exit_code != 0
    from kiosk import volunteers
    from kiosk.models import database
    with app.app_context(), database.connection_context():
        from kiosk.models import Volunteer
        assert volunteers.sign_in(Volunteer.get(Volunteer.name == "王芳").id, "8642").name == "王芳"


def test_a_manager_resets_a_forgotten_pin_from_the_console_and_a_volunteer_is_never_stranded(app, client, auth):
    from tests.conftest import add_volunteer
    add_volunteer(app, name="陈站长", pin="975310", role="manager")
    add_volunteer(app, name="王芳", pin="2468")
    client.post("/volunteer/sign-in", data={"volunteer_id": 2, "pin": "2468"})
    refused = client.get("/volunteer/people")
    assert refused.status_code == 403
    assert 'href="/volunteer/"' in refused.get_data(as_text=True)  # back to the console, not out of it
    client.post("/volunteer/sign-out")
    client.post("/volunteer/sign-in", data={"volunteer_id": 1, "pin": "975310"})
    assert client.post("/volunteer/people/2/pin", data={"pin": "8642"}).status_code in (200, 303)
    client.post("/volunteer/sign-out")
    assert client.post("/volunteer/sign-in", data={"volunteer_id": 2, "pin": "8642"}).status_code in (200, 204, 303)


def test_a_managers_pin_is_at_least_six_digits(app):
    with app.app_context(), database.connection_context():
        with pytest.raises(DomainError, match="6 to 8"):
            volunteers.add("陈站长", "97531", "manager")
        assert volunteers.add("陈站长", "975310", "manager").role == "manager"
        assert volunteers.add("张伟", "3691").role == "volunteer"  # volunteers keep 4 to 8


def test_signing_out_ends_the_session_even_for_a_copied_cookie(app, client, auth):
    person = add_volunteer(app)
    auth.sign_in(person)
    copied = app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    assert "/volunteer/sign-out" in copied.get("/volunteer/").get_data(as_text=True)
    auth.sign_out()
    assert "/volunteer/sign-out" not in copied.get("/volunteer/").get_data(as_text=True)
    assert copied.get("/volunteer/people").status_code in (302, 303)


def test_disabling_or_a_new_pin_ends_every_open_session(app, runner):
    manager = add_volunteer(app, name="陈站长", pin="975310", role="manager")
    helper = add_volunteer(app)
    boss, tablet = app.test_client(), app.test_client()
    boss.post("/volunteer/sign-in", data={"volunteer_id": manager, "pin": "975310"})
    tablet.post("/volunteer/sign-in", data={"volunteer_id": helper, "pin": "2468"})
    result = runner.invoke(args=["volunteers", "set-pin", "王芳", "--pin", "3691"])
    assert result.exit_code == 0, result.output
    assert "/volunteer/sign-out" not in tablet.get("/volunteer/").get_data(as_text=True)
    assert tablet.post("/volunteer/sign-in", data={"volunteer_id": helper, "pin": "3691"}).status_code == 303
    boss.post(f"/volunteer/people/{helper}/active", data={"active": "0"})
    assert "/volunteer/sign-out" not in tablet.get("/volunteer/").get_data(as_text=True)


def test_a_station_manager_unlocks_from_the_cli(app, runner):
    manager = add_volunteer(app, name="陈站长", pin="975310", role="manager")
    console = app.test_client()
    for _ in range(5):
        console.post("/volunteer/sign-in", data={"volunteer_id": manager, "pin": "111111"})
    assert console.post("/volunteer/sign-in", data={"volunteer_id": manager, "pin": "975310"}).status_code == 403
    result = runner.invoke(args=["volunteers", "unlock", "陈站长"])
    assert result.exit_code == 0, result.output
    assert console.post("/volunteer/sign-in", data={"volunteer_id": manager, "pin": "975310"}).status_code == 303


@pytest.mark.parametrize("path", ["/volunteer/", "/volunteer/people", "/volunteer/luggage/", "/volunteer/sign-in"])
def test_console_and_luggage_pages_are_never_cached(app, client, auth, path):
    manager = add_volunteer(app, name="陈站长", pin="975310", role="manager")
    auth.sign_in(manager, pin="975310")
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def browser_at(app, address):
    """A test client whose requests come from this address (a tablet on the station's network)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def roster(app, count=3):
    return [add_volunteer(app, name=f"志愿者{i}", pin=f"97531{i}") for i in range(count)]


def wrong_pins_across(post, people, total):
    """Type ``total`` wrong PINs, four per person at most, so no one person's own lock is reached."""
    for n in range(total):
        response = post(people[n // 4], "000009")
        assert response.status_code == 403
    return response


def test_going_through_the_roster_on_one_device_locks_that_device_not_the_people(app):
    people = roster(app)
    tablet = browser_at(app, "192.168.8.21")

    def post(person, pin):
        return tablet.post("/volunteer/sign-in", data={"volunteer_id": person, "pin": pin})

    wrong_pins_across(post, people, volunteers.DEVICE_MAX_FAILURES["cookie"])
    refused = post(people[2], "975312")  # the right PIN, but this tablet is locked
    assert refused.status_code == 403 and "设备" in refused.get_data(as_text=True)
    other_tablet = browser_at(app, "192.168.8.22")
    answer = other_tablet.post("/volunteer/sign-in", data={"volunteer_id": people[2], "pin": "975312"})
    assert answer.status_code == 303  # the person is not locked, only the device


def test_a_browser_that_drops_its_device_cookie_still_counts_on_its_address(app):
    people = roster(app, count=8)

    def post(person, pin):  # a fresh client each time: no device cookie kept
        fresh = browser_at(app, "192.168.8.30")
        return fresh.post("/volunteer/sign-in", data={"volunteer_id": person, "pin": pin})

    wrong_pins_across(post, people, volunteers.DEVICE_MAX_FAILURES["addr"])
    assert post(people[0], "975310").status_code == 403
    elsewhere = browser_at(app, "192.168.8.31")
    assert elsewhere.post("/volunteer/sign-in", data={"volunteer_id": people[0], "pin": "975310"}).status_code == 303


def test_a_device_locked_at_the_worker_screen_still_lets_a_manager_into_the_console_and_they_lift_it(app):
    people = roster(app)
    manager = add_volunteer(app, name="陈站长", pin="864213", role="manager")
    kiosk = ("cookie:kiosk-screen", "addr:127.0.0.1")
    start = datetime.datetime(2027, 1, 20, 8, 0)
    with app.app_context(), database.connection_context():
        for n in range(volunteers.DEVICE_MAX_FAILURES["cookie"]):
            with pytest.raises(volunteers.SignInRefused):
                volunteers.sign_in(people[n // 4], "000009", now=start, at=volunteers.SCREEN, devices=kiosk)
        with pytest.raises(volunteers.SignInRefused, match="device"):
            volunteers.sign_in(manager, "864213", now=start, at=volunteers.SCREEN, devices=kiosk)
        assert volunteers.sign_in(manager, "864213", now=start, at=volunteers.CONSOLE, devices=kiosk).id == manager
        # Signing in at the console lifted this device's locks: the screen works again.
        assert volunteers.sign_in(manager, "864213", now=start, at=volunteers.SCREEN, devices=kiosk).id == manager


def test_each_device_lock_in_a_row_lasts_twice_as_long(app):
    people = roster(app, count=6)
    tablet = ("cookie:tablet", "addr:192.168.8.40")
    start = datetime.datetime(2027, 1, 20, 8, 0)
    limit = volunteers.DEVICE_MAX_FAILURES["cookie"]
    with app.app_context(), database.connection_context():
        for n in range(limit):
            with pytest.raises(volunteers.SignInRefused):
                volunteers.sign_in(people[n // 4], "000009", now=start, devices=tablet)
        assert volunteers.device_locked_minutes(tablet, volunteers.CONSOLE, start) == 15
        again = start + datetime.timedelta(minutes=16)
        for n in range(limit):
            with pytest.raises(volunteers.SignInRefused):
                volunteers.sign_in(people[3 + n // 4 % 3], "000009", now=again, devices=tablet)
        assert volunteers.device_locked_minutes(tablet, volunteers.CONSOLE, again) == 30
        assert volunteers.device_locked_minutes(tablet, volunteers.SCREEN, again) == 0


def test_the_cli_lifts_every_device_lock(app, runner):
    people = roster(app)
    tablet = browser_at(app, "192.168.8.50")

    def post(person, pin):
        return tablet.post("/volunteer/sign-in", data={"volunteer_id": person, "pin": pin})

    wrong_pins_across(post, people, volunteers.DEVICE_MAX_FAILURES["cookie"])
    assert post(people[2], "975312").status_code == 403
    result = runner.invoke(args=["volunteers", "unlock-devices"])
    assert result.exit_code == 0 and "unlocked 1 device path(s)" in result.output
    assert post(people[2], "975312").status_code == 303
