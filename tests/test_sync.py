"""The kiosk's side of sync: the pull API, its pages, bundles, and what can never leave."""

import datetime
import json

import pytest

from kiosk import counts
from kiosk import simulate
from kiosk import sync
from kiosk.models import database
from tests.test_counts import DAY
from tests.test_counts import add
from tests.test_counts import db  # noqa: F401 (fixture)

def auth(app):
    return {"Authorization": f"Bearer {app.config['SYNC_TOKEN']}"}


def test_the_pull_api_needs_the_kiosks_token(app, client):
    assert client.get("/sync/cells").status_code == 401
    wrong = client.get("/sync/cells", headers={"Authorization": "Bearer not-this-one"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/sync/cells", headers=auth(app)).status_code == 200


def test_pages_are_signed_uncached_and_follow_the_cursor(app, client):
    with app.app_context(), database.connection_context():
        for service in ("tea", "guidance", "medicine"):
            add("tallies", service=service)
    first = client.get("/sync/cells?since=0&limit=2", headers=auth(app))
    assert first.headers["Cache-Control"] == "no-store"
    page = first.get_json()
    assert sync.validate(sync.verify(page, app.config["SYNC_TOKEN"]))
    assert [c["dims"]["service"] for c in page["cells"]] == ["tea", "guidance"]
    assert page["more"] and page["head"] == 3
    rest = client.get(f"/sync/cells?since={page['next']}&limit=2", headers=auth(app)).get_json()
    assert [c["dims"]["service"] for c in rest["cells"]] == ["medicine"] and not rest["more"]
    empty = client.get(f"/sync/cells?since={rest['next']}", headers=auth(app)).get_json()
    assert empty["cells"] == [] and empty["next"] == rest["next"]


def test_a_nonsense_cursor_is_answered_with_a_clear_error(app, client):
    response = client.get("/sync/cells?since=-1", headers=auth(app))
    assert response.status_code == 400 and "whole numbers" in response.get_json()["error"]


def test_a_page_names_the_kiosk_and_station_and_a_wiped_kiosk_gets_a_new_id(tmp_path, app):
    from tests.conftest import make_app

    with app.app_context(), database.connection_context():
        page = sync.page("t" * 32)
    assert page["station"] == {"code": "leshan-kyzx", "name": "乐山客运中心站", "county": "511102"}
    fresh = make_app(tmp_path / "wiped", DATABASE_URL=f"sqlite:///{tmp_path / 'wiped.sqlite3'}")
    with fresh.app_context(), database.connection_context():
        assert sync.page("t" * 32)["kiosk"] != page["kiosk"]


def test_a_signature_breaks_when_any_value_changes(db):
    add("vouchers.issued", pack="warm")
    batch = sync.page("t" * 32)
    batch["cells"][0]["value"] = 2
    with pytest.raises(sync.BatchRefused):
        sync.verify(batch, "t" * 32)
    with pytest.raises(sync.BatchRefused):
        sync.verify(sync.page("t" * 32), "u" * 32)


def test_no_personal_data_can_be_counted_or_sent(db):
    """Only whitelisted fields and dimensions travel; phone and ID numbers fit none."""
    add("registrations", direction="home", county="511102", destination="440300")
    batch = sync.page("t" * 32)
    assert set(batch) == sync.BATCH_FIELDS | {"signature"}
    assert set(batch["station"]) == sync.STATION_FIELDS
    for cell in batch["cells"]:
        assert set(cell) == sync.CELL_FIELDS
        assert set(cell["dims"]) <= set(counts.DIMENSIONS)
    for personal in ({"phone": "13800138000"}, {"id_hash": "a1b2c3"}, {"name": "zhang"}, {"town": "511102001"}):
        with pytest.raises(ValueError):
            add("registrations", **personal)
    for key in ("county", "destination", "pack", "service", "intention"):
        for value in ("13800138000", "51110219900101123X", "4401 0000"):
            with pytest.raises(ValueError, match=key) as refused:
                add("registrations", **{key: value})
            assert value not in str(refused.value)  # not even in the error, which may be logged
    extra = dict(batch, phone="13800138000")
    with pytest.raises(sync.BatchRefused):
        sync.validate(extra)


def test_a_bundle_holds_every_cell_signed_and_is_written_whole(db, tmp_path):
    add("luggage.checked_in")
    add("luggage.claimed")
    add("luggage.checked_in")
    out = tmp_path / "stick" / "bundle.json"
    out.parent.mkdir()
    written = sync.write_bundle(out, "t" * 32)
    on_disk = json.loads(out.read_text())
    assert on_disk == written
    assert sync.validate(sync.verify(on_disk, "t" * 32))
    assert (on_disk["since"], on_disk["next"], on_disk["more"]) == (0, 3, False)
    assert len(on_disk["cells"]) == 2
    assert list(out.parent.iterdir()) == [out]  # no .partial left behind


def test_sync_export_and_counts_commands(runner, app, tmp_path):
    with app.app_context(), database.connection_context():
        add("registrations", 2, direction="work", county="511123", destination="350100")
    exported = runner.invoke(args=["sync", "export", "--out", str(tmp_path / "b.json")])
    assert exported.exit_code == 0 and "1 count cells" in exported.output
    shown = runner.invoke(args=["counts", "--day", DAY.isoformat(), "--format", "json"])
    report = json.loads(shown.output)
    assert report["totals"] == {"registrations": 2} and report["station"] == "leshan-kyzx"
    assert runner.invoke(args=["counts", "--day", "20-01-2027"]).exit_code == 2
    info = runner.invoke(args=["sync", "info"]).output
    assert app.config["SYNC_TOKEN"] in info and sync.key_id(app.config["SYNC_TOKEN"]) in info


def test_simulated_days_are_plausible_and_repeatable(tmp_path):
    from tests.conftest import make_app

    def run(name):
        app = make_app(tmp_path / name, DATABASE_URL=f"sqlite:///{tmp_path / name}.sqlite3")
        with app.app_context(), database.connection_context():
            summary = simulate.simulate(2, datetime.date(2027, 1, 30), scale=0.3, seed=7)
            return summary.totals, sync.day_report(datetime.date(2027, 1, 30))["totals"]

    totals, day = run("a")
    assert run("b") == (totals, day)
    assert totals["vouchers.redeemed"] <= totals["vouchers.issued"] <= totals["registrations"]
    assert totals["luggage.claimed"] <= totals["luggage.checked_in"]
    assert 20 < day["registrations"] < 200  # a rush day before the festival at 0.3 scale


def test_simulate_command_reports_what_it_wrote(runner):
    result = runner.invoke(args=["simulate", "--days", "1", "--until", "2027-06-01", "--scale", "0.2"])
    assert result.exit_code == 0 and "registrations" in result.output
    assert runner.invoke(args=["simulate", "--days", "0"]).exit_code == 2


def test_simulated_tallies_use_the_services_the_volunteer_console_counts():
    from kiosk import tallies

    assert set(simulate.SERVICES) <= set(tallies.SERVICES)


def test_a_cell_written_around_counts_add_with_personal_data_never_leaves(app, client):
    from kiosk.models import CountCell

    with app.app_context(), database.connection_context():
        CountCell.create(day=DAY, metric="registrations", dims="phone=13800138000", value=1, seq=1)
    response = client.get("/sync/cells", headers=auth(app))
    assert response.status_code == 500
    assert "unknown count dimension 'phone'" in response.get_json()["error"]
    assert b"13800138000" not in response.data
