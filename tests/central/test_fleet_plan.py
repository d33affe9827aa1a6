"""`fleet plan`: a stations sheet becomes provisioning files and registry rows, all or nothing."""

from kiosk.central import registry
from kiosk.central.models import Kiosk
from kiosk.central.models import database as central_db
from kiosk.sync import wire
from tests.fleet.helpers import stations_sheet
from tests.image_helpers import provision

GOOD = [
    ("leshan-kyzx", "乐山客运中心站", "511102", "Xprinter XP-58", "dhcp"),
    ("emeishan-hcz", "峨眉山火车站", 511181, "Epson TM-T20", "10.8.1.20/24 via 10.8.1.1"),
]


def plan(central, tmp_path, rows, *options, header=None):
    sheet = stations_sheet(tmp_path / "stations.xlsx", rows, **({"header": header} if header else {}))
    result = central.test_cli_runner().invoke(args=["fleet", "plan", str(sheet), "--out", str(tmp_path / "out"),
                                                    *options])
    return result.exit_code, result.output


def read(path):
    return dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines()
                if line and not line.startswith("#"))


def test_each_kiosk_gets_a_valid_file_a_label_and_a_registry_entry(central, tmp_path):
    code, output = plan(central, tmp_path, GOOD, "--domain", "stations.sc.example")
    assert code == 0, output

    leshan = read(tmp_path / "out" / "leshan-kyzx" / "nuantu-provision.txt")
    emei = read(tmp_path / "out" / "emeishan-hcz" / "nuantu-provision.txt")
    assert provision.parse((tmp_path / "out" / "leshan-kyzx" / "nuantu-provision.txt").read_text())
    assert provision.parse((tmp_path / "out" / "emeishan-hcz" / "nuantu-provision.txt").read_text())
    assert (leshan["PRINTER_URL"], leshan["PRINTER_PROFILE"]) == ("file:///dev/usb/lp0", "generic58")
    assert (emei["PRINTER_URL"], emei["PRINTER_PROFILE"]) == ("usb://04b8:0e15", "tm-t20")
    assert (leshan["HOSTNAME"], emei["HOSTNAME"]) == ("nuantu-leshan-kyzx", "nuantu-emeishan-hcz")
    assert emei["NETWORK"] == "10.8.1.20/24,10.8.1.1"
    assert leshan["SYNC_TOKEN"] != emei["SYNC_TOKEN"] and len(leshan["SYNC_TOKEN"]) >= 32
    assert leshan["RELEASE_PUBLIC_KEY"] == emei["RELEASE_PUBLIC_KEY"]
    with central_db.connection_context():
        kiosks = {k.name: k for k in Kiosk.select()}
    assert kiosks["leshan-kyzx"].url == "http://nuantu-leshan-kyzx.stations.sc.example:8080"
    assert kiosks["emeishan-hcz"].url == "http://10.8.1.20:8080"
    assert kiosks["leshan-kyzx"].token == leshan["SYNC_TOKEN"]
    assert kiosks["leshan-kyzx"].key_id == wire.key_id(leshan["SYNC_TOKEN"])


def test_the_label_names_the_kiosk_but_never_holds_its_token(central, tmp_path):
    import zxingcpp
    from PIL import Image

    plan(central, tmp_path, GOOD)
    token = read(tmp_path / "out" / "leshan-kyzx" / "nuantu-provision.txt")["SYNC_TOKEN"]
    (decoded,) = zxingcpp.read_barcodes(Image.open(tmp_path / "out" / "leshan-kyzx" / "enrolment-qr.png"))

    assert "station=leshan-kyzx" in decoded.text and "host=nuantu-leshan-kyzx" in decoded.text
    assert token not in decoded.text and f"key={wire.key_id(token)}" in decoded.text


def test_bad_rows_are_refused_with_their_numbers_and_nothing_is_written(central, tmp_path):
    rows = GOOD + [
        ("leshan-kyzx", "乐山客运中心站 2", "511102", "generic58", "dhcp"),
        ("Bad Code", "x", "511102", "generic58", "dhcp"),
        ("mianyang", "绵阳站", "510700", "generic58", "dhcp"),
        ("guangyuan", "广元站", "510802", "Brother HL", "dhcp"),
        ("dazhou", "达州站", "511702", "generic58", "10.0.0.5"),
        ("bazhong", "巴中站", "511902", "generic58", "10.0.0.5/24 via 10.9.9.1"),
    ]
    code, output = plan(central, tmp_path, rows)

    assert code != 0
    assert "row 4: station code leshan-kyzx is also on row 2" in output
    assert "row 5: station code must be" in output
    assert "row 6: county '510700' is not a GB/T 2260 county code" in output
    assert "row 7: printer model 'Brother HL' is unknown" in output
    assert "row 8: network '10.0.0.5' needs a prefix length" in output
    assert "row 9: gateway 10.9.9.1 is not in 10.0.0.0/24" in output
    assert "nothing written" in output
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]
    with central_db.connection_context():
        assert Kiosk.select().count() == 0


def test_a_station_already_registered_is_refused(central, tmp_path):
    with central_db.connection_context():
        registry.register("leshan-kyzx", "http://10.0.0.9:8080", "x" * 32)
    code, output = plan(central, tmp_path, GOOD)

    assert code != 0 and "row 2: a kiosk named leshan-kyzx is already registered" in output
    with central_db.connection_context():
        assert [k.name for k in Kiosk.select()] == ["leshan-kyzx"]


def test_a_sheet_without_the_columns_says_which_are_missing(central, tmp_path):
    code, output = plan(central, tmp_path, [("a", "b")], header=("station code", "name"))
    assert code != 0 and "row 1: missing column(s): county, printer model, network" in output


def test_plan_never_writes_into_a_folder_with_files(central, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.txt").write_text("x")
    code, output = plan(central, tmp_path, GOOD)
    assert code != 0 and "not empty" in output
    with central_db.connection_context():
        assert Kiosk.select().count() == 0
