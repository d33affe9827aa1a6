"""Spoken prompts on the worker's screens: which sentence a screen says, and its audio.

A full page carries its prompt's URL on ``<body data-prompt>``; an htmx swap
that is a new screen (a registration step, the voucher) sends it in an
``HX-Trigger-After-Settle: {"kiosk-prompt": …}`` header; kiosk.js plays it,
stops it on the next screen and on the idle reset, and replays it on 🔊.
The audio is served from the cache folder, made on first request if missing.
"""

import json

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import g
from flask import request
from flask import send_file
from flask import url_for
from flask_babel import force_locale
from flask_babel import get_locale
from flask_babel import gettext

from kiosk import htmx
from kiosk import speech
from kiosk.i18n import LANGUAGES
from kiosk.views import station_info

bp = Blueprint("speech", __name__)


def set_screen(key):
    """Name the screen this response shows (for views whose endpoint is not the screen)."""
    g.prompt_key = key


def screen_key():
    """Return the prompt key of the current response, or None if it has no prompt."""
    key = g.get("prompt_key") or request.endpoint
    if key is None:
        return None
    variant = f"{key}.card"
    if variant in speech.PROMPTS and current_app.extensions.get("idcard_present"):
        return variant
    return key if key in speech.PROMPTS else None


def prompt_url(key, lang=None):
    """Return the audio URL of a prompt in a language (default: the screen's)."""
    lang = lang or str(get_locale())
    with force_locale(lang):
        text = gettext(speech.PROMPTS[key])
    return url_for("speech.audio", lang=lang, name=speech.file_name(lang, key, text))


@bp.get("/prompts/<lang>/<name>")
def audio(lang, name):
    """Serve a prompt's audio, making it on first use; the name's hash pins the sentence."""
    key = name.rsplit(".", 2)[0]
    if lang not in LANGUAGES or key not in speech.PROMPTS:
        abort(404)
    with force_locale(lang):
        text = gettext(speech.PROMPTS[key])
    if speech.file_name(lang, key, text) != name:
        abort(404)  # an old sentence: the page that asked is stale
    try:
        path = speech.audio_file(current_app.config["PROMPTS_DIR"], lang, key, text)
    except speech.SpeechUnavailable:
        abort(404)
    response = send_file(path, mimetype="audio/wav", max_age=365 * 24 * 3600)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def prompt_context():
    """Give every page its prompt URL and the station's volume."""
    if not current_app.config["PROMPTS_ENABLED"] or request.path.startswith("/volunteer"):
        return {"prompt_src": None, "prompt_volume": 0, "prompt_muted": True}
    key = screen_key()
    settings = station_info.prompt_settings()
    return {
        "prompt_src": prompt_url(key) if key else None,
        "prompt_volume": settings.volume,
        "prompt_muted": settings.muted,
    }


def announce_swapped_screen(response):
    """Tell kiosk.js which prompt an htmx-swapped screen says."""
    if not (htmx and current_app.config["PROMPTS_ENABLED"]) or response.status_code != 200:
        return response
    if response.mimetype != "text/html" or request.path.startswith("/volunteer"):
        return response
    key = screen_key()
    if key:
        response.headers["HX-Trigger-After-Settle"] = json.dumps({"kiosk-prompt": {"src": prompt_url(key)}})
    return response


def init_app(app):
    app.register_blueprint(bp)
    app.context_processor(prompt_context)
    app.after_request(announce_swapped_screen)
