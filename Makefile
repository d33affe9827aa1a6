# The README's two commands: `make run` and `make test`. Each does its own
# set-up on a fresh Debian bookworm machine and is quick when already set up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed
CATALOGS := $(wildcard kiosk/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
APT_GET := DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: lock run test fonts voice system-packages translations extract-messages bench bench-features bench-sync bench-reports bench-vouchers bench-trips bench-prompts bench-daybook bench-help image-check image image-boot-test image-security os-bundle image-ab-test bench-write-path

run: $(RUN_STAMP) $(COMPILED) fonts voice
	$(BIN)/flask --app kiosk init
	$(BIN)/flask --app kiosk prompts build
	@echo "Nuantu kiosk: http://127.0.0.1:$(PORT)"
	$(BIN)/waitress-serve --host=127.0.0.1 --port=$(PORT) --threads=8 --call kiosk:create_app

test: $(TEST_STAMP) $(COMPILED) system-packages
	$(BIN)/pytest

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV) || { $(APT_GET) update -q && $(APT_GET) install -y -q python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip

# Versions come from the lock (requirements/, `make lock`), as constraints:
# a dependency just added to pyproject.toml still installs before it is locked.
LOCK := requirements/test.lock

$(RUN_STAMP): pyproject.toml $(LOCK) | $(VENV)/bin/python
	$(BIN)/pip install -q -c $(LOCK) -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(LOCK) | $(VENV)/bin/python
	$(BIN)/pip install -q -c $(LOCK) -e '.[test]'
	touch $@ $(RUN_STAMP)

# A CJK font draws Chinese on ticket previews (and on printers without a
# Chinese font): `make run` needs it. Debian's chromium drives the browser
# tests (Playwright never downloads one here): `make test` adds it.
NOTO_CJK := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
fonts:
	@if [ ! -f $(NOTO_CJK) ]; then \
		$(APT_GET) update -q && $(APT_GET) install -y -q --no-install-recommends fonts-noto-cjk fontconfig; \
	fi

# The screens' spoken prompts are made offline by Debian's espeak-ng (its cmn
# voice for Mandarin, en-us for English); `make run` builds the audio cache.
voice:
	@if ! command -v espeak-ng >/dev/null; then \
		$(APT_GET) update -q && $(APT_GET) install -y -q --no-install-recommends espeak-ng; \
	fi

system-packages: fonts voice
	@if ! command -v chromium >/dev/null; then \
		$(APT_GET) update -q && $(APT_GET) install -y -q --no-install-recommends chromium; \
	fi

%.mo: %.po | $(RUN_STAMP)
	$(BIN)/pybabel compile -i $< -o $@

translations: $(COMPILED)

# Re-pin every dependency (pip-tools) after changing pyproject.toml.
lock: $(TEST_STAMP)
	$(BIN)/pip install -q pip-tools
	requirements/compile.sh

# For developers adding strings: refresh the template and catalogs, then translate.
extract-messages: $(RUN_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output -o kiosk/translations/messages.pot .
	$(BIN)/pybabel update -i kiosk/translations/messages.pot -d kiosk/translations --no-fuzzy-matching --ignore-obsolete

# Issue #16's table: the kiosk on a season's database (built once by
# `flask --app kiosk simulate --season` into build/season-1/, then reused) vs a
# bare Flask hello under the same waitress settings, plus a night's pull with
# hanging kiosks. The full season builds in ~2 minutes (in bulk); BENCH_SCALE=0.25 uses a quarter.
BENCH_SCALE ?= 1
bench: $(TEST_STAMP) $(COMPILED) fonts
	$(BIN)/python bench/bench_season.py --scale $(BENCH_SCALE)

# The earlier per-feature benchmarks (an empty database each).
bench-features: $(TEST_STAMP) $(COMPILED)
	$(BIN)/python bench/bench_home.py
	$(BIN)/python bench/bench_registration.py
	$(BIN)/python bench/bench_printing.py

# The central office at scale (a few minutes on 2 cores): 2,000 kiosks pulled, 1M cells imported.
bench-sync: $(TEST_STAMP) $(COMPILED)
	$(BIN)/python bench/bench_sync.py

# The office's dashboard and spreadsheets for 200 stations over a month, SQLite then PostgreSQL.
bench-reports: $(TEST_STAMP) $(COMPILED)
	$(BIN)/python bench/bench_reports.py
	$(BIN)/python bench/bench_reports.py --postgres

bench-vouchers: $(TEST_STAMP) $(COMPILED)
	$(BIN)/python bench/bench_vouchers.py

bench-trips: $(TEST_STAMP) $(COMPILED)
	$(BIN)/python bench/bench_trips.py

# Spoken prompts (cache, serving, screen open → sound in Chromium) and the virtual ID card reader.
bench-prompts: $(TEST_STAMP) $(COMPILED) system-packages
	$(BIN)/python bench/bench_prompts.py

# The console overview and day report with a season in the database.
bench-daybook: $(TEST_STAMP) $(COMPILED)
	$(BIN)/python bench/bench_daybook.py

# Job list and the evening's content delivery with 500 postings held; the crypto behind them.
bench-help: $(TEST_STAMP) $(COMPILED)
	$(BIN)/python bench/bench_help.py

# Eight mixed writers, before and after the write-path decision (BEGIN IMMEDIATE + writer queue).
bench-write-path: $(TEST_STAMP) $(COMPILED)
	$(BIN)/python bench/bench_write_path.py --ops 60

# Kiosk OS image (deploy/kiosk-image/README.md). image-check is fast and
# static (systemd-analyze verify/security, shellcheck, udev lint, Chromium
# policies) and CI runs it; image builds the real disk image (minutes, root,
# network); image-boot-test boots it in QEMU and reports the kiosk units.
IMAGE_OUT ?= build/kiosk-image

image-check:
	deploy/kiosk-image/check/image-check.sh

image:
	deploy/kiosk-image/build.sh --out $(IMAGE_OUT)

image-boot-test:
	deploy/kiosk-image/boot-test.sh --out $(IMAGE_OUT)

# OS updates (A/B root slots). os-bundle signs the newest image's root, kernel
# and initrd with the office's release key (RELEASE_KEY, default the office
# instance's release-signing.key) into OUT/nuantu-os-VERSION.nuantu-os;
# image-ab-test boots the image four times in QEMU: update into B, confirmed;
# a bundle that never gets healthy, back on B.
RELEASE_KEY ?= instance/release-signing.key
os-bundle: $(RUN_STAMP)
	image=$$(ls -t $(IMAGE_OUT)/nuantu-kiosk-*-amd64.img* | grep -v sha256 | head -n 1) && \
	$(BIN)/python deploy/kiosk-image/os_bundle.py --key $(RELEASE_KEY) --image "$$image" \
		--out $(IMAGE_OUT)/nuantu-os-$$(date -u +%Y%m%d%H%M).nuantu-os

image-ab-test: $(RUN_STAMP)
	deploy/kiosk-image/ab-boot-test.sh --out $(IMAGE_OUT)

# Weekly on the build machine: rebuild the image when Debian (security) has
# newer packages than the last one (Chromium above all); exit 10 = rebuilt.
image-security:
	deploy/kiosk-image/security-check.sh --rebuild
