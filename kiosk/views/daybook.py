"""The end-of-day report on the console: see it, print it, download it, close the day, correct late."""

import csv
import io

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import g
from flask import render_template
from flask import request
from flask_babel import get_locale
from flask_babel import gettext

from kiosk import clock
from kiosk import counts
from kiosk import daybook
from kiosk import printing
from kiosk import tallies
from kiosk import vouchers
from kiosk.errors import N_
from kiosk import web
from kiosk.views import station_info
from kiosk.views.console import redirect_to
from kiosk.views.console import volunteer_required

bp = Blueprint("daybook", __name__, url_prefix="/volunteer/day")


@bp.context_processor
def console_idle():
    """The report is part of the console: it signs out after the console's idle time."""
    return {"idle_seconds": current_app.config["VOLUNTEER_IDLE_SECONDS"]}


def _services():
    return current_app.config["TALLY_SERVICES"]


def _station_name():
    station = station_info.current()
    return station.name if station else ""


def render_report(day, status=200):
    """Render a day's report page, with the slip's preview just after printing it."""
    printed = printing.PrintJob.get_or_none(printing.PrintJob.id == request.args.get("printed", type=web.whole_number),
                                            printing.PrintJob.kind == daybook.SLIP_KIND)
    sheet = daybook.day_sheet(day, _services())
    context = {
        "sheet": sheet,
        "days": daybook.recent_days(today=clock.local_day()),
        "open_day": counts.booking_day(clock.local_day()),
        "corrected_later": daybook.corrections_for(day) if sheet.closed else [],
        "services": [(key, tallies.SERVICES[key]) for key in _services()],
        "labels": tallies.SERVICES,
        "luggage_figures": daybook.LUGGAGE_FIGURES,
        "pack_figures": daybook.PACK_FIGURES,
        "printed": printing.preview_data_uri(printed) if printed else None,
    }
    return render_template("daybook/report.html", **context), status


def overview_context():
    """Return what the console home shows of the day being counted: figures, stock, printer."""
    from kiosk.views.printer import FIXES

    cells = day_being_counted()
    open_day = cells.day
    packs, custody = daybook.on_hand()
    stock = [pack for pack in packs if pack.active]
    return {
        "today": daybook.live_sheet(open_day, _services(), cells=cells, packs=packs, corrections=False,
                                    custody=custody),
        "calendar_day": clock.local_day(),  # the heading says today's date even once today is closed
        "stock": stock,
        "setup": setup_steps(stock),
        "fixes": FIXES,
    }


def setup_steps(stock):
    """What a fresh kiosk still needs before workers can take a pack, in order (msgids)."""
    if not stock:
        return [N_("No gift packs are set up yet. A station manager adds them and counts stock in "
                   "(flask packs add, stock-in), then opens a campaign and offers them.")]
    if not any(pack.offered for pack in stock):  # read with the stock (daybook.on_hand)
        return [N_("No gift pack is on offer today: open a campaign and offer the packs "
                   "(flask packs campaign, offer). Workers are told to ask a volunteer until then.")]
    return []


def day_being_counted():
    """Return the day the console counts on and its cells, read once for the whole page."""
    if "console_cells" not in g:
        g.console_cells = counts.booking_day_cells(clock.local_day(), levels=(daybook.LEVEL,))
    return g.console_cells


@bp.get("/overview")
@volunteer_required()
def overview():
    """Return the console home's overview alone (htmx refresh)."""
    return render_template("daybook/_overview.html", **overview_context())


@bp.get("/")
@volunteer_required()
def today():
    """Show the report of the day being counted now."""
    return render_report(counts.booking_day(clock.local_day()))


@bp.get("/<day:day>")
@volunteer_required()
def report(day):
    """Show one day's report."""
    return render_report(day)


@bp.post("/<day:day>/print")
@volunteer_required()
def print_slip(day):
    """Send the day's report slip to the thermal printer and show what it will look like."""
    sheet = daybook.day_sheet(day, _services())
    ticket = daybook.slip(sheet, gettext, _station_name(), language=str(get_locale()))
    job = printing.submit(ticket, unprintable="replace")
    printing.wake()
    return redirect_to("daybook.report", day=sheet.day.isoformat(), printed=job.id)


@bp.get("/<day:day>.csv")
@volunteer_required()
def download(day):
    """Download the day's report as a spreadsheet (CSV that Excel and WPS open in Chinese)."""
    sheet = daybook.day_sheet(day, _services())
    out = io.StringIO()
    out.write("\ufeff")  # Excel and WPS read UTF-8 only with a byte-order mark
    writer = csv.writer(out)
    writer.writerow([gettext("Section"), gettext("Item"), gettext("Value"), gettext("Bags")])
    writer.writerows(daybook.rows(sheet, gettext, _station_name(), str(get_locale())))  # numbers stay numbers; luggage adds bags
    filename = f"nuantu-day-{sheet.day.isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.post("/<day:day>/close")
@volunteer_required(role="manager")
def close(day):
    """Close the day: its report is final and later counts go to the next day."""
    daybook.close_day(day, g.volunteer.id, _services())
    return redirect_to("daybook.report", day=day.isoformat())


@bp.post("/<day:day>/corrections")
@volunteer_required(role="manager")
def correct(day):
    """Count people served on a closed day, on the next open day, with the reason."""
    daybook.correct_late(day, request.form.get("service", ""), request.form.get("people", type=web.whole_number),
                         request.form.get("reason", ""), g.volunteer.id, _services())
    return redirect_to("daybook.report", day=day.isoformat())
