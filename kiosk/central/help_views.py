"""The office's help pages: job postings (typed or from a job fair's XLSX) and wage-arrears tips.

Every page needs a signed-in office user (``auth``); the tips need one the
office made a case worker (``flask --app kiosk.central tips grant NAME``).
Opening a tip and changing its status are written to its audit trail.
"""

import datetime
import json

from flask import Blueprint
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from kiosk import clock
from kiosk import regions
from kiosk.central import cases
from kiosk.central import content
from kiosk.central import scope as user_scopes
from kiosk.central.models import Station
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.sync import content_wire
from kiosk.sync import sealed_wire

bp = Blueprint("office_help", __name__, template_folder="templates")

SECTOR_LABELS = content_wire.SECTOR_LABELS
TIP_LABELS = sealed_wire.CHOICES
TRAIL_ACTIONS = {
    "received": N_("received from the kiosk"),
    "opened": N_("opened"),
    "status": N_("status changed"),
    "unreadable": N_("could not be opened"),
}


@bp.app_template_filter("place_name")
def place_name(code):
    """A GB/T 2260 code as its name."""
    found = regions.find(code) if code else None
    return found.name if found else (code or "")


def _area():
    return str(current_app.config["OFFICE_AREA"])


def _counties():
    """The county-code prefixes a case worker may see tips from: the office's area narrowed to their scope.

    A county bureau's worker at a province office sees their county's tips; a
    scope outside the office's area sees none.
    """
    area = content.area_prefix(_area())
    mine = user_scopes.of(g.office_user).prefix
    if mine.startswith(area):
        return [mine]
    return [area] if area.startswith(mine) else []


def _jobs_page(error=None, notice=None, status=200, form=None):
    today = clock.local_day()
    stations = [s.code for s in Station.select().order_by(Station.code)]
    try:
        key = content.current_key()
    except DomainError:
        key = None
    rows = content.publications("job")
    postings = [(row, json.loads(row.body), row.valid_until is None or row.valid_until >= today) for row in rows]
    return render_template(
        "central/jobs.html",
        postings=postings,
        sectors=SECTOR_LABELS,
        scopes=content.scope_choices(_area(), stations),
        key=key,
        error=error,
        notice=notice,
        form=form or {},
        default_until=(today + datetime.timedelta(days=30)).isoformat(),
        fairs=[(row, json.loads(row.body)) for row in content.publications("fair", live_on=today)],
    ), status


@bp.get("/jobs")
def jobs():
    """List the postings the office published, with the form to add one and the XLSX import."""
    return _jobs_page(notice=request.args.get("notice"))


@bp.post("/jobs")
def jobs_add():
    """Publish a posting typed in the form; the kiosks get it at their next delivery."""
    try:
        body = content.job_body(request.form)
        scope = content.parse_scope(request.form.get("scope"))
        until = content.parse_day(request.form.get("valid_until"))
        content.publish(current_app.instance_path, "job", body, scope, until, user=g.office_user.name)
    except DomainError as error:
        return _jobs_page(error=_message(error), status=error.status, form=request.form)
    return redirect(url_for("office_help.jobs", notice="published"), code=303)


@bp.post("/fairs")
def fairs_add():
    """Publish a job fair for the kiosks' calendar (shown until its day)."""
    try:
        body, fair_day = content.fair_body(request.form)
        scope = content.parse_scope(request.form.get("scope"))
        content.publish(current_app.instance_path, "fair", body, scope, fair_day, user=g.office_user.name)
    except DomainError as error:
        return _jobs_page(error=_message(error), status=error.status)
    return redirect(url_for("office_help.jobs", notice="published"), code=303)


@bp.post("/jobs/import")
def jobs_import():
    """Publish the rows of a job fair's XLSX; say which rows were refused and why."""
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise DomainError(N_("Choose the XLSX file to import."))
        scope = content.parse_scope(request.form.get("scope"))
        until = content.parse_day(request.form.get("valid_until"))
        published, problems = content.import_xlsx(current_app.instance_path, upload.read(), scope, until,
                                                  user=g.office_user.name)
    except DomainError as error:
        return _jobs_page(error=_message(error), status=error.status)
    from flask_babel import gettext

    notice = gettext("%(count)s postings published.", count=len(published))
    if problems:
        notice += " " + gettext("Rows not imported:") + " " + "; ".join(
            f"{row}: {_message(error)}" for row, error in problems)
    return _jobs_page(notice=notice)


@bp.post("/jobs/<item_id>/withdraw")
def jobs_withdraw(item_id):
    """Close a posting today; kiosks drop it at their next delivery."""
    content.withdraw(current_app.instance_path, item_id, user=g.office_user.name)
    return redirect(url_for("office_help.jobs", notice="withdrawn"), code=303)


def _message(error):
    from flask_babel import gettext

    return gettext(error.message, **error.params)


@bp.get("/tips")
def tips():
    """List the wage-arrears tips with their status (case workers only)."""
    status = request.args.get("status") or None
    found = cases.listing(g.office_user, status if status in cases.STATUSES else None, _counties())
    return render_template("central/tips.html", tips=found, statuses=cases.STATUSES, status=status)


@bp.get("/tips/<tip_id>")
def tip(tip_id):
    """Open one tip (recorded in its trail), with its status form and trail."""
    opened = cases.open_tip(current_app.instance_path, g.office_user, tip_id, counties=_counties())
    return render_template("central/tip.html", opened=opened, statuses=cases.STATUSES, labels=TIP_LABELS,
                           trail=cases.trail(opened.tip), actions=TRAIL_ACTIONS)


@bp.post("/tips/<tip_id>/status")
def tip_status(tip_id):
    """Move a tip to a status with a note."""
    cases.set_status(g.office_user, tip_id, request.form.get("status", ""), request.form.get("note", ""))
    return redirect(url_for("office_help.tip", tip_id=tip_id), code=303)


@bp.app_context_processor
def inject_case_worker():
    """Whether the signed-in user sees the tips link."""
    user = g.get("office_user")
    return {"case_worker": cases.is_case_worker(user) if user is not None else False,
            "content_kinds": content_wire.PUBLISHED_KINDS}
