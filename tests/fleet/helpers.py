"""Wheels, release files, stations sheets and kiosks in their own processes, for the fleet tests."""

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from tests.image_helpers import provision

REPO = Path(__file__).resolve().parent.parent.parent
BASE_VERSION = "0.1.0"
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def build_wheel(out_dir):
    """`pip wheel --no-deps .` of the repository, as the image build and an office would; its path."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out_dir), str(REPO)],
        check=True, capture_output=True, timeout=600,
    )
    (wheel,) = Path(out_dir).glob("nuantu_kiosk-*.whl")
    return wheel


def restamp(wheel_path, version, out_dir, patches=None):
    """A copy of the app's wheel as release ``version``, with text ``patches`` {path: (old, new)}."""
    patches = patches or {}
    old_version = wheel_path.name.split("-")[1]
    out = Path(out_dir) / f"nuantu_kiosk-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel_path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            name = item.filename.replace(f"nuantu_kiosk-{old_version}.dist-info",
                                         f"nuantu_kiosk-{version}.dist-info")
            if name.endswith(".dist-info/METADATA"):
                data = data.replace(f"Version: {old_version}".encode(), f"Version: {version}".encode(), 1)
            if item.filename in patches:
                old, new = patches[item.filename]
                assert old.encode() in data, f"{old!r} not in {item.filename}"
                data = data.replace(old.encode(), new.encode())
            target.writestr(name, data)
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stations_sheet(path, rows, header=("站点代码", "站点名称", "区县代码", "打印机型号", "网络")):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def get_json(url, token=None, timeout=10):
    """(status, JSON body) or (None, {}) when nothing answers."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with _opener.open(urllib.request.Request(url, headers=headers), timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
    except (OSError, ValueError):
        return None, {}


def post(url, data, token, timeout=30):
    request = urllib.request.Request(url, data=data, method="POST", headers={"Authorization": f"Bearer {token}"})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def get_text(url, timeout=10):
    with _opener.open(url, timeout=timeout) as response:
        return response.read().decode()


class KioskProcess:
    """A kiosk provisioned from its file by the image's provision.py, run by the launcher on loopback."""

    def __init__(self, root, provision_file, port, trial_seconds=60):  # a loaded CI machine starts slowly
        self.code = provision_file.parent.name
        self.data = Path(root) / self.code
        self.stick = Path(root) / f"{self.code}-stick"
        self.stick.mkdir(parents=True)
        text = provision_file.read_text(encoding="utf-8")
        self.token = next(line.split("=", 1)[1] for line in text.splitlines() if line.startswith("SYNC_TOKEN="))
        (self.stick / provision.FILE_NAME).write_text(text, encoding="utf-8", newline="")
        self.env = {
            **os.environ,
            "KIOSK_INSTANCE_PATH": str(self.data / "instance"),
            "XDG_CACHE_HOME": str(self.data / "cache"),
        }
        for key in ("PYTHONPATH", "KIOSK_SYNC_TOKEN", "KIOSK_STATION"):
            self.env.pop(key, None)
        applied = provision.provision_from(self.stick / provision.FILE_NAME, self.data, report=self.station_show)
        assert applied, (self.stick / provision.ERROR_NAME).read_text()
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(self.data / "launcher.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk.updates.launch", "--trial-seconds", str(trial_seconds), "--",
             "--host", "127.0.0.1", "--port", str(port), "--threads", "2"],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.data,
        )

    def station_show(self, data_dir):
        """What nuantu-provision asks the app (as in the image, less the user switch)."""
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "kiosk", "station", "show"],
            env={**self.env, "KIOSK_INSTANCE_PATH": str(Path(data_dir) / "instance")},
            capture_output=True, text=True, timeout=120, cwd=data_dir,
        )
        if done.returncode != 0:
            raise provision.ProvisionError([done.stderr[-500:]])
        return done.stdout

    def health(self):
        return get_json(self.url + "/healthz")

    def wait_for(self, predicate, timeout=240, what="the kiosk"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, body = self.health()
            if predicate(status, body):
                return body
            assert self.process.poll() is None, f"launcher exited: {self.log_text()}"
            time.sleep(0.5)
        raise AssertionError(f"{what} not reached in {timeout} s; last /healthz {status} {body}\n{self.log_text()}")

    def wait_version(self, version, timeout=240):
        return self.wait_for(lambda s, b: s == 200 and b.get("version") == version, timeout, f"version {version}")

    def release_state(self):
        return get_json(self.url + "/sync/release", self.token)[1]

    def log_text(self):
        self.log.flush()
        return (self.data / "launcher.log").read_text(errors="replace")[-4000:]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def release_wheel_bytes(path):
    return Path(path).read_bytes()


def tampered(release_bytes, wheel_name):
    """The same release file with one byte of its wheel changed (signature untouched)."""
    import tarfile

    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(release_bytes)) as source, tarfile.open(fileobj=out, mode="w") as target:
        for info in source:
            data = source.extractfile(info).read()
            if info.name == wheel_name:
                data = data[:-1] + bytes([data[-1] ^ 1])
            target.addfile(info, io.BytesIO(data))
    return out.getvalue()
