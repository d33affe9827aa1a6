"""``flask --app kiosk.central …``: office users, the registry, the nightly pull, bundle import, totals."""

import datetime
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext

from kiosk import clock
from kiosk import metrics as glossary
from kiosk.central import help_cli
from kiosk.central import pull as pulling
from kiosk.central import registry
from kiosk.central import exports
from kiosk.central import registers
from kiosk.central import reports
from kiosk.central import schedule
from kiosk.central import scope as scopes
from kiosk.central import users
from kiosk.central.models import database
from kiosk.central.models import refresh_statistics
from kiosk.cli_options import parse_day
from kiosk.errors import DomainError


def _fail(error):
    raise click.ClickException(str(error))


@click.group("kiosks", cls=AppGroup)
def kiosks_group():
    """Register the kiosks the office pulls from."""


def read_token(token_file):
    """The kiosk's sync token from a file, or from stdin (a hidden prompt on a terminal).

    Never an argument: a token on the command line stays in shell history and ps.
    """
    if token_file is not None:
        return token_file.read().strip()
    if sys.stdin.isatty():
        return click.prompt("Sync token (flask --app kiosk sync info on the kiosk)", hide_input=True).strip()
    return sys.stdin.readline().strip()


TOKEN_FILE = click.option("--token-file", type=click.File("r"), default=None,
                          help="Read the token from this file (default: stdin, hidden when typed).")


@kiosks_group.command("add")
@click.argument("name")
@click.argument("url")
@TOKEN_FILE
def kiosks_add(name, url, token_file):
    """Register kiosk NAME at URL (- for USB bundles only); its token (`flask --app kiosk sync info`) comes on stdin."""
    token = read_token(token_file)
    with database.connection_context():
        try:
            kiosk = registry.register(name, url, token)
        except DomainError as error:
            _fail(error)
    click.echo(f"registered {kiosk.name} ({kiosk.url or 'USB bundles only'}), key id {kiosk.key_id}")


@kiosks_group.command("update")
@click.argument("name")
@click.option("--url", default=None, help="New address (- for USB bundles only).")
@click.option("--new-token", is_flag=True, help="Read a new token (after the kiosk was re-installed) from stdin.")
@TOKEN_FILE
def kiosks_update(name, url, new_token, token_file):
    """Change a registered kiosk's address or token."""
    token = read_token(token_file) if new_token or token_file else None
    with database.connection_context():
        try:
            kiosk = registry.update(name, url=url, token=token)
        except DomainError as error:
            _fail(error)
    click.echo(f"updated {kiosk.name} ({kiosk.url or 'USB bundles only'}), key id {kiosk.key_id}")


@kiosks_group.command("remove")
@click.argument("name")
def kiosks_remove(name):
    """Stop pulling kiosk NAME; the counts it already sent stay."""
    with database.connection_context():
        try:
            registry.remove(name)
        except DomainError as error:
            _fail(error)
    click.echo(f"removed {name}; its counts stay")


@kiosks_group.command("list")
def kiosks_list():
    """List registered kiosks with their last successful sync."""
    stale_days = current_app.config["STALE_DAYS"]
    with database.connection_context():
        statuses = registry.statuses(stale_days)
    for s in statuses:
        when = s.last_success_at.isoformat(sep=" ", timespec="minutes") if s.last_success_at else "never"
        flags = []
        if s.stale:
            flags.append(f"STALE (>{stale_days} days)")
        if s.error:
            flags.append("last attempt failed: " + s.error % s.error_params)
        if s.clock_off:
            flags.append(f"clock off by {s.clock_days} days")
        click.echo(f"{s.name:<24} {s.station or '-':<16} {s.url or 'USB only':<32} last sync {when}  {'; '.join(flags)}")
    if not statuses:
        click.echo("no kiosks registered: flask --app kiosk.central kiosks add NAME URL < token-file")


@click.group("users", cls=AppGroup)
def users_group():
    """Add, list and disable the people who may sign in to the dashboard."""


ROLE_HELP = "viewer (reads, exports), editor (also kiosks and content) or admin (also users)."
SCOPE_HELP = "GB/T 2260 code of what the user sees: 510000 the province, 511100 a city, 511102 a county; all for everything."


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(users.ROLES), default=None, help=ROLE_HELP + " Default: admin for the first user, else viewer.")
@click.option("--scope", "scope_code", default="all", show_default=True, help=SCOPE_HELP)
def users_add(name, role, scope_code):
    """Let NAME sign in to the dashboard; the password is asked for twice, hidden."""
    # Never an option: a password on the command line stays in shell history and ps.
    password = click.prompt(
        f"Password for {name} (at least {users.MIN_PASSWORD} characters)", hide_input=True, confirmation_prompt=True
    )
    with database.connection_context():
        try:
            user = users.add(name, password, role=role, scope=scope_code)
        except DomainError as error:
            _fail(error)
    click.echo(f"added office user {user.name} ({user.role}, sees {_scope_text(user.scope)}): sign in at /sign-in")


@users_group.command("set")
@click.argument("name")
@click.option("--role", type=click.Choice(users.ROLES), default=None, help=ROLE_HELP)
@click.option("--scope", "scope_code", default=None, help=SCOPE_HELP)
def users_set(name, role, scope_code):
    """Change NAME's role or scope; it applies from their next request."""
    with database.connection_context():
        try:
            user = users.set_access(name, role=role, scope=scope_code)
        except DomainError as error:
            _fail(error)
    click.echo(f"{user.name}: {user.role}, sees {_scope_text(user.scope)}")


def _scope_text(code):
    scope = scopes.Scope(code or "")
    return f"{scope.name()} ({scope.code})" if scope.code else "everything"


@users_group.command("list")
def users_list():
    """List office users: active or disabled, locked, last sign-in."""
    with database.connection_context():
        roster = users.roster()
        now = clock.now()
    for user in roster:
        when = user.last_sign_in.isoformat(sep=" ", timespec="minutes") + " UTC" if user.last_sign_in else "never"
        state = "active" if user.active else "DISABLED"
        if user.active and user.locked_until and user.locked_until > now:
            state += f", LOCKED until {user.locked_until.isoformat(sep=' ', timespec='minutes')} UTC"
        click.echo(f"{user.name:<24} {user.role:<7} {_scope_text(user.scope):<24} {state:<40} last sign-in {when}")
    if not roster:
        click.echo("no office users: flask --app kiosk.central users add NAME")


@users_group.command("disable")
@click.argument("name")
def users_disable(name):
    """Stop NAME signing in; a browser where NAME is signed in loses access at its next request."""
    with database.connection_context():
        try:
            users.set_active(name, False)
        except DomainError as error:
            _fail(error)
    click.echo(f"disabled {name}")


@users_group.command("enable")
@click.argument("name")
def users_enable(name):
    """Let a disabled user sign in again, with the password they had."""
    with database.connection_context():
        try:
            users.set_active(name, True)
        except DomainError as error:
            _fail(error)
    click.echo(f"enabled {name}")


@click.command("pull")
@with_appcontext
@click.option("--only", "only", multiple=True, help="Pull just this kiosk (repeatable).")
@click.option("--concurrency", type=int, default=None, help="Kiosks pulled at once (default PULL_CONCURRENCY).")
@click.option("--quiet", is_flag=True, help="No line per kiosk; the summary only.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--no-content", "no_content", is_flag=True, help="Counts only: no sealed tips in, no content out.")
@click.option("--due", is_flag=True, help="Only the kiosks due now: the evening pull and its retries (the timer's).")
@click.option("--trips-only", "trips_only", is_flag=True,
              help="Only the trips' statuses, from the kiosks that reported a trip boarding or on the road (daytime).")
def pull_command(only, concurrency, quiet, as_json, no_content, due, trips_only):
    """Pull every registered kiosk's changed counts; exit 1 if any kiosk failed."""
    config = current_app.config
    with database.connection_context():
        try:
            kiosks = [registry.get(n) for n in only] if only else registry.pullable()
        except DomainError as error:
            _fail(error)
    kiosks = [k for k in kiosks if k.url]
    if trips_only:
        _pull_trips(kiosks, config, quiet)
        return
    if due:
        kiosks = schedule.due(kiosks, config)
        if not kiosks:
            if not quiet:
                click.echo("no kiosk is due now")
            return
    started = datetime.datetime.now()

    def progress(done, total, outcome):
        if not quiet:
            click.echo(f"[{done:>{len(str(total))}}/{total}] {pulling.describe(outcome)}")

    summary = pulling.pull_all(
        kiosks,
        concurrency=concurrency or config["PULL_CONCURRENCY"],
        page_size=config["PAGE_SIZE"],
        limits=pulling.Limits.from_config(config),
        progress=progress,
    )
    with database.connection_context():
        schedule.record(summary, config)
        if summary.changed:
            refresh_statistics()
    seconds = (datetime.datetime.now() - started).total_seconds()
    if as_json:
        click.echo(pulling.to_json(summary))
    else:
        ok = len(summary.outcomes) - len(summary.failed)
        click.echo(
            f"pulled {len(summary.outcomes)} kiosks in {seconds:.1f} s: {ok} ok, {len(summary.failed)} failed; "
            f"{summary.cells} cells received, {summary.changed} changed"
        )
        for outcome in summary.failed:
            click.echo(f"  FAILED {outcome.name}: {outcome.message()}")
    if not no_content:
        pulled = {o.name for o in summary.outcomes if o.ok}
        help_cli.evening_session([k for k in kiosks if k.name in pulled], quiet=quiet, silent=as_json)
    if summary.failed:
        sys.exit(1)


def _pull_trips(kiosks, config, quiet):
    """``pull --trips-only``: refresh the trips' statuses during the day; exit 1 if a kiosk failed."""
    with database.connection_context():
        kiosks = pulling.kiosks_with_trips_out(kiosks)
        summary = pulling.pull_trips(kiosks, pulling.Limits.from_config(config), config["PULL_CONCURRENCY"])
    for outcome in summary.outcomes:
        if not quiet or not outcome.ok:
            state = f"ok, {outcome.trips} trips" if outcome.ok else f"FAILED: {outcome.message()}"
            click.echo(f"{outcome.name}: {state}")
    ok = len(summary.outcomes) - len(summary.failed)
    click.echo(f"trips of {len(summary.outcomes)} kiosks with trips out: {ok} ok, {len(summary.failed)} failed")
    if summary.failed:
        sys.exit(1)


@click.command("import")
@with_appcontext
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def import_command(files):
    """Import bundle FILES written by `flask --app kiosk sync export` (safe to repeat)."""
    refused = 0
    with database.connection_context():
        for path in files:
            try:
                kiosk, received = pulling.import_bundle(path)
            except DomainError as error:
                refused += 1
                click.echo(f"{path}: REFUSED: {error}")
                continue
            text = f"{path}: kiosk {kiosk.name} ({received.station}): {received.cells} cells, {received.changed} changed"
            if received.new_history:
                text += f", new kiosk id {received.kiosk_id}"
            for msgid, params in received.warnings:
                text += "; warning: " + msgid % params
            click.echo(text)
        refresh_statistics()
    if refused:
        sys.exit(1)


@click.command("totals")
@with_appcontext
@click.option("--day", "day", default=None, help="YYYY-MM-DD (default today).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def totals_command(day, fmt):
    """Print every station's totals for a day."""
    day = parse_day(day) if day else clock.local_day()
    with database.connection_context():
        totals = reports.day_totals(day)
    if fmt == "json":
        click.echo(json.dumps(totals, ensure_ascii=False, indent=2))
        return
    click.echo(totals["day"])
    for code, metrics in sorted(totals["stations"].items()):
        click.echo(f"  {code}")
        for metric, value in sorted(metrics.items()):
            click.echo(f"    {metric:<28} {value:>10}  {glossary.label(metric)}")
    click.echo("  all stations")
    for metric, value in sorted(totals["totals"].items()):
        click.echo(f"    {metric:<28} {value:>10}  {glossary.label(metric)}")


@click.command("report")
@with_appcontext
@click.option("--from", "start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last day, YYYY-MM-DD.")
@click.option("--station", default=None, help="One station's code (default all).")
@click.option("--scope", "scope_code", default="all", help=SCOPE_HELP)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="FILE.xlsx or FILE.csv")
def report_command(start, end, station, scope_code, out):
    """Write the station × day × metric report, with Chinese headers, to an XLSX or CSV file."""
    start, end = parse_day(start), parse_day(end)
    if end < start:
        raise click.BadParameter("--to is before --from")
    with database.connection_context():
        try:
            scope = scopes.parse(scope_code)
            if station:
                scope.station(station)
        except DomainError as error:
            _fail(error)
        report = reports.report(start, end, scope, station)
        register = registers.register(start, end, scope)
    with force_locale("zh_Hans"):
        if out.endswith(".csv"):
            data = exports.to_csv(report, gettext)
        else:
            data = exports.to_xlsx(report, register, gettext, exports.title(report, gettext, scope.name()))
    Path(out).write_bytes(data)
    click.echo(f"wrote {len(report.stations)} stations × {len(report.days)} days ({start} to {end}) to {out}")


def init_app(app):
    """Register the central office's commands."""
    app.cli.add_command(users_group)
    app.cli.add_command(kiosks_group)
    app.cli.add_command(pull_command)
    app.cli.add_command(import_command)
    app.cli.add_command(totals_command)
    app.cli.add_command(report_command)
    help_cli.init_app(app)

    from kiosk.central.fleet_cli import fleet_group

    app.cli.add_command(fleet_group)
