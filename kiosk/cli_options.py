"""Command-line options the kiosk's and the office's commands share."""

import datetime

import click


def older_than(help_text):
    """The --older-than DAYS option the retention commands share (None: the configured days)."""
    return click.option("--older-than", "days", type=click.IntRange(min=0), default=None, metavar="DAYS",
                        help=help_text)


def parse_day(value):
    """Return the date of a YYYY-MM-DD option, or a usage error saying so."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: use YYYY-MM-DD") from None
