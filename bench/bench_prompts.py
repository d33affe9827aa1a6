"""Spoken prompts and the ID card reader: what they cost.

1. Making the audio: espeak-ng time per sentence, seconds of speech, cache size
   for every prompt in both languages (what `flask prompts build` makes).
2. Serving it: a cached prompt's WAV from the kiosk vs the same bytes from a
   bare Flask route on the same waitress server.
3. In Chromium: screen open → sound start (navigation start → the audio's
   "playing" event; for an htmx step, settle → "playing"), first use and cached.
4. The virtual reader over a pty: find + select + read of one card, with the
   simulated radio time set to 0 (protocol and pty cost only) and 0.8 s.

    .venv/bin/python bench/bench_prompts.py [--requests N] [--pages N]
"""

import argparse
import platform
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ServedApp  # noqa: E402
from bench.harness import percentile  # noqa: E402
from bench.harness import print_table  # noqa: E402
from bench.harness import summarise  # noqa: E402
from bench.harness import time_requests  # noqa: E402


def build_app(workdir):
    def build():
        from flask import send_file

        from kiosk import create_app

        app = create_app({"INSTANCE_PATH": str(Path(workdir) / "instance")})
        wav = Path(workdir) / "bare.wav"

        @app.get("/_bench/bare.wav")
        def bare():
            return send_file(wav, mimetype="audio/wav")

        return app

    return build


def make_audio(workdir):
    from flask_babel import force_locale
    from flask_babel import gettext

    from kiosk import create_app
    from kiosk import speech

    app = create_app({"INSTANCE_PATH": str(Path(workdir) / "make")})
    folder = Path(workdir) / "make-cache"
    rows = {}
    with app.test_request_context():
        for lang in ("zh_Hans", "en"):
            times, lengths, rates = [], [], []
            for key, msgid in speech.PROMPTS.items():
                with force_locale(lang):
                    text = gettext(msgid)
                started = time.perf_counter()
                path = speech.audio_file(folder, lang, key, text)
                times.append(time.perf_counter() - started)
                with wave.open(str(path)) as audio:
                    seconds = audio.getnframes() / audio.getframerate()
                lengths.append(seconds)
                if lang == "zh_Hans":
                    rates.append(sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") / seconds)
            files, size = speech.cache_size(folder / lang)
            rows[lang] = (len(times), statistics.median(times) * 1000, max(times) * 1000,
                          statistics.median(lengths), max(lengths), size, statistics.median(rates) if rates else None)
    return rows, speech.cache_size(folder)


def browser_timings(workdir, pages):
    from playwright.sync_api import sync_playwright

    from kiosk import create_app
    from tests.e2e.conftest import CHROMIUM
    from tests.e2e.conftest import CHROMIUM_ARGS
    from tests.e2e.conftest import LiveServer

    app = create_app({"INSTANCE_PATH": str(Path(workdir) / "browser")})
    playing = "() => window.kioskPrompt && window.kioskPrompt.playingAt !== null"
    out = {"cold": None, "warm": [], "step": []}
    with LiveServer(app) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1024, "height": 600})
        for i in range(pages + 1):
            page.goto(server.url)
            page.wait_for_function(playing)
            moment = page.evaluate("window.kioskPrompt.playingAt")
            if i == 0:
                out["cold"] = moment
            else:
                out["warm"].append(moment)
        for _ in range(pages):
            page.goto(f"{server.url}/register")
            page.wait_for_function(playing)
            page.evaluate("window.kioskPrompt.playingAt = null")
            page.get_by_role("button", name="返岗").click()
            page.wait_for_function(playing)
            out["step"].append(page.evaluate("window.kioskPrompt.playingAt - window.kioskPrompt.requestedAt"))
        browser.close()
    return out


def reader_timings(n):
    from kiosk.hardware.idcard import SerialReader
    from kiosk.hardware.idcard import VirtualDevice

    rows = {}
    for radio in (0.0, 0.8):
        device = VirtualDevice(read_seconds=radio)
        reader = SerialReader(device.path)
        device.present()
        times = []
        for _ in range(n if radio == 0 else 5):
            started = time.perf_counter()
            reader.read_card()
            times.append((time.perf_counter() - started) * 1000)
        reader.close()
        device.close()
        rows[radio] = (statistics.median(times), max(times))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        made, (files, size) = make_audio(workdir)
        print(f"espeak-ng prompts ({platform.python_version()}, {platform.machine()}):")
        for lang, (n, med, worst, secs, longest, lang_size, rate) in made.items():
            extra = f", {rate:.1f} syllables/s" if rate else ""
            print(f"  {lang}: {n} prompts, make {med:.0f} ms median / {worst:.0f} ms max, speech {secs:.1f} s "
                  f"median / {longest:.1f} s max{extra}, {lang_size / 1024:.0f} KiB")
        print(f"  cache: {files} files, {size / 1024 / 1024:.1f} MiB")

        sample = next((Path(workdir) / "make-cache" / "zh_Hans").glob("screen.home.*.wav"))
        (Path(workdir) / "bare.wav").write_bytes(sample.read_bytes())
        served = ServedApp(build_app(workdir))
        try:
            import http.client

            conn = http.client.HTTPConnection("127.0.0.1", served.port)
            conn.request("GET", "/")
            html = conn.getresponse().read().decode()
            src = html.split('data-prompt-src="', 1)[1].split('"', 1)[0]
            routes = [("bare Flask send_file, same WAV", "/_bench/bare.wav"), ("kiosk prompt audio (cached)", src)]
            for _name, path in routes:
                time_requests(served.port, "GET", path, 50, {})
            rows, baseline = [], None
            for name, path in routes:
                latencies, body = time_requests(served.port, "GET", path, args.requests, {})
                baseline = baseline or percentile(latencies, 50)
                rows.append(summarise(name, latencies, body, baseline))
        finally:
            served.close()
        print(f"\n{args.requests} sequential keep-alive requests per route, waitress 4 threads:")
        print_table(rows)

        timings = browser_timings(workdir, args.pages)
        print(f"\nChromium (headless, Debian's), screen open → sound start, {args.pages} pages:")
        print(f"  home page, first use (audio made on request): {timings['cold']:.0f} ms after navigation start")
        print(f"  home page, cached: median {statistics.median(timings['warm']):.0f} ms, "
              f"max {max(timings['warm']):.0f} ms after navigation start")
        print(f"  registration step swapped in (cached after the first): settle → sound start median "
              f"{statistics.median(timings['step']):.0f} ms, max {max(timings['step']):.0f} ms")

    reads = reader_timings(50)
    print("\nVirtual ID card reader over a pty (find + select + read, 1,295-byte answer):")
    for radio, (med, worst) in reads.items():
        print(f"  simulated radio time {radio:.1f} s: {med:.1f} ms median, {worst:.1f} ms max")


if __name__ == "__main__":
    main()
