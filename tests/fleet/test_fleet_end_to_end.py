"""Three kiosks enrolled from a spreadsheet, provisioned, pulled and updated, in processes on loopback.

The office plans the kiosks from an XLSX (``fleet plan``), each kiosk is
provisioned from the file it got by the image's own ``provision.py`` and run
by the launcher the image runs (``python -m kiosk.updates.launch``) on a
loopback port. The office pulls all three, publishes a new signed release
built from this repository (``pip wheel``, catalogs compiled by the build
hook) and updates one kiosk to it; a release signed by another key is
refused, and a release that starts but fails its health check is rolled back
to the one before, and never offered again.
"""

import sys

import pytest

from kiosk import keys
from kiosk import release_file
from kiosk.central.models import database as central_db
from tests.central.conftest import make_central
from tests.fleet.helpers import BASE_VERSION
from tests.fleet.helpers import build_wheel
from tests.fleet.helpers import free_port
from tests.fleet.helpers import get_text
from tests.fleet.helpers import KioskProcess
from tests.fleet.helpers import post
from tests.fleet.helpers import restamp
from tests.fleet.helpers import stations_sheet
from tests.fleet.helpers import tampered

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="kiosk processes on loopback, Linux only")

BROKEN_HEALTH = (
    "kiosk/views/health.py",
    ("response.status_code = 200 if healthy else 503", "response.status_code = 503"),
)


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """The app's wheel as built from the repository, and two later releases made from it."""
    folder = tmp_path_factory.mktemp("wheels")
    base = build_wheel(folder)
    good = restamp(base, "0.2.0", folder)
    broken = restamp(base, "0.3.0", folder, patches={BROKEN_HEALTH[0]: BROKEN_HEALTH[1]})
    return base, good, broken


def invoke(office, *args):
    result = office.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def test_plan_provision_pull_update_refuse_and_roll_back(tmp_path, wheels):
    base, good, broken = wheels
    office = make_central(tmp_path, f"sqlite:///{tmp_path / 'central.sqlite3'}")
    ports = [free_port() for _ in range(3)]
    sheet = stations_sheet(tmp_path / "stations.xlsx", [
        ("leshan-kyzx", "乐山客运中心站", "511102", "generic58 virtual://", f"127.0.0.1:{ports[0]}"),
        ("emeishan-hcz", "峨眉山火车站", "511181", "generic80 virtual://", f"127.0.0.1:{ports[1]}"),
        ("chengdu-bei", "成都北站", 510106, "tm-t20 virtual://", f"127.0.0.1:{ports[2]}"),
    ])

    code, output = invoke(office, "fleet", "plan", str(sheet), "--out", str(tmp_path / "enrol"))
    assert code == 0, output
    files = sorted((tmp_path / "enrol").glob("*/nuantu-provision.txt"))
    assert [f.parent.name for f in files] == ["chengdu-bei", "emeishan-hcz", "leshan-kyzx"]
    assert all((f.parent / "enrolment-qr.png").stat().st_size > 1000 for f in files)

    kiosks = []
    try:
        by_code = {f.parent.name: f for f in files}
        for (station, port) in (("leshan-kyzx", ports[0]), ("emeishan-hcz", ports[1]), ("chengdu-bei", ports[2])):
            kiosks.append(KioskProcess(tmp_path / "kiosks", by_code[station], port))
        leshan, emei, chengdu = kiosks
        for kiosk in kiosks:
            body = kiosk.wait_version(BASE_VERSION)
            assert body["station"] == kiosk.code
        assert "欢迎" in get_text(chengdu.url + "/")

        # The office pulls every kiosk it planned, with the tokens it made.
        code, output = invoke(office, "pull")
        assert code == 0, output
        assert "3 ok, 0 failed" in output

        # A new release, published and sent to one kiosk, which switches to it.
        code, output = invoke(office, "fleet", "publish", str(good))
        assert code == 0, output
        code, output = invoke(office, "fleet", "update", "--only", "leshan-kyzx")
        assert code == 0, output
        assert "sent" in output
        leshan.wait_version("0.2.0")
        assert "欢迎" in get_text(leshan.url + "/")  # the release's own compiled catalog
        code, output = invoke(office, "fleet", "update", "--only", "leshan-kyzx")
        assert "up to date" in output
        code, output = invoke(office, "fleet", "status")
        lines = {line.split()[0]: line for line in output.splitlines()[1:]}
        assert "0.2.0" in output.splitlines()[0]
        assert lines["leshan-kyzx"].split()[1] == "0.2.0"
        assert lines["emeishan-hcz"].split()[1] == "0.1.0"  # learnt at the pull, never sent an update

        # A release signed by anyone but the office is refused; the kiosk keeps running what it ran.
        stranger = keys.generate()
        forged = release_file.build(good.read_bytes(), good.name, stranger, "2027-01-01T00:00:00Z")
        status, body = post(emei.url + "/sync/release", forged, emei.token)
        assert status == 422 and "signature" in body["error"]
        assert emei.release_state()["pending"] is None
        office_release = (tmp_path / "central" / "releases" / "nuantu-kiosk-0.2.0.release").read_bytes()
        status, body = post(emei.url + "/sync/release", tampered(office_release, good.name), emei.token)
        assert status == 422 and "does not match" in body["error"]
        status, body = post(emei.url + "/sync/release", office_release, "not-the-token-0123456789")
        assert status == 401
        assert emei.health()[1]["version"] == BASE_VERSION

        # A release that starts but fails its health check is rolled back to the previous one.
        code, output = invoke(office, "fleet", "publish", str(broken))
        assert code == 0, output
        code, output = invoke(office, "fleet", "update", "--only", "leshan-kyzx")
        assert "sent" in output
        leshan.wait_for(lambda s, b: leshan.release_state().get("failed", {}).get("0.3.0"), 240, "roll-back")
        assert leshan.wait_version("0.2.0")["status"] == "ok"
        state = leshan.release_state()
        assert state["current"] == "0.2.0" and state["trial"] is None
        # Its /healthz says 503; on a loaded machine the trial can end before it first answers.
        assert "/healthz answered 503" in state["failed"]["0.3.0"] or "not healthy within" in state["failed"]["0.3.0"]
        assert [e["event"] for e in state["events"]][-2:] == ["switching", "rolled back"]
        code, output = invoke(office, "fleet", "update", "--only", "leshan-kyzx")
        assert code == 1 and "rolled back" in output  # never sent again

        # The kiosks still answer the office.
        code, output = invoke(office, "pull")
        assert code == 0 and "3 ok, 0 failed" in output, output
    finally:
        for kiosk in kiosks:
            kiosk.stop()
        if not central_db.is_closed():
            central_db.close()
