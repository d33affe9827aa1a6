"""The office sees which app release each kiosk runs, as the kiosk says at the nightly pull, and who is behind."""

import pytest

from kiosk.central import releases
from kiosk.central.models import database as central_db
from kiosk.central.models import KioskSoftware
from kiosk.central.models import Release
from tests.central.conftest import OfficeAuth
from tests.central.conftest import add_office_user
from tests.central.conftest import register
from tests.central.test_pull import pull_all


def publish(version):
    Release.create(version=version, file_name=f"nuantu-kiosk-{version}.release", sha256="0" * 64, size=1)


@pytest.fixture
def fleet(central_app, kiosks):
    """Two kiosks pulled: one on the current release 1.10.0, one still on 1.9.2."""
    for name, version, token in (("乐山 1号机", "1.10.0", "a" * 32), ("峨眉 1号机", "1.9.2", "b" * 32)):
        kiosk = kiosks(name, SYNC_TOKEN=token)
        kiosk.app.config["VERSION"] = version  # what this kiosk's /sync/release says it runs
        kiosk.count("tallies", service="tea")
        with central_app.app_context(), central_db.connection_context():
            register(name, kiosk)
            summary = pull_all(central_app)
        assert [o.version for o in summary.outcomes if o.name == name] == [version]
        kiosk.stop()
    with central_app.app_context(), central_db.connection_context():
        publish("1.10.0")
    add_office_user(central_app)
    client = central_app.test_client()
    assert OfficeAuth(client).sign_in().status_code == 303
    return client


def test_the_nightly_pull_records_each_kiosks_release(central_app, fleet):
    with central_app.app_context(), central_db.connection_context():
        found = {row.kiosk.name: row.version for row in KioskSoftware.select()}
    assert found == {"乐山 1号机": "1.10.0", "峨眉 1号机": "1.9.2"}


def test_the_dashboard_shows_every_kiosks_version_and_marks_those_behind(fleet):
    page = fleet.get("/").get_data(as_text=True)
    table = page.split('id="kiosk-table"')[1].split("</table>")[0]
    assert "软件版本" in table
    behind = table.split('data-kiosk="峨眉 1号机"')[0].rsplit("<tr", 1)[1] + table.split('data-kiosk="峨眉 1号机"')[1].split("</tr>")[0]
    assert "row-behind" in behind and "1.9.2" in behind and "落后于 1.10.0" in behind
    current = table.split('data-kiosk="乐山 1号机"')[0].rsplit("<tr", 1)[1] + table.split('data-kiosk="乐山 1号机"')[1].split("</tr>")[0]
    assert "row-behind" not in current and "1.10.0" in current and "落后" not in current
    assert "2 台服务机中有 1 台运行的版本低于当前版本 1.10.0" in page


def test_a_kiosk_that_cannot_say_its_version_still_delivers_its_counts(central_app, kiosks):
    kiosk = kiosks("old", SYNC_TOKEN="c" * 32)
    kiosk.count("tallies", service="tea")
    kiosk.app.config["VERSION"] = "<script>"  # not a version: not recorded, nothing shown
    with central_app.app_context(), central_db.connection_context():
        register("old kiosk", kiosk)
        summary = pull_all(central_app)
        assert not summary.failed and summary.outcomes[0].cells == 1 and summary.outcomes[0].version == ""
        assert KioskSoftware.select().count() == 0


@pytest.mark.parametrize("version, behind", [("1.9.2", True), ("1.10.0", False), ("1.10.1", False), ("", False),
                                             ("0.9.0+src", True)])
def test_behind_compares_numbers_as_numbers(version, behind):
    assert releases.behind(version, Release(version="1.10.0")) is behind
