"""What a booking prints (one seat ticket per seat, in one job) and the escort's manifest.

Text is in the worker's language (the caller passes a gettext bound to it).
A seat ticket carries the trip, departure place and time, the seat number,
the escort's phone and the seat's own signed QR for boarding; nothing about
the person. The manifest (seat, masked name, state) is for the escort only:
printed on the station's printer, or downloaded as a PDF or a CSV spreadsheet, never synced.
"""

import csv
import io

from PIL import Image

from kiosk import printing
from kiosk import regions
from kiosk import tokens
from kiosk import trips
from kiosk.errors import N_
from kiosk.printing import Ticket

MANIFEST_PROFILE = "generic80"
STATES = {"booked": N_("not boarded"), "boarded": N_("boarded"), "no_show": N_("no-show")}


def trip_title(trip, gettext):
    """Return a trip's one-line name: 'Bus to 广东 深圳市'."""
    _ = gettext
    place = regions.label(trips.destination_of(trip))
    if trip.mode == "train":
        return _(N_("Train to %(place)s"), place=place)
    return _(N_("Bus to %(place)s"), place=place)


def seat_tickets(booking, seats, station, keys, gettext):
    """Return the job to print: the first seat's ticket, the other seats as its ``parts``."""
    _ = gettext
    trip = booking.trip
    total = len(seats)
    tickets = []
    for index, seat in enumerate(seats, start=1):
        lines = [
            (_(N_("Trip")), trip_title(trip, gettext)),
            (_(N_("Leaves from")), trip.departure_place),
            (_(N_("Departs")), trips.local_stamp(trip.departs_at)),
            (_(N_("Seat")), str(seat.number)),
            (_(N_("Escort")), f"{trip.escort_name} {trip.escort_phone}"),
        ]
        if total > 1:
            lines.append(_(N_("Ticket %(index)s of %(total)s"), index=index, total=total))
        footer = [_(N_("Please arrive 30 minutes early.")), _(N_("Show this ticket to the escort when boarding."))]
        if station.hotline:
            footer.append(_(N_("Hotline %(hotline)s"), hotline=station.hotline))
        tickets.append(Ticket(
            kind=trips.PRINT_KIND,
            title=_(N_("Seat ticket")),
            lines=tuple(lines),
            code=tokens.display_code(seat.code),
            qr=trips.payload(seat, trip, keys),
            footer=tuple(footer),
        ))
    first, *rest = tickets
    return Ticket(kind=first.kind, title=first.title, lines=first.lines, code=first.code, qr=first.qr,
                  footer=first.footer, parts=tuple(rest))


def manifest_ticket(trip, gettext):
    """Return the escort's manifest as a ticket for the 80 mm printer (no code: print it as often as needed)."""
    _ = gettext
    count = trips.head_count(trip)
    lines = [
        (_(N_("Trip")), trip_title(trip, gettext)),
        (_(N_("Leaves from")), trip.departure_place),
        (_(N_("Departs")), trips.local_stamp(trip.departs_at)),
        (_(N_("Escort")), f"{trip.escort_name} {trip.escort_phone}"),
        (_(N_("On board")), f"{count.boarded}/{count.booked}"),
    ]
    for row in trips.manifest(trip, gettext):
        lines.append((_(N_("Seat %(seat)s"), seat=row.seat), f"{row.name} {_(STATES[row.state])}"))
    return Ticket(kind=trips.MANIFEST_KIND, title=_(N_("Passenger manifest")), lines=tuple(lines),
                  footer=(_(N_("For the escort only. Destroy after the trip.")),))


def manifest_pdf(trip, gettext):
    """Return the manifest as a one-page PDF (the 80 mm printout, drawn as the printer would)."""
    png = printing.preview_png(manifest_ticket(trip, gettext), profile=MANIFEST_PROFILE)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=203.0, title="manifest")
    return out.getvalue()


def manifest_csv(trip, gettext):
    """Return the manifest as a CSV spreadsheet (UTF-8 with a BOM, so Excel and WPS read the Chinese).

    The kiosk has no openpyxl (only the central office installs it), so the
    escort's spreadsheet is a CSV: it opens in the same apps and sorts and
    ticks off the same way.
    """
    _ = gettext
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_(N_("Trip")), trip_title(trip, gettext), _(N_("Departs")), trips.local_stamp(trip.departs_at),
                     _(N_("Leaves from")), trip.departure_place])
    writer.writerow([_(N_("Seat")), _(N_("Booked by")), _(N_("State"))])
    for row in trips.manifest(trip, gettext):
        writer.writerow([row.seat, row.name, _(STATES[row.state])])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
