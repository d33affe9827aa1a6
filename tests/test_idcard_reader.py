"""The reader classes over a real pty: the virtual reader speaks the same bytes a real one does."""

import json
import os
import threading
import time

import pytest

from kiosk import hardware
from kiosk.hardware import samv
from kiosk.hardware.idcard import SerialReader
from kiosk.hardware.idcard import VirtualDevice
from kiosk.hardware.watcher import CardWatcher


@pytest.fixture
def device(tmp_path):
    device = VirtualDevice(tmp_path / "reader", read_seconds=0)
    yield device
    device.close()


@pytest.fixture
def reader(device):
    reader = SerialReader(device.path, timeout=0.5)  # serial:// on the pty: the production class
    yield reader
    reader.close()


def test_the_url_chooses_the_reader(tmp_path):
    assert hardware.open_reader("none").present is False
    assert hardware.open_reader("").present is False
    serial = hardware.open_reader("serial:///dev/ttyUSB0?baud=9600")
    assert (serial.path, serial.baud) == ("/dev/ttyUSB0", 9600)
    virtual = hardware.open_reader(f"virtual://{tmp_path}/v")
    try:
        assert os.path.exists(virtual.device.path) and virtual.path == virtual.device.path
    finally:
        virtual.close()
    with pytest.raises(ValueError):
        hardware.open_reader("usb://1234:5678")


def test_no_card_then_a_card(device, reader):
    assert reader.read_card() is None
    device.present(id_number="513425197503150021", address="四川省凉山彝族自治州会理市城北街道")
    fields = reader.read_card()
    assert fields["id_number"] == "513425197503150021"
    assert fields["address"].startswith("四川省凉山")
    assert device.received[-3:] == [samv.FIND_CARD, samv.SELECT_CARD, samv.READ_TEXT_AND_PHOTO]
    device.remove()
    assert reader.read_card() is None


@pytest.mark.parametrize(
    "fault, kind", [("unreadable", "unreadable"), ("checksum", "noise"), ("pulled", "moved"), ("unplugged", "offline")]
)
def test_each_fault_is_reported_as_what_a_screen_can_say(device, reader, fault, kind):
    device.present()
    device.set(fault=fault)
    with pytest.raises(hardware.ReaderError) as raised:
        reader.read_card()
    assert raised.value.kind == kind
    if fault == "pulled":
        assert device.state()["card"] is None  # the card left with the half-sent answer
    device.set(fault=None)
    device.present()
    assert reader.read_card()["id_number"] == hardware.DEMO_CARD["id_number"]  # the line recovers


def test_a_checksum_error_is_asked_again_once(device, reader, monkeypatch):
    device.present()
    answers = iter([True, False])
    original = device._read

    def noisy_once(card, fault):
        original(card, "checksum" if next(answers, False) else None)

    monkeypatch.setattr(device, "_read", noisy_once)
    assert reader.read_card()["id_number"] == hardware.DEMO_CARD["id_number"]
    assert device.received.count(samv.READ_TEXT_AND_PHOTO) == 2


def test_a_missing_device_is_offline(tmp_path):
    with pytest.raises(hardware.ReaderError) as raised:
        SerialReader(str(tmp_path / "ttyUSB9")).read_card()
    assert raised.value.kind == "offline"


def test_the_command_line_drives_a_virtual_reader_in_another_process(tmp_path, device, reader):
    folder = tmp_path / "reader"
    hardware.set_state(folder, card={**hardware.DEMO_CARD, "id_number": "440304199002020035"})
    assert json.loads((folder / "state.json").read_text())["card"]["id_number"] == "440304199002020035"
    assert reader.read_card()["id_number"] == "440304199002020035"
    hardware.set_state(folder, fault="unreadable")
    with pytest.raises(hardware.ReaderError):
        reader.read_card()
    with pytest.raises(ValueError):
        hardware.set_state(folder, fault="on fire")


def test_flask_idcard_virtual_and_read(tmp_path):
    from tests.conftest import make_app

    folder = tmp_path / "reader"
    app = make_app(tmp_path, IDCARD_URL=f"virtual://{folder}?read_seconds=0")
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["idcard", "virtual", "--present", "--id-number", "440304199002020035"])
        assert result.exit_code == 0, result.output
        assert "**************0035" in result.output and "440304" not in result.output
        result = runner.invoke(args=["idcard", "virtual", "--fault", "pulled"])
        assert "fault pulled" in result.output
        result = runner.invoke(args=["idcard", "virtual", "--fault", "none"])
        result = runner.invoke(args=["idcard", "read"])
        assert result.exit_code == 0 and "0035" in result.output, result.output
        result = runner.invoke(args=["idcard", "virtual", "--remove"])
        assert "no card" in result.output
    finally:
        app.extensions["idcard"].stop()


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_the_watcher_publishes_a_card_once_and_hands_it_over_once(device, reader):
    clock = Clock()
    watcher = CardWatcher(reader, clock=clock)
    watcher.poll_once()
    assert watcher.seq == 0  # no card: nothing to say
    device.present()
    watcher.poll_once()
    event = watcher.wait(0, timeout=0)
    assert (event.seq, event.kind) == (1, "read")
    clock.now += 1
    watcher.poll_once()  # the same card still lying there
    assert watcher.seq == 1
    reading = watcher.take(1)
    assert reading.id_number == hardware.DEMO_CARD["id_number"] and "name" not in vars(reading)
    assert watcher.take(1) is None  # once
    device.remove()
    clock.now += 3
    watcher.poll_once()
    assert watcher.wait(1, timeout=0).kind == "removed"
    device.present()
    watcher.poll_once()
    assert watcher.wait(2, timeout=0).kind == "read"
    for _ in range(61):  # the card stays on the reader, nobody takes it
        clock.now += 1
        watcher.poll_once()
    assert watcher.seq == 3
    assert watcher._reading is None  # not taken in time: the number and address are dropped from memory
    assert watcher.take(3) is None


def test_the_watcher_says_unplugged_once_and_back(device, reader):
    watcher = CardWatcher(reader, clock=Clock())
    device.set(fault="unplugged")
    watcher.poll_once()
    watcher.poll_once()
    assert watcher.wait(0, timeout=0).kind == "offline" and watcher.seq == 1
    device.set(fault=None)
    watcher.poll_once()
    assert watcher.wait(1, timeout=0).kind == "ready"


def test_a_new_waiter_releases_the_one_before(device, reader):
    watcher = CardWatcher(reader)
    results = []
    first = threading.Thread(target=lambda: results.append(watcher.wait(0, timeout=10)))
    first.start()
    time.sleep(0.2)
    assert watcher.wait(0, timeout=0.1) is None
    first.join(timeout=2)
    assert not first.is_alive() and results == [None]
