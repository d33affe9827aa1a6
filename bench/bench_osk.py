"""The on-screen keyboard's pinyin candidates: what one key press costs to look up.

simple-keyboard 3.8.192 finds candidates by building a RegExp for every key of the
candidate map on every key press; with the common-word list (pinyin-phrases-1) the map
grows from ~400 keys to ~6,300. kiosk/static/osk.js looks the typed text's endings up
instead. This times both rules in Chromium on the vendored data ("wozhengjian" typed).

    .venv/bin/python bench/bench_osk.py
"""

import functools
import http.server
import platform
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

STATIC = Path(__file__).resolve().parent.parent / "kiosk" / "static"
MEASURE = """async () => {
  const singles = (await import('/vendor/simple-keyboard-layouts-3.4.265/chinese.js')).default.layoutCandidates;
  const words = (await import('/vendor/pinyin-phrases-1/phrases.js')).default;
  const merged = {...singles, ...words};
  const escape = (key) => key.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&');
  // the library's rule, as in its minified getInputCandidates: one RegExp per key
  const library = (map, input) => Object.keys(map).filter(k => [...input.matchAll(new RegExp(escape(k) + '$', 'gi'))].length);
  const longest = Math.max(...Object.keys(merged).map(k => k.length));
  // osk.js's rule: the longest ending of the typed text that is a key
  const endings = (map, input) => { const b = input.toLowerCase();
    for (let n = Math.min(longest, b.length); n > 0; n--) { const k = b.slice(-n); if (Object.hasOwn(map, k)) return k; } };
  const time = (rule, map, runs) => { const t = performance.now(); for (let i = 0; i < runs; i++) rule(map, 'wozhengjian');
    return (performance.now() - t) / runs; };
  return [["library rule, characters only", Object.keys(singles).length, time(library, singles, 50)],
          ["library rule, with the words", Object.keys(merged).length, time(library, merged, 50)],
          ["osk.js endings, with the words", Object.keys(merged).length, time(endings, merged, 5000)]];
}"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(STATIC)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        rows = page.evaluate(MEASURE)
        browser.close()
    server.shutdown()
    print(f"# {platform.machine()}, {platform.python_version()}; ms per key press (mean)")
    print("| rule | keys in the map | ms per key press |")
    print("|---|---|---|")
    for name, keys, ms in rows:
        print(f"| {name} | {keys} | {ms:.4f} |")


if __name__ == "__main__":
    main()
