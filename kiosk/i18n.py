"""Languages: Simplified Chinese first, English second, every string in a catalog.

Source strings (msgids) are English; ``translations/zh_Hans`` holds the Chinese
that workers see by default. The language a person picks lives in their
session only, so the idle reset hands the next person a Chinese screen again.
"""

from datetime import datetime
from datetime import timezone

from flask import current_app
from flask import session
from flask_babel import Babel
from flask_babel import format_date
from flask_babel import format_time
from flask_babel import get_locale

from kiosk import metrics
from kiosk.errors import DomainError
from kiosk.errors import N_

# Code → the language's own name, shown on the switch button.
LANGUAGES = {"zh_Hans": "中文", "en": "English"}

# BCP 47 tags for <html lang>, so screen readers and fonts pick the right glyphs.
HTML_LANG = {"zh_Hans": "zh-Hans", "en": "en"}

babel = Babel()
SESSION_KEY = "lang"  # where a person's chosen language is kept


def select_locale():
    """Return the session's language, else the kiosk's configured default."""
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return current_app.config["LANGUAGE"]


def select_timezone():
    """Return the station's time zone for every date shown on screen."""
    return current_app.config["TIMEZONE"]


def init_app(app):
    """Attach Flask-Babel with the kiosk's selectors."""
    if app.config["LANGUAGE"] not in LANGUAGES:
        raise ValueError(f"KIOSK_LANGUAGE must be one of {sorted(LANGUAGES)}")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.add_template_filter(kiosk_time)
    app.add_template_filter(kiosk_date)
    app.add_template_filter(html_lang)
    app.add_template_global(metric_label)
    app.add_template_global(metric_unit)
    app.add_template_global(metric_group)
    app.context_processor(language_context)


def kiosk_time(moment=None):
    """Format a UTC moment (default now) as the station's local HH:mm."""
    return format_time(moment or datetime.now(timezone.utc), "HH:mm")


def kiosk_date(moment=None):
    """Format a UTC moment (default now) as the station's local full date."""
    return format_date(moment or datetime.now(timezone.utc), "full")


def html_lang(code):
    """Return the BCP 47 tag for one of our language codes."""
    return HTML_LANG.get(code, code)


def metric_label(key):
    """The glossary's name of a count (kiosk.metrics) in the reader's language: 返乡登记, Arriving home."""
    return metrics.label(key, str(get_locale()))


def metric_unit(key):
    """The glossary's unit of a count in the reader's language: 人, people."""
    measure = metrics.get(key) or metrics.of_metric(key) or metrics.unknown(key)
    return measure.unit_label(str(get_locale()))


def metric_group(group):
    """The glossary's name of a group of counts in the reader's language: 行李看护, Left luggage."""
    return metrics.group_label(group, str(get_locale()))


def language_context():
    """Expose the current language to templates."""
    current = str(get_locale())
    return {"current_lang": current, "html_lang": html_lang(current)}


def remember_language(lang):
    """Keep a person's language choice in their session; refuse one we do not have."""
    if lang not in LANGUAGES:
        raise DomainError(N_("That language is not available."))
    session[SESSION_KEY] = lang
