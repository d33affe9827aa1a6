"""``flask --app kiosk prompts …``: make every prompt's audio now, and show the cache."""

import time

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext

from kiosk import speech
from kiosk.i18n import LANGUAGES


@click.group("prompts", cls=AppGroup)
def prompts_group():
    """The screens' spoken prompts: build the audio cache, show its size."""


def build_cache(app):
    """Make the audio of every prompt in every language (what is cached is skipped)."""
    with app.test_request_context():
        for lang in LANGUAGES:
            for key, msgid in speech.PROMPTS.items():
                with force_locale(lang):
                    text = gettext(msgid)
                speech.audio_file(app.config["PROMPTS_DIR"], lang, key, text)


@prompts_group.command("build")
def build_command():
    """Make the audio of every prompt in every language (skips what is cached)."""
    folder = current_app.config["PROMPTS_DIR"]
    if speech.engine_path() is None:
        raise click.ClickException("espeak-ng is not installed: `make run` installs it")
    started = time.perf_counter()
    build_cache(current_app._get_current_object())
    files, size = speech.cache_size(folder)
    click.echo(f"prompts: {files} files, {size / 1024:.0f} KiB in {folder} ({time.perf_counter() - started:.1f} s)")


@prompts_group.command("size")
def size_command():
    """Show how many audio files the cache holds and their size."""
    files, size = speech.cache_size(current_app.config["PROMPTS_DIR"])
    click.echo(f"{files} files, {size / 1024:.0f} KiB")
