"""The worker's help screens: job postings to take away, job fairs, and a wage-arrears tip.

Postings and fairs come from the office's signed channel; a tip is sealed to
the office the moment it is confirmed. The half-finished tip lives in the
session, so the idle reset forgets it (its phone number is already sealed).
"""

import datetime

from flask import Blueprint
from flask import current_app
from flask import render_template
from flask import request
from flask import session
from flask_babel import gettext

from kiosk import help as help_domain
from kiosk import htmx
from kiosk import printing
from kiosk import regions
from kiosk import registration
from kiosk.help import jobs
from kiosk.help import tips
from kiosk.views import register
from kiosk.views import speech
from kiosk.views import station_info

bp = Blueprint("help", __name__, url_prefix="/help")

TIP_KEY = "wage_tip"
JOBS_PER_PAGE = 8  # big cards; more are a tap on "next page" away, never a long scroll
TIP_DONE_KEY = "wage_tip_done"


@bp.after_request
def no_store(response):
    """Keep help screens out of caches: a tip shows what a person chose."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _county():
    return str(current_app.config["STATION_COUNTY"])


def _destination():
    """The destination province of a worker who registered 返岗 in this visit, or None."""
    done = registration.receipt(session.get(register.DONE_KEY))
    return done.destination if done and done.direction == "work" else None


# Jobs -----------------------------------------------------------------------------


@bp.get("/jobs")
def job_list():
    """List the open job postings, local first, with the sector's icon."""
    destination = _destination()
    found = jobs.postings(_county(), destination)
    pages = max(1, -(-len(found) // JOBS_PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    return render_template(
        "help/jobs.html",
        postings=found[(page - 1) * JOBS_PER_PAGE:page * JOBS_PER_PAGE],
        page=page,
        pages=pages,
        total=len(found),
        destination=destination,
        fairs=jobs.fairs()[:3],
        notices=jobs.notices(),
        sectors=jobs.SECTORS,
    )


@bp.get("/jobs/<item_id>")
def job(item_id):
    """Show one posting in big type, with a button to print it; counted as viewed."""
    posting = jobs.posting(item_id, _county())
    jobs.count_view(posting)
    return render_template("help/job.html", posting=posting, sectors=jobs.SECTORS,
                           pay=jobs.pay_text(posting, gettext))


@bp.post("/jobs/<item_id>/print")
def job_print(item_id):
    """Print the posting's take-away slip and show its preview."""
    posting = jobs.posting(item_id, _county())
    ticket = jobs.slip(posting, station_info.current(), gettext, current_app.config["HELP_PLATFORM_URL"])
    job_row = jobs.print_slip(posting, ticket)
    return render_template("help/_slip.html", posting=posting, preview=printing.preview_data_uri(job_row.id),
                           qr=ticket.qr)


@bp.get("/fairs")
def fairs():
    """Show the coming job fairs on a month calendar and as a list."""
    today = help_domain.office_today()
    found = jobs.fairs(today)
    months = [jobs.month_grid(today, found)]
    following = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    if any(f.date >= following for f in found):
        months.append(jobs.month_grid(following, found))
    return render_template("help/fairs.html", fairs=found, months=months, today=today)


# Wage-arrears tip -------------------------------------------------------------------


@bp.get("/tip")
def tip_start():
    """Start a tip: where the work was."""
    draft = tips.start()
    session[TIP_KEY] = draft.to_state()
    session.pop(TIP_DONE_KEY, None)
    return _tip_page("province", draft)


@bp.get("/tip/step/<step>")
def tip_show(step):
    """Show a step again (Back) if its earlier answers are made."""
    if step not in tips.STEPS:
        step = "province"
    draft = tips.require(_tip_draft(), step)
    return _tip_show(step, draft)


@bp.post("/tip/province")
def tip_province():
    """Record the province; next the city (if it has cities) or the kind of work."""
    draft = tips.choose_province(_tip_draft() or tips.start(), request.form.get("code", ""))
    return _tip_show("city" if regions.cities(draft.province) else "sector", draft)


@bp.post("/tip/city")
def tip_city():
    """Record the city."""
    return _tip_show("sector", tips.choose_city(_tip_draft(), request.form.get("code", "")))


@bp.post("/tip/sector")
def tip_sector():
    """Record the kind of work."""
    return _tip_show("amount", tips.choose_sector(_tip_draft(), request.form.get("value", "")))


@bp.post("/tip/amount")
def tip_amount():
    """Record roughly how much is owed."""
    return _tip_show("duration", tips.choose_amount(_tip_draft(), request.form.get("value", "")))


@bp.post("/tip/duration")
def tip_duration():
    """Record for how long."""
    return _tip_show("workers", tips.choose_duration(_tip_draft(), request.form.get("value", "")))


@bp.post("/tip/workers")
def tip_workers():
    """Record how many workers are owed; then the privacy notice about a phone number."""
    return _tip_show("contact", tips.choose_workers(_tip_draft(), request.form.get("value", "")))


@bp.post("/tip/contact")
def tip_contact():
    """Leave a phone number (the keypad) or not (the summary)."""
    answer = request.form.get("value", "")
    draft = tips.choose_contact(_tip_draft(), answer)
    return _tip_show("phone" if answer == "phone" else "summary", draft)


@bp.post("/tip/phone")
def tip_phone():
    """Check the number and seal it to the office at once."""
    key = tips.office_key()
    return _tip_show("summary", tips.add_phone(_tip_draft(), request.form.get("number", ""), key.public_key))


@bp.post("/tip/employer")
def tip_employer():
    """Record the optional employer name."""
    return _tip_show("summary", tips.set_employer(_tip_draft(), request.form.get("employer", "")))


@bp.post("/tip/confirm")
def tip_confirm():
    """Seal and store the tip, print its receipt, and show the tip number."""
    draft = _tip_draft()
    done = session.get(TIP_DONE_KEY)
    if draft is None and done:
        return _tip_show("done", None, receipt=tips.TipReceipt(**done))  # a second tap after the first finished
    info = station_info.current()
    labour_desk = current_app.config["HELP_LABOUR_DESK"]

    def receipt_ticket(number, day):
        return tips.receipt_ticket(number, day, info, gettext, labour_desk)

    receipt = tips.submit(draft, info, receipt_ticket)
    session.pop(TIP_KEY, None)
    session[TIP_DONE_KEY] = {"number": receipt.number, "day": receipt.day, "phone_left": receipt.phone_left}
    return _tip_show("done", None, receipt=receipt)


def _tip_draft():
    return tips.TipDraft.from_state(session.get(TIP_KEY))


def _tip_show(step, draft, **extra):
    speech.set_screen(f"help.tip_{step}")
    if draft is not None:
        session[TIP_KEY] = draft.to_state()
    if htmx:
        return render_template(f"help/_tip_{step}.html", **_tip_context(step, draft), **extra)
    return _tip_page(step, draft, **extra)


def _tip_page(step, draft, **extra):
    speech.set_screen(f"help.tip_{step}")
    return render_template("help/tip.html", step=step, **_tip_context(step, draft), **extra)


def _tip_context(step, draft):
    context = {"draft": draft, "back": tips.previous(draft, step), "tips": tips}
    if step == "province":
        home = regions.HOME_PROVINCE
        common = [home] + [c for c in register._common_destinations() if c != home]
        context["provinces"] = regions.destination_provinces(common)
        context["common"] = common
    elif step == "city":
        context["cities"] = regions.cities(draft.province)
        context["province"] = regions.find(draft.province)
    elif step == "contact":
        context["hotline"] = current_app.config["STATION_HOTLINE"]
    return context
