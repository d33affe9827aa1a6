"""First-boot provisioning of the kiosk image (deploy/kiosk-image/.../provision.py).

The technician's file is applied to a data partition in tmp_path and the real
kiosk app is asked what it now serves; only mount/udevadm are left out.
"""

import datetime
import json
import stat

import pytest

from kiosk import create_app
from tests.image_helpers import IMAGE
from tests.image_helpers import lint_udev
from tests.image_helpers import provision

WHEN = datetime.datetime(2025, 1, 20, 8, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
TOKEN = "central-office-token-0123456789"

NOTEPAD_FILE = (
    "\ufeff# 暖途 provisioning\r\n"
    "STATION=chengdu-bei\r\n"
    "STATION_NAME=成都北站\r\n"
    "station_county = 510106\r\n"
    'STATION_HOTLINE="028-12345"\r\n'
    "PRINTER_URL=usb://0FE6:811E\r\n"
    f"SYNC_TOKEN={TOKEN}\r\n"
    "\r\n"
    "ROTATE=90\r\n"
)


def ask_the_app(data_dir):
    """What `flask --app kiosk station show` says with the provisioned instance folder."""
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(data_dir / "instance")})
    result = app.test_cli_runner().invoke(args=["station", "show"])
    if result.exit_code != 0:
        raise provision.ProvisionError([f"the kiosk app refused these settings: {result.output}"])
    return result.output


@pytest.fixture
def stick(tmp_path):
    """A USB stick (or boot partition) folder holding the technician's file."""
    folder = tmp_path / "stick"
    folder.mkdir()
    return folder


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


def write_file(stick, text):
    path = stick / provision.FILE_NAME
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_a_notepad_file_with_bom_crlf_comments_and_quotes_is_understood():
    settings = provision.parse(NOTEPAD_FILE)
    assert settings == {
        "STATION": "chengdu-bei",
        "STATION_NAME": "成都北站",
        "STATION_COUNTY": "510106",
        "STATION_HOTLINE": "028-12345",
        "PRINTER_URL": "usb://0FE6:811E",
        "SYNC_TOKEN": TOKEN,
        "ROTATE": "90",
    }


def test_every_mistake_in_a_file_is_reported_at_once():
    with pytest.raises(provision.ProvisionError) as caught:
        provision.parse("STATION=Chengdu Bei\nSTATION_COUNTY=5101\nPRINTR_URL=x\nSYNC_TOKEN=short\nROTATE=45\njunk\n")
    problems = "\n".join(caught.value.problems)
    assert "unknown key 'PRINTR_URL'" in problems
    assert "line 6: expected KEY=VALUE" in problems
    assert "STATION_NAME is required" in problems
    assert "STATION must be a short code" in problems
    assert "6-digit county code" in problems
    assert "SYNC_TOKEN is too short" in problems
    assert "ROTATE must be 0, 90, 180 or 270" in problems


def test_a_usb_printer_url_needs_its_usb_id():
    with pytest.raises(provision.ProvisionError) as caught:
        provision.parse("STATION=a1\nSTATION_NAME=x\nSTATION_COUNTY=510106\nPRINTER_URL=usb://epson\n")
    assert "VID:PID" in caught.value.problems[0]


def test_provisioning_sets_the_station_the_app_serves(stick, data_dir):
    path = write_file(stick, NOTEPAD_FILE)

    assert provision.provision_from(path, data_dir, report=ask_the_app, now=WHEN) is True

    shown = ask_the_app(data_dir)
    assert "成都北站" in shown
    assert "chengdu-bei" in shown
    assert "510106" in shown
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(data_dir / "instance")})
    assert app.config["PRINTER_URL"] == "usb://0FE6:811E"
    assert app.config["SYNC_TOKEN"] == TOKEN


def test_the_token_is_kept_private_and_the_app_keeps_its_own_keys(stick, data_dir):
    create_app({"TESTING": True, "INSTANCE_PATH": str(data_dir / "instance")})  # first start made keys
    keys_before = json.loads((data_dir / "instance" / "secrets.json").read_text())

    provision.provision_from(write_file(stick, NOTEPAD_FILE), data_dir, report=ask_the_app, now=WHEN)

    secrets = data_dir / "instance" / "secrets.json"
    stored = json.loads(secrets.read_text())
    assert stored["SYNC_TOKEN"] == TOKEN
    assert stored["PII_KEY"] == keys_before["PII_KEY"]  # hashes of phone numbers stay comparable
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert stat.S_IMODE((data_dir / "instance" / "config.py").stat().st_mode) == 0o600
    assert TOKEN not in (data_dir / "provisioned.json").read_text()


def test_the_file_is_removed_and_a_receipt_without_the_secret_left(stick, data_dir):
    path = write_file(stick, NOTEPAD_FILE)

    provision.provision_from(path, data_dir, report=ask_the_app, now=WHEN)

    assert not path.exists()
    receipt = (stick / provision.RECEIPT_NAME).read_bytes().decode("utf-8")
    assert "成都北站" in receipt
    assert "kiosk id" in receipt
    assert "SYNC_TOKEN" in receipt
    assert TOKEN not in receipt
    assert "\r\n" in receipt  # readable in Notepad


def test_a_bad_file_changes_nothing_and_says_what_to_fix(stick, data_dir):
    provision.provision_from(write_file(stick, NOTEPAD_FILE), data_dir, report=ask_the_app, now=WHEN)
    bad = write_file(stick, "STATION=chengdu-dong\nSTATION_NAME=成都东站\nSTATION_COUNTY=51\n")

    assert provision.provision_from(bad, data_dir, report=ask_the_app, now=WHEN) is False

    assert bad.exists()
    assert "6-digit county code" in (stick / provision.ERROR_NAME).read_text(encoding="utf-8")
    assert "成都北站" in ask_the_app(data_dir)


def test_settings_the_app_refuses_are_rolled_back(stick, data_dir):
    provision.provision_from(write_file(stick, NOTEPAD_FILE), data_dir, report=ask_the_app, now=WHEN)
    config_before = (data_dir / "instance" / "config.py").read_text()

    def refusing_app(data_dir):
        raise provision.ProvisionError(["the kiosk app refused these settings: boom"])

    second = write_file(stick, "STATION=chengdu-dong\nSTATION_NAME=成都东站\nSTATION_COUNTY=510108\n")
    assert provision.provision_from(second, data_dir, report=refusing_app, now=WHEN) is False

    assert (data_dir / "instance" / "config.py").read_text() == config_before
    assert "refused" in (stick / provision.ERROR_NAME).read_text(encoding="utf-8")
    assert second.exists()


def test_provisioning_again_changes_only_what_the_new_file_gives(stick, data_dir):
    provision.provision_from(write_file(stick, NOTEPAD_FILE), data_dir, report=ask_the_app, now=WHEN)
    again = "STATION=chengdu-bei\nSTATION_NAME=成都北站\nSTATION_COUNTY=510106\nPRINTER_URL=tcp://192.168.1.50:9100\n"

    provision.provision_from(write_file(stick, again), data_dir, report=ask_the_app, now=WHEN)

    app = create_app({"TESTING": True, "INSTANCE_PATH": str(data_dir / "instance")})
    assert app.config["PRINTER_URL"] == "tcp://192.168.1.50:9100"
    assert app.config["SYNC_TOKEN"] == TOKEN
    assert app.config["STATION_HOTLINE"] == "028-12345"


def test_a_station_name_cannot_smuggle_code_into_the_app_config(stick, data_dir):
    sneaky = (
        "STATION=a1\nSTATION_NAME=x'; import os; os.remove('/') #\nSTATION_COUNTY=510106\n"
        f"PRINTER_URL=file:///dev/usb/lp0\nSYNC_TOKEN={TOKEN}\n"
    )
    provision.provision_from(write_file(stick, sneaky), data_dir, report=ask_the_app, now=WHEN)

    app = create_app({"TESTING": True, "INSTANCE_PATH": str(data_dir / "instance")})
    assert app.config["STATION_NAME"] == "x'; import os; os.remove('/') #"


def test_a_usb_printer_gets_a_udev_rule_that_passes_the_lint(data_dir, tmp_path):
    provision.store(provision.parse(NOTEPAD_FILE), data_dir)
    rule_path = tmp_path / "run" / "61-nuantu-printer.rules"
    calls = []

    assert provision.apply_runtime(data_dir, rule_path, run=lambda args, check: calls.append(args)) is True

    rule = rule_path.read_text()
    assert 'ATTR{idVendor}=="0fe6", ATTR{idProduct}=="811e"' in rule
    assert 'GROUP="lp"' in rule
    assert lint_udev.lint_text(rule, groups={"lp"}) == []
    assert ["udevadm", "control", "--reload"] in calls


def test_other_printers_need_no_udev_rule_and_an_old_one_goes(data_dir, tmp_path):
    rule_path = tmp_path / "61-nuantu-printer.rules"
    rule_path.write_text("old")
    provision.store(provision.parse("STATION=a1\nSTATION_NAME=x\nSTATION_COUNTY=510106\nPRINTER_URL=file:///dev/usb/lp0\n"), data_dir)

    assert provision.apply_runtime(data_dir, rule_path, run=lambda args, check: None) is False
    assert not rule_path.exists()


def test_screen_rotation_and_ntp_server_reach_their_files(data_dir):
    provision.store(provision.parse(NOTEPAD_FILE + "NTP_SERVER=ntp.sc.example.cn\n"), data_dir)

    provision.write_os_files(data_dir)

    assert (data_dir / "screen.conf").read_text() == "ROTATE=90\n"
    assert (data_dir / "chrony" / "nuantu.sources").read_text() == "server ntp.sc.example.cn iburst\n"
    assert (data_dir / "listen.env").read_text() == "NUANTU_LISTEN=0.0.0.0\n"


def test_a_kiosk_can_be_kept_off_the_station_network(data_dir):
    provision.store(provision.parse(NOTEPAD_FILE + "LISTEN=local\n"), data_dir)

    provision.write_os_files(data_dir)

    assert (data_dir / "listen.env").read_text() == "NUANTU_LISTEN=127.0.0.1\n"


def test_the_first_machine_id_is_saved_once(data_dir, tmp_path):
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "machine-id").write_text("0123456789abcdef0123456789abcdef\n")
    assert provision.keep_machine_id(data_dir, etc) is True

    (etc / "machine-id").write_text("ffffffffffffffffffffffffffffffff\n")
    assert provision.keep_machine_id(data_dir, etc) is False
    assert (data_dir / "machine-id").read_text() == "0123456789abcdef0123456789abcdef\n"


def test_the_example_file_shipped_on_the_boot_partition_is_valid():
    text = (IMAGE / "provision.example.txt").read_text(encoding="utf-8")
    assert provision.parse(text)["STATION"] == "leshan-kyzx"


def test_a_first_file_without_token_or_printer_is_refused_and_says_why(stick, data_dir):
    bare = "STATION=a1\nSTATION_NAME=成都北站\nSTATION_COUNTY=510106\n"
    path = write_file(stick, bare)

    assert provision.provision_from(path, data_dir, report=ask_the_app, now=WHEN) is False

    error = (stick / provision.ERROR_NAME).read_text(encoding="utf-8")
    assert "SYNC_TOKEN is required" in error and "PRINTER_URL is required" in error
    assert path.exists() and not (data_dir / "instance" / "config.py").exists()


def test_a_later_file_may_leave_out_the_token_and_printer_it_already_gave(stick, data_dir):
    provision.provision_from(write_file(stick, NOTEPAD_FILE), data_dir, report=ask_the_app, now=WHEN)
    rename = "STATION=chengdu-bei\nSTATION_NAME=成都北站二号\nSTATION_COUNTY=510106\n"

    assert provision.provision_from(write_file(stick, rename), data_dir, report=ask_the_app, now=WHEN) is True


def test_each_kiosk_gets_its_own_host_name(data_dir, stick):
    provision.provision_from(write_file(stick, NOTEPAD_FILE), data_dir, report=ask_the_app, now=WHEN)
    provision.write_os_files(data_dir)
    assert (data_dir / "hostname").read_text() == "nuantu-chengdu-bei\n"

    named = "HOSTNAME=nuantu-cdb-2\n"
    provision.provision_from(write_file(stick, NOTEPAD_FILE.replace("ROTATE=90", named)), data_dir,
                             report=ask_the_app, now=WHEN)
    provision.write_os_files(data_dir)
    assert (data_dir / "hostname").read_text() == "nuantu-cdb-2\n"


def test_fleet_settings_reach_the_app_and_a_fixed_address_reaches_networkd(stick, data_dir, tmp_path):
    key = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="
    extra = f"PRINTER_PROFILE=tm-t20\nRELEASE_PUBLIC_KEY={key}\nNETWORK=10.8.1.20/24,10.8.1.1\n"
    provision.provision_from(write_file(stick, NOTEPAD_FILE + extra), data_dir, report=ask_the_app, now=WHEN)

    app = create_app({"TESTING": True, "INSTANCE_PATH": str(data_dir / "instance")})
    assert (app.config["PRINTER_PROFILE"], app.config["RELEASE_PUBLIC_KEY"]) == ("tm-t20", key)
    calls = []
    network = tmp_path / "run" / "10-nuantu-static.network"
    provision.write_os_files(data_dir)
    assert provision.apply_network(data_dir, network, run=lambda *a, **k: calls.append(a[0])) is True
    text = network.read_text()
    assert "Address=10.8.1.20/24" in text and "Gateway=10.8.1.1" in text
    assert ["hostname", "nuantu-chengdu-bei"] in calls


@pytest.mark.parametrize("line, problem", [
    ("NETWORK=10.8.1.20", "NETWORK must be"),
    ("NETWORK=10.8.1.20/32", "NETWORK must be"),
    ("HOSTNAME=Kiosk_1", "HOSTNAME must be"),
    ("PRINTER_PROFILE=epson", "PRINTER_PROFILE must be"),
    ("RELEASE_PUBLIC_KEY=abc", "RELEASE_PUBLIC_KEY must be"),
])
def test_fleet_settings_are_checked(line, problem):
    with pytest.raises(provision.ProvisionError) as refused:
        provision.parse(NOTEPAD_FILE + line + "\n")
    assert any(problem in p for p in refused.value.problems)


def fake_usb(root, name, vid, pid, interface_class):
    device = root / name
    (device / f"{name}:1.0").mkdir(parents=True)
    (device / "idVendor").write_text(vid + "\n")
    (device / "idProduct").write_text(pid + "\n")
    (device / f"{name}:1.0" / "bInterfaceClass").write_text(interface_class + "\n")


def test_a_plugged_printer_is_detected_and_its_settings_suggested(data_dir, tmp_path, stick):
    usb = tmp_path / "usb"
    fake_usb(usb, "1-1", "04b8", "0e15", "ff")  # Epson TM-T20II, vendor class
    fake_usb(usb, "1-2", "1a2b", "3c4d", "07")  # an unknown printer-class printer
    fake_usb(usb, "1-3", "046d", "c52b", "03")  # a keyboard receiver: not a printer
    provision.provision_from(write_file(stick, NOTEPAD_FILE.replace("usb://0FE6:811E", "usb://04b8:0e15")),
                             data_dir, report=ask_the_app, now=WHEN)

    lines = provision.write_detected(data_dir, usb)

    assert lines == [
        "04b8:0e15 Epson TM-T20II (vendor-class USB): PRINTER_URL=usb://04b8:0e15 PRINTER_PROFILE=tm-t20"
        " (what this kiosk uses)",
        "1a2b:3c4d a printer-class USB printer: PRINTER_URL=file:///dev/usb/lp0 PRINTER_PROFILE=generic58",
    ]
    assert (data_dir / "printer-detected.txt").read_text().count("\n") == 2
    assert provision.write_detected(data_dir, tmp_path / "none") == []
    assert (data_dir / "printer-detected.txt").read_text() == "no USB printer seen\n"


def test_the_receipt_suggests_the_printer_it_saw(stick, data_dir):
    seen = ["04b8:0e15 Epson TM-T20II (vendor-class USB): PRINTER_URL=usb://04b8:0e15 PRINTER_PROFILE=tm-t20"]
    provision.provision_from(write_file(stick, NOTEPAD_FILE), data_dir, report=ask_the_app, now=WHEN, printers=seen)
    receipt = (stick / provision.RECEIPT_NAME).read_text(encoding="utf-8")
    assert "USB printers seen" in receipt and "PRINTER_URL=usb://04b8:0e15" in receipt
