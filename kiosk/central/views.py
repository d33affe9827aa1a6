"""The office's dashboard: totals by day, station and metric, a chart, warnings, spreadsheets."""

import json

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kiosk import clock
from kiosk import i18n
from kiosk import web
from kiosk.central import htmx
from kiosk.central import registry
from kiosk.central import reports
from kiosk.central.models import PullRun
from kiosk.central.models import Station
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.i18n import LANGUAGES

bp = Blueprint("central", __name__, template_folder="templates")

STATION_ROWS = 200  # more than this on screen is a spreadsheet's job


@bp.app_context_processor
def inject_languages():
    """Languages for the switch in the header."""
    return {"languages": LANGUAGES}


def period():
    """Read the period and station from the query, or the last week by default."""
    start, end = reports.period(request.args.get("from"), request.args.get("to"), clock.local_day())
    return start, end, request.args.get("station") or None


@bp.get("/")
def dashboard():
    """Show the totals for a period; an htmx request gets the report part alone."""
    start, end, station = period()
    report = reports.report(start, end, station)
    context = report_context(report, station)
    if htmx and not htmx.history_restore_request:
        return render_template("central/_report.html", **context)
    statuses = registry.statuses(current_app.config["STALE_DAYS"])
    return render_template(
        "central/dashboard.html",
        stations=list(Station.select().order_by(Station.name)),
        warnings=[s for s in statuses if s.stale or s.error or s.clock_off],
        kiosk_count=len(statuses),
        last_run=PullRun.select().order_by(PullRun.id.desc()).first(),
        **context,
    )


def report_context(report, station):
    """What _report.html needs: the report, its rows by day and station, and chart data."""
    by_day = report.by_day()
    labels = {c.key: c.label if c.key.startswith("metric:") else gettext(c.label) for c in report.columns}
    chart = {
        "labels": [day.isoformat() for day in by_day],
        "series": [
            {"label": labels[c.key], "data": [by_day[day].get(c.key, 0) for day in by_day]}
            for c in report.columns
            if c.key != "registrations"  # its two halves are drawn instead
        ],
    }
    by_station = report.by_station()
    return {
        "report": report,
        "labels": labels,
        "station": station,
        "by_day": by_day,
        "by_station": by_station[:STATION_ROWS],
        "stations_hidden": max(0, len(by_station) - STATION_ROWS),
        "chart_json": json.dumps(chart, ensure_ascii=False),
        "query": {"from": report.start.isoformat(), "to": report.end.isoformat(), "station": station or ""},
    }


@bp.get("/export.<kind>")
def export(kind):
    """Download the station × day × metric report as XLSX or CSV, with Chinese headers."""
    if kind not in ("xlsx", "csv"):
        raise DomainError(N_("Spreadsheets come as xlsx or csv."))
    start, end, station = period()
    report = reports.report(start, end, station)
    name = f"nuantu-{start.isoformat()}-{end.isoformat()}{'-' + station if station else ''}.{kind}"
    with force_locale("zh_Hans"):
        if kind == "csv":
            body, mimetype = reports.to_csv(report, gettext), "text/csv; charset=utf-8"
        else:
            body = reports.to_xlsx(report, gettext, reports.title(report, gettext))
            mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
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
