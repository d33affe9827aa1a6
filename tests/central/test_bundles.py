"""USB bundles: imported twice, out of order, tampered, truncated or unknown."""

import json

import pytest

from kiosk import sync
from kiosk.central import pull
from kiosk.central import registry
from kiosk.central import reports
from kiosk.central.models import History
from tests.central.conftest import DAY
from tests.central.conftest import comparable
from tests.central.conftest import register


@pytest.fixture
def kiosk(kiosks):
    kiosk = kiosks()
    kiosk.count("registrations", direction="home", county="511102", destination="440300")
    kiosk.count("vouchers.issued", pack="warm")
    return kiosk


def office_cells():
    return comparable(reports.day_totals(DAY)["cells"])


def test_a_bundle_brings_the_kiosks_totals_and_importing_it_again_changes_nothing(central, kiosk, tmp_path):
    registry.register("no network", "-", kiosk.token)
    kiosk.bundle(tmp_path / "b.json")
    _registered, first = pull.import_bundle(tmp_path / "b.json")
    _registered, again = pull.import_bundle(tmp_path / "b.json")
    assert (first.changed, again.changed) == (2, 0)
    assert office_cells() == comparable(kiosk.report()["cells"])


def test_an_older_bundle_after_a_newer_one_changes_nothing(central, kiosk, tmp_path):
    registry.register("no network", "-", kiosk.token)
    kiosk.bundle(tmp_path / "monday.json")
    kiosk.count("vouchers.issued", delta=4, pack="warm")
    kiosk.bundle(tmp_path / "tuesday.json")
    pull.import_bundle(tmp_path / "tuesday.json")
    _registered, older = pull.import_bundle(tmp_path / "monday.json")
    assert older.changed == 0
    assert reports.day_totals(DAY)["totals"]["vouchers.issued"] == 5
    assert History.get().cursor == json.loads((tmp_path / "tuesday.json").read_text())["head"]


def test_bundles_and_pulls_of_one_kiosk_mix_without_double_counting(central, kiosk, tmp_path):
    register("bus station", kiosk)
    kiosk.bundle(tmp_path / "b.json")
    pull.import_bundle(tmp_path / "b.json")
    kiosk.count("registrations", direction="home", county="511102", destination="440300")
    summary = pull.pull_all(registry.pullable(), page_size=5, timeout=5)
    assert summary.changed == 1
    assert office_cells() == comparable(kiosk.report()["cells"])


def test_a_tampered_bundle_is_refused_and_nothing_changes(central, kiosk, tmp_path):
    registry.register("no network", "-", kiosk.token)
    batch = kiosk.bundle(tmp_path / "b.json")
    batch["cells"][0]["value"] = 500
    (tmp_path / "b.json").write_text(json.dumps(batch))
    with pytest.raises(sync.BatchRefused, match="signature does not match"):
        pull.import_bundle(tmp_path / "b.json")
    assert office_cells() == []


def test_a_truncated_bundle_is_refused_as_incomplete(central, kiosk, tmp_path):
    registry.register("no network", "-", kiosk.token)
    kiosk.bundle(tmp_path / "b.json")
    data = (tmp_path / "b.json").read_bytes()
    (tmp_path / "b.json").write_bytes(data[: len(data) // 2])
    with pytest.raises(sync.BatchRefused, match="incomplete or damaged"):
        pull.import_bundle(tmp_path / "b.json")


def test_a_bundle_from_an_unregistered_kiosk_is_refused(central, kiosk, tmp_path):
    kiosk.bundle(tmp_path / "b.json")
    with pytest.raises(sync.BatchRefused, match="register the kiosk first"):
        pull.import_bundle(tmp_path / "b.json")


def test_a_bundle_re_signed_with_personal_data_in_a_dimension_is_refused(central, kiosk, tmp_path):
    registry.register("no network", "-", kiosk.token)
    batch = kiosk.bundle(tmp_path / "b.json")
    batch["cells"][0]["dims"]["phone"] = "13800138000"
    (tmp_path / "b.json").write_text(json.dumps(sync.sign(batch, kiosk.token)))
    with pytest.raises(sync.BatchRefused, match="unknown count dimension 'phone'"):
        pull.import_bundle(tmp_path / "b.json")
    assert office_cells() == []
