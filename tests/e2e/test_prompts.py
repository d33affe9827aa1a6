"""Spoken prompts in Chromium: each screen starts its sentence, the next screen stops it, 🔊 replays it.

Prints screen-open → sound-start times (first use, when the audio is made on
request, and cached), the numbers BENCHMARKS.md quotes.
"""

import statistics

from kiosk import stations
from kiosk.models import database
from tests.e2e.conftest import screenshot
from tests.e2e.test_registration import step

PLAYING = "() => window.kioskPrompt && window.kioskPrompt.playingAt !== null"


def started_ms(page):
    """Milliseconds from the screen's opening to the sound's start.

    A full page opens at its navigation start; a swapped screen when htmx
    settled it (kiosk.js asks for the sound then).
    """
    page.wait_for_function(PLAYING)
    return page.evaluate("""() => {
        const p = window.kioskPrompt;
        return {src: p.src, requested: p.requestedAt, playing: p.playingAt};
    }""")


def test_the_home_screen_speaks_on_opening_and_again_on_the_button(live_server, page, capsys):
    page.goto(live_server.url)
    cold = started_ms(page)
    assert "/prompts/zh_Hans/screen.home." in cold["src"]
    page.goto(live_server.url)
    warm = started_ms(page)
    replay = page.locator("#prompt-replay")
    assert replay.is_visible()
    screenshot(page, "prompts-home")
    page.evaluate("window.kioskPrompt.playingAt = null")
    replay.tap()
    page.wait_for_function(PLAYING)
    with capsys.disabled():
        print(f"\n[prompts] home page: navigation start → sound start {cold['playing']:.0f} ms on first use "
              f"(audio made on request), {warm['playing']:.0f} ms cached")


def test_each_registration_step_speaks_its_own_sentence_and_stops_the_last(live_server, page, capsys):
    page.goto(f"{live_server.url}/register")
    started_ms(page)
    timings = []
    for tap, name in (("返岗", "prefecture"), ("乐山市 市中区", "destination"), ("广东", "summary")):
        before = page.evaluate("window.kioskPrompt.src")
        page.evaluate("window.kioskPrompt.playingAt = null")
        page.get_by_role("button", name=tap).tap()
        step(page, name)
        moment = started_ms(page)
        assert moment["src"] != before and f"register.{name}." in moment["src"]
        timings.append(moment["playing"] - moment["requested"])
    # Only one sound at a time: the earlier ones were stopped when the next screen opened.
    assert page.evaluate("document.querySelectorAll('audio').length") == 0
    with capsys.disabled():
        print(f"[prompts] swapped steps (first use): settle → sound start median {statistics.median(timings):.0f} ms, "
              f"max {max(timings):.0f} ms over {len(timings)} steps")


def test_muted_by_the_console_the_screens_stay_silent(live_server, page):
    with live_server.app.app_context(), database.connection_context():
        stations.change_prompts("mute")
    page.goto(live_server.url)
    page.wait_for_timeout(800)
    assert page.evaluate("window.kioskPrompt.playingAt") is None
    assert page.locator("#prompt-replay").is_hidden()


def test_an_english_screen_speaks_english(live_server, page):
    page.goto(live_server.url)
    page.get_by_role("button", name="English").tap()
    page.get_by_role("heading", name="Welcome! Tap what you need.").wait_for()
    assert "/prompts/en/screen.home." in started_ms(page)["src"]


def test_the_idle_reset_stops_the_sound(serve, page):
    server = serve(IDLE_SECONDS=3, IDLE_WARNING_SECONDS=1)
    page.goto(f"{server.url}/register")
    started_ms(page)
    page.get_by_role("button", name="返乡").tap()
    step(page, "prefecture")
    page.wait_for_function("() => window.kioskPrompt.src.includes('register.prefecture')")
    page.get_by_role("heading", name="欢迎！请点选您需要的服务").wait_for(timeout=10_000)
    assert "screen.home" in started_ms(page)["src"]  # home again, with its own sentence only
