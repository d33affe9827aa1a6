"""The volunteer's gift-pack desk: scan a voucher, hand out the pack, void or reprint; stock."""

from flask import Blueprint
from flask import current_app
from flask import g
from flask import make_response
from flask import render_template
from flask import request
from flask_babel import gettext

from kiosk import htmx
from kiosk import printing
from kiosk import tokens
from kiosk import vouchers
from kiosk import web
from kiosk.errors import DomainError
from kiosk.views import station_info
from kiosk.views.console import redirect_to
from kiosk.views.console import volunteer_required

bp = Blueprint("pack_desk", __name__, url_prefix="/volunteer/packs")


@bp.context_processor
def console_idle():
    """The desk is part of the console: it signs out after the console's idle time, not the kiosk's."""
    return {"idle_seconds": current_app.config["VOLUNTEER_IDLE_SECONDS"]}


@bp.app_template_filter("display_code")
def display_code(code):
    """Show a voucher code as printed: 7K9M-Q2XA."""
    return tokens.display_code(code)


@bp.after_request
def no_store(response):
    """Scan results and stock must never come back from a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def render_card(status=200, **card):
    """Answer with the voucher card (and fresh counts) for htmx, else the whole desk page."""
    context = {"voucher": None, "refusal": None, "done": None, "lines": vouchers.day_report(),
               "reasons": vouchers.REASONS, **card}
    template = "pack_desk/_voucher_card.html" if htmx else "pack_desk/desk.html"
    return make_response(render_template(template, oob_counts=bool(htmx), **context), status)


def card_for(action, done=None):
    """Run a desk action and show its voucher, or its refusal in the card where the volunteer looks."""
    try:
        voucher = action()
    except DomainError as error:
        return render_card(error.status, refusal=gettext(error.message, **error.params))
    return render_card(voucher=voucher, done=done)


@bp.get("/")
@volunteer_required()
def desk():
    """Show the scan box, an empty voucher card and today's numbers per pack."""
    return render_card()


@bp.post("/scan")
@volunteer_required()
def scan():
    """Look up a scanned or typed voucher and show what to hand out."""
    info = station_info.current()
    key = current_app.config["SIGNING_KEY"]
    return card_for(lambda: vouchers.find(request.form.get("code", ""), info.kiosk_id, key))


@bp.post("/<code>/redeem")
@volunteer_required()
def redeem(code):
    """Confirm the hand-out: the voucher is redeemed and the pack leaves the stock."""
    return card_for(lambda: vouchers.redeem(code, g.volunteer.id), done="redeemed")


@bp.post("/<code>/void")
@volunteer_required()
def void(code):
    """Cancel a voucher with a reason; its pack goes back to what may be promised."""
    reason, note = request.form.get("reason", ""), request.form.get("note", "")
    return card_for(lambda: vouchers.void(code, g.volunteer.id, reason, note), done="voided")


@bp.post("/<code>/reprint")
@volunteer_required()
def reprint(code):
    """Print the same voucher again (same code) with a reason."""
    reason, note = request.form.get("reason", ""), request.form.get("note", "")
    answer = card_for(lambda: vouchers.reprint(code, g.volunteer.id, reason, note, reprinter=printing.reprint),
                      done="reprinted")
    printing.wake()  # the copy was queued in the reprint's transaction, now committed
    return answer


@bp.get("/stock")
@volunteer_required(role="manager")
def stock():
    """Show stock per pack type with a form to count packs in or out."""
    return render_template("pack_desk/stock.html", lines=vouchers.day_report(), error=None)


@bp.post("/stock")
@volunteer_required(role="manager")
def stock_move():
    """Count packs in (a delivery) or out (damaged, sent on), with a reason."""
    move = vouchers.stock_out if request.form.get("direction") == "out" else vouchers.stock_in
    try:
        move(request.form.get("pack", ""), request.form.get("quantity", type=web.whole_number),
             request.form.get("reason", ""), volunteer_id=g.volunteer.id)
    except DomainError as error:
        message = gettext(error.message, **error.params)
        return render_template("pack_desk/stock.html", lines=vouchers.day_report(), error=message), error.status
    return redirect_to("pack_desk.stock")
