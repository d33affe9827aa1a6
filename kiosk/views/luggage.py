"""Left luggage on the volunteer console (check-in, claim, lost ticket, board) and the worker's info screen."""

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import g
from flask import render_template
from flask import request
from flask_babel import force_locale
from flask_babel import gettext

from kiosk import clock
from kiosk import htmx
from kiosk import luggage
from kiosk import pii_keys
from kiosk import tokens
from kiosk import web
from kiosk.errors import DomainError
from kiosk.luggage import tickets as luggage_tickets
from kiosk.views import station_info
from kiosk.views.printer import FIXES
from kiosk.views.printer import printer_down
from kiosk.views.printer import refuse_while_printer_down
from kiosk.views.console import devices
from kiosk.views.console import redirect_to
from kiosk.views.console import volunteer_required

bp = Blueprint("luggage", __name__, url_prefix="/volunteer/luggage")
worker_bp = Blueprint("luggage_screen", __name__)


def rules():
    """Return this station's luggage rules."""
    return luggage.Rules.from_config(current_app.config)


def keys():
    """Return the keys that sign this kiosk's tickets and hide phone digits."""
    config = current_app.config
    return luggage.Keys(station_info.current().kiosk_id, config["SIGNING_KEY"], pii_keys.ring())


def said(refusal):
    """Return a domain refusal in the reader's language."""
    return gettext(refusal.message, **refusal.params)


def pickup_label(moment):
    """Return a pick-up moment as people say it: "21:00", "tomorrow 09:00", or a date beyond that."""
    local = clock.local_time(moment)
    days = (local.date() - clock.local_day()).days
    if days == 0:
        return local.strftime("%H:%M")
    if days == 1:
        return gettext("tomorrow %(time)s", time=local.strftime("%H:%M"))
    return luggage.local_stamp(moment)


def page_or_partial(name, status=200, **context):
    """Render the luggage page around the _NAME.html partial, or the partial alone for htmx."""
    helpers = {"kinds": luggage.BAG_KINDS, "display_code": tokens.display_code, "stamp": luggage.local_stamp,
               "pickup_label": pickup_label}
    if htmx:
        return render_template(f"luggage/_{name}.html", **helpers, **context), status
    return render_template("luggage/page.html", partial=name, **helpers, **context), status


# --- the desk: scan box, today's numbers, custody board ------------------


@bp.get("/")
@volunteer_required()
def desk():
    """Show the custody board by shelf, today's numbers and the scan box."""
    luggage.count_overdue()
    return page_or_partial("desk", shelves=luggage.board(rules()), today=luggage.day_counts(clock.local_day()))


# --- check-in ------------------------------------------------------------


def check_in_context(form, error=None):
    """Return what the check-in form shows, keeping what was already chosen."""
    station_rules = rules()
    bags = [kind for kind in form.getlist("bag") if kind in luggage.BAG_KINDS][: station_rules.max_bags]
    if form.get("add") in luggage.BAG_KINDS and len(bags) < station_rules.max_bags:
        bags.append(form["add"])
    removed = form.get("remove", type=web.whole_number)
    if removed is not None and 0 <= removed < len(bags):
        del bags[removed]
    free = {shelf: luggage.free_space(shelf, station_rules) for shelf in station_rules.shelves}
    shelf = form.get("shelf") if form.get("shelf") in free else max(free, key=lambda s: free[s])
    choices = luggage.pickup_choices(station_rules)
    default = next(moment for moment, is_default in choices if is_default)
    due = form.get("due") if form.get("due") in {m.isoformat() for m, _ in choices} else default.isoformat()
    return {
        "bags": bags,
        "max_bags": station_rules.max_bags,
        "free": free,
        "shelf": shelf,
        "choices": choices,
        "due": due,
        "phone": form.get("phone", "") if (form.get("phone", "").isdigit()) else "",
        "error": error,
    }


@bp.get("/check-in")
@volunteer_required()
def check_in_page():
    """Show the check-in form: bags by tap, shelf, pick-up time, optional phone last-4."""
    return page_or_partial("check_in", **check_in_context(request.args))


@bp.context_processor
def printer_state():
    """Every desk page knows whether the printer can print a ticket now."""
    return {"printer_down": printer_down(), "printer_fixes": FIXES}


@bp.post("/check-in")
@volunteer_required()
def check_in():
    """Take the bags in, print the owner's ticket and the tags, show what was printed."""
    form = request.form
    try:
        refuse_while_printer_down()  # bags without a ticket would leave the owner with nothing
        deposit = luggage.check_in(form.getlist("bag"), form.get("shelf", ""), form.get("due", ""),
                                   form.get("phone", ""), g.volunteer.id, rules(), keys(), slips=ticket_set)
    except DomainError as refusal:
        return page_or_partial("check_in", refusal.status, **check_in_context(form, said(refusal)))
    return redirect_to("luggage.ticket", deposit_id=deposit.id, printed=1)


def ticket_set(deposit):
    """Return the deposit's claim ticket and tags, worded in the station's language."""
    with force_locale(current_app.config["LANGUAGE"]):
        return luggage_tickets.slips(deposit, luggage.bags_of(deposit), station_info.current(), keys(), gettext)


# --- one ticket: what was printed, claim, reprint ------------------------


def ticket_context(deposit, scanned="", notice=None, error=None, printed=False):
    """Return what the ticket panel shows."""
    job = luggage.print_job(deposit) if printed and deposit.closed_at is None else None
    return {
        "deposit": deposit,
        "bags": luggage.bags_of(deposit),
        "overdue": deposit.closed_at is None and deposit.due_at < clock.now(),
        "not_printed": deposit.closed_at is None and luggage.ticket_not_printed(deposit),
        "scanned": scanned,
        "notice": notice,
        "error": error,
        "slips": luggage_tickets.slip_count(job) if job else 0,
        "reprint_reasons": luggage.REPRINT_REASONS,
    }


@bp.get("/t/<int:deposit_id>")
@volunteer_required()
def ticket(deposit_id):
    """Show a ticket (from the board or after printing): shelf, bags, reprint; no hand-back without the ticket."""
    deposit = luggage.get(deposit_id)
    return page_or_partial("ticket", **ticket_context(deposit, printed=request.args.get("printed") == "1"))


@bp.get("/t/<int:deposit_id>/slip/<int:index>.png")
@volunteer_required()
def slip(deposit_id, index):
    """Return the printer's own preview of one printed slip (0 = the owner's ticket)."""
    job = luggage.print_job(luggage.get(deposit_id))
    png = luggage_tickets.slip_png(job, index) if job else None
    if png is None:
        abort(404)
    # The bytes of a job never change; the console may keep the image for the visit.
    return png, {"Content-Type": "image/png", "Cache-Control": "private, max-age=600"}


@bp.post("/t/<int:deposit_id>/reprint")
@volunteer_required()
def reprint(deposit_id):
    """Print the owner's ticket and tags again with the same code (logged)."""
    try:
        deposit = luggage.reprint(deposit_id, request.form.get("reason", ""), g.volunteer, rules())
    except DomainError as refusal:
        return page_or_partial("ticket", refusal.status,
                               **ticket_context(luggage.get(deposit_id), error=said(refusal)))
    return page_or_partial("ticket", **ticket_context(deposit, notice=gettext("Printed again with the same code."),
                                                       printed=True))


@bp.get("/claim")
@volunteer_required()
def claim_page():
    """Open the ticket a scanner or a person entered: shelf and bags, ready to hand back."""
    scanned = request.args.get("code", "").strip()
    if not scanned:
        return redirect_to("luggage.desk")
    try:
        deposit = luggage.find(scanned, keys())
    except DomainError as refusal:
        return page_or_partial("desk", refusal.status, shelves=luggage.board(rules()),
                               today=luggage.day_counts(clock.local_day()), error=said(refusal), scanned=scanned)
    response = page_or_partial("ticket", **ticket_context(deposit, scanned=scanned),
                               already_collected=deposit.closed_at is not None)
    return (*response, {"Cache-Control": "no-store"})


@bp.post("/claim")
@volunteer_required()
def claim():
    """Hand back the ticked bags; the ticket closes with the last one."""
    scanned = request.form.get("code", "")
    numbers = request.form.getlist("bag")
    try:
        deposit = luggage.claim(scanned, numbers, g.volunteer.id, keys())
    except DomainError as refusal:
        deposit = luggage.find(scanned, keys())
        return page_or_partial("ticket", refusal.status, **ticket_context(deposit, scanned, error=said(refusal)))
    notice = (gettext("All bags handed back. The ticket is closed.") if deposit.closed_at
              else gettext("Handed back: %(bags)s.", bags=", ".join(numbers)))
    return page_or_partial("ticket", **ticket_context(deposit, scanned, notice=notice))


# --- lost ticket ---------------------------------------------------------


@bp.get("/lost")
@volunteer_required()
def lost():
    """Find bags whose ticket is lost: day, what the bag looks like, phone last-4."""
    days = luggage.lost_days()
    day = request.args.get("day", "")
    kind = request.args.get("kind", "")
    phone = request.args.get("phone", "")
    matches, error = None, None
    if "kind" in request.args:
        try:
            chosen = next((d for d in days if d.isoformat() == day), None)
            matches = luggage.find_lost(chosen, kind, phone, keys())
        except DomainError as refusal:
            error = said(refusal)
    return page_or_partial("lost", days=days, day=day or (days[0].isoformat() if days else ""), kind=kind,
                           phone=phone if phone.isdigit() else "", matches=matches, error=error)


def release_context(deposit, phone, error=None, reason=""):
    """Return what the manager-approved release form shows."""
    return {
        "deposit": deposit,
        "bags": luggage.bags_of(deposit),
        "phone": phone if phone.isdigit() else "",
        "managers": luggage.managers(),
        "reasons": [gettext(choice) for choice in luggage.LOST_REASONS],
        "reason": reason,
        "error": error,
    }


@bp.get("/lost/<int:deposit_id>")
@volunteer_required()
def release_page(deposit_id):
    """Show the release form for a found ticket: bags, reason, manager and PIN."""
    deposit = luggage.get(deposit_id)
    return page_or_partial("release", **release_context(deposit, request.args.get("phone", "")))


@bp.post("/lost/<int:deposit_id>")
@volunteer_required()
def release(deposit_id):
    """Release bags without their ticket, approved by a station manager's PIN, with a reason."""
    form = request.form
    reason = form.get("reason_text", "").strip() or form.get("reason", "")
    try:
        deposit = luggage.release_lost(deposit_id, form.getlist("bag"), form.get("phone", ""), g.volunteer.id,
                                       form.get("manager_id", type=web.whole_number), form.get("pin", ""), reason, keys(),
                                       devices=devices())
    except DomainError as refusal:
        deposit = luggage.get(deposit_id)
        return page_or_partial("release", refusal.status,
                               **release_context(deposit, form.get("phone", ""), said(refusal), reason))
    notice = (gettext("Released with the manager's approval. The ticket is closed.") if deposit.closed_at
              else gettext("Released with the manager's approval."))
    return page_or_partial("ticket", **ticket_context(deposit, notice=notice))


# --- the worker's screen --------------------------------------------------


@worker_bp.get("/luggage")
def about():
    """Tell a worker how left luggage works here and to see a volunteer (no check-in on the kiosk)."""
    station_rules = rules()
    # The pick-up the volunteer's check-in will offer first: the two screens never disagree.
    due = next(moment for moment, is_default in luggage.pickup_choices(station_rules) if is_default)
    return render_template("screen/luggage.html", room=luggage.room_left(station_rules), printer_down=printer_down(),
                           hours=station_rules.hours, due=pickup_label(due), max_bags=station_rules.max_bags)
