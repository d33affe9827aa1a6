"""The office's dashboard: totals by day, station and metric, a chart, warnings, spreadsheets."""

import datetime
import json

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import force_locale
from flask_babel import get_locale
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kiosk import clock
from kiosk import i18n
from kiosk import metrics
from kiosk import regions
from kiosk import web
from kiosk.central import htmx
from kiosk.central import exports
from kiosk.central import registers
from kiosk.central import releases
from kiosk.central import registry
from kiosk.central import reports
from kiosk.central import schedule
from kiosk.central import trips as office_trips
from kiosk.central import scope as scopes
from kiosk.central.models import PullRun
from kiosk.central.models import utcnow
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.errors import NotFound
from kiosk.i18n import LANGUAGES

bp = Blueprint("central", __name__, template_folder="templates")

STATION_ROWS = 200  # more than this on screen is a spreadsheet's job
NEXT_LEVEL = {"all": "city", "province": "city", "city": "county", "county": "station"}


@bp.app_context_processor
def inject_languages():
    """Languages for the switch in the header, and the glossary's labels in the reader's language."""
    return {
        "languages": LANGUAGES,
        "measure_label": measure_label,
        "measure_header": measure_header,
        "metrics_get": metrics.get,
        "region_path": region_path,
        "region_name": reports.region_name,
    }


def region_path(county_code):
    """四川省 › 乐山市 › 市中区 for a county code."""
    codes = [regions.six_digits(county_code[:n]) for n in (2, 4, 6)]
    return " › ".join(reports.region_name(code) for code in dict.fromkeys(codes))


def reader_language():
    """The reader's language code."""
    return str(get_locale())


def measure_label(measure):
    """A measure's name in the reader's language."""
    return measure.label(reader_language())


def measure_header(measure):
    """A measure's name and unit in the reader's language."""
    return measure.header(reader_language())


def reader_scope():
    """The signed-in user's scope, narrowed to ?region= when that lies inside it."""
    own = scopes.of(g.office_user)
    region = request.args.get("region") or ""
    if not region or region == own.code:
        return own
    narrowed = scopes.parse(region)
    if not own.contains(narrowed.prefix) or len(narrowed.prefix) < len(own.prefix):
        raise NotFound(N_("That region is outside what you may see."))
    return narrowed


def period(days=reports.DEFAULT_DAYS):
    """Read the period, scope and station from the query, or the last week by default."""
    start, end = reports.period(request.args.get("from"), request.args.get("to"), clock.local_day(), days)
    scope = reader_scope()
    station = (request.args.get("station") or "").strip() or None
    if station:
        station = scope.station(station).code
    return start, end, scope, station


@bp.get("/")
def dashboard():
    """Show the totals for a period in the reader's scope; an htmx request gets the report part alone."""
    start, end, scope, station = period()
    context = report_context(start, end, scope, station)
    if htmx and not htmx.history_restore_request:
        return render_template("central/_report.html", **context)
    return render_template("central/dashboard.html", trips_out=office_trips.on_the_road(scope), **context,
                           **kiosk_context(scope))


@bp.get("/station/<code>")
def station_page(code):
    """One station: its numbers by day, its kiosks and when they last synced."""
    start, end, scope, _ = period()
    found = scope.station(code)
    context = report_context(start, end, scopes.Scope(found.county_code), found.code)
    return render_template("central/station.html", found=found, trips=office_trips.listed(scope, found.code),
                           now=utcnow(), **context, **kiosk_context(scope, found.code))


@bp.get("/summary")
def summary():
    """The one-page summary for the bureau's weekly report, made to be printed."""
    start, end, scope, station = period()
    context = report_context(start, end, scope, station)
    return render_template("central/summary.html", printed_at=clock.now(), **context)


def kiosk_context(scope, station=None):
    """The kiosks the reader may see: last synced, why the last try failed, next retry."""
    config = current_app.config
    statuses = [
        s for s in registry.statuses(config["STALE_DAYS"])
        # A kiosk that never sent its station belongs to no county yet: the province sees it.
        if (scope.contains(s.county_code) if s.county_code else scope.level in ("all", "province"))
        and (station is None or s.station_code == station)
    ]
    retries = {s.name: schedule.next_retry(s.kiosk, config) for s in statuses}
    current = releases.newest()
    return {
        "current_release": current,
        "behind": {s.name for s in statuses if releases.behind(s.version, current)},
        "kiosks": statuses,
        "retries": retries,
        "warnings": [s for s in statuses if s.stale or s.error or s.clock_off],
        "kiosk_count": len(statuses),
        "last_run": PullRun.select().order_by(PullRun.id.desc()).first(),
        "stations": scope.stations(),
    }


def report_context(start, end, scope, station):
    """What the report templates need: totals, small multiples, levels, regions, the register, chart data."""
    report = reports.report(start, end, scope, station)
    register = registers.register(start, end, scope) if not station else None
    trend_start = end - datetime.timedelta(days=reports.TREND_DAYS - 1)
    trend = reports.report(trend_start, end, scope, station, only=("registrations.home", "registrations.work"))
    by_day = report.by_day()
    level = "station" if station else NEXT_LEVEL[scope.level]
    regions_ = report.by_region(level) if level != "station" else []
    headline = [m for m in report.measures if m.headline]
    flows = [m for m in headline if m.kind == metrics.FLOW and m.key != "registrations"]
    levels = [m for m in report.measures if m.kind == metrics.LEVEL]
    stack_by = "station" if scope.level in ("city", "county") or station else "city"
    chart = {
        "days": [day.isoformat() for day in by_day],
        "multiples": [
            {"label": measure_header(m), "data": [by_day[day][m.key] for day in by_day]} for m in flows
        ],
        "levels": [{"label": measure_header(m), "data": [by_day[day][m.key] for day in by_day]} for m in levels],
        "stacked": stacked(report, stack_by, metrics.get("registrations")),
        "trend": trend_series(trend),
        "ranking": [
            {"label": c.name, "value": c.home} for c in (register.ranked("home", 15) if register else [])
        ],
    }
    by_station = report.by_station()
    registrations = metrics.get("registrations")
    return {
        "report": report,
        "register": register,
        "scope": scope,
        "station": station,
        "by_day": by_day,
        "headline": headline,
        "level": level,
        "regions": ranked(regions_, registrations.key),
        "by_station": ranked([(s.code, s.name, v, s) for s, v in by_station], registrations.key)[:STATION_ROWS],
        "stations_hidden": max(0, len(by_station) - STATION_ROWS),
        "stack_by": stack_by,
        "chart_json": json.dumps(chart, ensure_ascii=False),
        "intention_label": lambda code: metrics.intention_label(code, reader_language()),
        "level_name": reports.LEVEL_NAMES,
        "query": {
            "from": report.start.isoformat(),
            "to": report.end.isoformat(),
            "station": station or "",
            "region": scope.code if scope.code != scopes.of(g.office_user).code else "",
        },
    }


def ranked(rows, key):
    """Rows in region-code order, each with its rank by ``key`` (1 = most)."""
    order = sorted(range(len(rows)), key=lambda i: -rows[i][2].get(key, 0))
    ranks = {index: place for place, index in enumerate(order, start=1)}
    return [(*row, ranks[i]) for i, row in enumerate(rows)]


def stacked(report, by, measure):
    """Registrations per day, one series per city or station (the ten largest, then the rest)."""
    groups = {}
    for s in report.stations:
        name = s.name if by == "station" else reports.region_name(s.region("city"))
        series = groups.setdefault(name, [0] * len(report.days))
        for i, day in enumerate(report.days):
            series[i] += report.value(s.code, day, measure)
    biggest = sorted(groups.items(), key=lambda item: -sum(item[1]))
    shown, rest = biggest[:10], biggest[10:]
    out = [{"label": name, "data": data} for name, data in shown if sum(data)]
    if rest:
        out.append({"label": gettext("Others"), "data": [sum(d[i] for _, d in rest) for i in range(len(report.days))]})
    return out


def trend_series(trend):
    """The last 30 days of people arriving home and leaving for work."""
    by_day = trend.by_day()
    return {
        "days": [day.isoformat() for day in by_day],
        "series": [
            {"label": measure_header(metrics.get(key)), "data": [by_day[day].get(key, 0) for day in by_day]}
            for key in ("registrations.home", "registrations.work")
        ],
    }


@bp.get("/export.<kind>")
def export(kind):
    """Download the reader's report as XLSX (every sheet) or CSV (the day sheet), with Chinese headers."""
    if kind not in ("xlsx", "csv"):
        raise DomainError(N_("Spreadsheets come as xlsx or csv."))
    start, end, scope, station = period()
    report = reports.report(start, end, scope, station)
    place = station or (scope.code and scope.name()) or ""
    name = f"nuantu-{start.isoformat()}-{end.isoformat()}{'-' + place if place else ''}.{kind}"
    with force_locale("zh_Hans"):
        if kind == "csv":
            body, mimetype = exports.to_csv(report, gettext), "text/csv; charset=utf-8"
        else:
            register = registers.register(start, end, scope)
            body = exports.to_xlsx(report, register, gettext, exports.title(report, gettext, scope.name()))
            mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = exports.content_disposition(name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/language")
def language():
    """Switch the dashboard's language and go back to the same view."""
    i18n.remember_language(request.form.get("lang", ""))
    return redirect(web.safe_path(request.form.get("next"), url_for("central.dashboard")), code=303)


def render_error(status, title, detail=""):
    """An error as an alert for htmx swaps, else as a page."""
    context = {"status": status, "title": title, "detail": detail}
    if htmx:
        headers = {"HX-Retarget": "#alerts", "HX-Reswap": "innerHTML"}
        return render_template("central/_alert.html", **context), status, headers
    return render_template("central/error.html", **context), status


def refuse_cross_site_writes():
    """Refuse state-changing requests that a browser says came from another site."""
    if web.is_cross_site_write(request.method, request.headers, request.host):
        return render_error(403, gettext("Not allowed"))
    return None


def init_errors(app):
    """Refuse cross-site writes; show refusals in the reader's language, and never a stack trace."""
    app.before_request(refuse_cross_site_writes)

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_error(400, gettext("This page has expired"), gettext("Please reload the page and try again."))

    @app.errorhandler(DomainError)
    def _domain(error):
        return render_error(error.status, gettext("Something was not right"), gettext(error.message, **error.params))

    @app.errorhandler(HTTPException)
    def _http(error):
        return render_error(error.code or 500, gettext("Something went wrong"), error.name)

    @app.errorhandler(Exception)
    def _unexpected(error):
        if isinstance(error, HTTPException):
            return _http(error)
        app.logger.exception("unhandled error")
        return render_error(500, gettext("Something went wrong"), gettext("Please try again."))

    app.after_request(web.security_headers)


@bp.get("/trips")
def trip_list():
    """返岗专车: the reader's trips on the road and around today, overdue safety check-ins first."""
    scope = reader_scope()
    return render_template("central/trips.html", trips=office_trips.listed(scope), now=utcnow(), scope=scope)
