"""The spreadsheets offices send upward: Chinese headers, real dates, formulas, a sheet per level.

The XLSX holds the station × day sheet (rows by region code, one per station
and day, levels carried forward), then a sheet per level (province, city,
county, station) whose numbers are SUMIFS formulas over the day sheet, and the
county register (返乡/返岗台账). Totals are formulas: flows are summed, levels
(packs in stock) take the period's last day, never a sum over days. The CSV is
the day sheet with its totals as numbers.

Every text cell is neutralised against formula injection: a station name
from a kiosk that starts with = + - @, a tab or a carriage return is written
as text (CSV: behind a ', XLSX: a string cell with Excel's quote prefix).
"""

import csv
import io
import re
import urllib.parse

from kiosk import metrics
from kiosk.central import reports
from kiosk.errors import DomainError
from kiosk.errors import N_

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
# A station × day sheet beyond this is no longer a spreadsheet anyone opens (and takes minutes to write).
MAX_ROWS = 100_000

PROVINCE = N_("Province")
CITY = N_("Prefecture-level city")
COUNTY = N_("County (district)")
REGION_CODE = N_("Region code")
STATION_CODE = N_("Station code")
STATION_NAME = N_("Station")
DAY = N_("Date")
TOTAL = N_("Total")
STATIONS = N_("Stations")
REGISTER = N_("Return and departure register")
CITY_NOT_GIVEN = N_("City not given")
BY_CITY = N_("Of which, by city")
LEVEL_NOTE = N_("Stock levels are the value on the last day of the period; they are never added up over days.")

# The day sheet's fixed columns, then one per measure.
FIXED = (PROVINCE, CITY, COUNTY, REGION_CODE, STATION_CODE, STATION_NAME, DAY)
DATE_COLUMN = FIXED.index(DAY) + 1
CODE_COLUMN = FIXED.index(REGION_CODE) + 1
STATION_COLUMN = FIXED.index(STATION_CODE) + 1
FIRST_ROW = 3  # a title row, then the header


def safe_text(value):
    """A text cell that a spreadsheet will not run: a leading = + - @ tab or CR gets a ' in front."""
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


def content_disposition(name):
    """An attachment header that carries any file name: ASCII fallback plus RFC 5987 UTF-8."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "nuantu"
    quoted = urllib.parse.quote(name, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quoted}"


def check_size(report):
    """Refuse a day sheet of more than MAX_ROWS rows, saying how to ask for less."""
    rows = len(report.stations) * len(report.days)
    if rows > MAX_ROWS:
        raise DomainError(
            N_("That spreadsheet would have %(rows)s rows (at most %(max)s): choose fewer days or a smaller region."),
            rows=rows, max=MAX_ROWS,
        )


def day_rows(report):
    """The day sheet's rows: (fixed values, {measure: value}) per station and day, in region-code order."""
    for station in report.stations:
        names = [reports.region_name(station.region(level)) for level in ("province", "city", "county")]
        for day in report.days:
            fixed = [*names, station.county_code, station.code, station.name, day]
            yield fixed, {m.key: report.value(station.code, day, m) for m in report.measures}


def headers(report, translate):
    return [translate(h) for h in FIXED] + [m.header() for m in report.measures]


def to_csv(report, translate):
    """The day sheet as CSV bytes, UTF-8 with a BOM so Excel shows the Chinese; totals as numbers."""
    check_size(report)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers(report, translate))
    for fixed, values in day_rows(report):
        fixed[-1] = fixed[-1].isoformat()
        writer.writerow([safe_text(v) for v in fixed] + [values[m.key] for m in report.measures])
    totals = report.totals
    writer.writerow([translate(TOTAL)] + [""] * (len(FIXED) - 1) + [totals[m.key] for m in report.measures])
    if any(m.kind == metrics.LEVEL for m in report.measures):
        writer.writerow([translate(LEVEL_NOTE)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(report, register, translate, title):
    """The workbook: day sheet, province/city/county/station sheets, the county register."""
    check_size(report)
    from openpyxl import Workbook

    book = Workbook()
    day_sheet = book.active
    day_sheet.title = translate(N_("Daily report"))
    last = _write_day_sheet(day_sheet, report, translate, title)
    for level, name in (("province", N_("Summary by province")), ("city", N_("Summary by city")),
                        ("county", N_("Summary by county"))):
        _write_level_sheet(book.create_sheet(translate(name)), report, translate, title, level, day_sheet.title, last)
    _write_station_sheet(book.create_sheet(translate(N_("Summary by station"))), report, translate, title, day_sheet.title, last)
    _write_register(book.create_sheet(translate(REGISTER)), register, translate, title)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _put(sheet, row, column, value):
    """Write one cell; text that looks like a formula stays text."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def _head(sheet, title, heading):
    from openpyxl.styles import Alignment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    _put(sheet, 1, 1, title).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, len(heading)))
    for column, text in enumerate(heading, start=1):
        cell = _put(sheet, 2, column, text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(column)].width = max(10, min(22, 2 * len(text) + 2))
    sheet.row_dimensions[2].height = 34


def _write_day_sheet(sheet, report, translate, title):
    """Write the station × day rows and their total formulas; return the last data row."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    _head(sheet, title, headers(report, translate))
    row = FIRST_ROW - 1
    for row, (fixed, values) in enumerate(day_rows(report), start=FIRST_ROW):
        for column, value in enumerate(fixed, start=1):
            _put(sheet, row, column, _code_number(value) if column == CODE_COLUMN else value)
        sheet.cell(row=row, column=DATE_COLUMN).number_format = "yyyy-mm-dd"
        for offset, measure in enumerate(report.measures):
            sheet.cell(row=row, column=len(FIXED) + 1 + offset, value=values[measure.key])
    last = row
    total_row = last + 1
    _put(sheet, total_row, 1, translate(TOTAL)).font = Font(bold=True)
    dates = _range(DATE_COLUMN, last)
    for offset, measure in enumerate(report.measures):
        column = len(FIXED) + 1 + offset
        cells = _range(column, last)
        if last < FIRST_ROW:
            formula = 0
        elif measure.kind == metrics.LEVEL:
            formula = f"=SUMIFS({cells},{dates},{_date(report.end)})"
        else:
            formula = f"=SUM({cells})"
        sheet.cell(row=total_row, column=column, value=formula).font = Font(bold=True)
    if any(m.kind == metrics.LEVEL for m in report.measures):
        _put(sheet, total_row + 1, 1, translate(LEVEL_NOTE))
    sheet.freeze_panes = f"{get_column_letter(len(FIXED) + 1)}{FIRST_ROW}"
    sheet.column_dimensions[get_column_letter(DATE_COLUMN)].width = 12
    return last


def _range(column, last, sheet=None):
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(column)
    prefix = f"'{sheet}'!" if sheet else ""
    return f"{prefix}${letter}${FIRST_ROW}:${letter}${max(last, FIRST_ROW)}"


def _code_number(code):
    """A six-digit region code as a number (GB/T 2260 codes never start with 0), so ranges select regions."""
    return int(code) if isinstance(code, str) and code.isdigit() else code


def regions_code(code):
    """A destination given as 2 or 4 digits, padded to six."""
    return code.ljust(6, "0") if code.isdigit() else code


def _date(day):
    return f"DATE({day.year},{day.month},{day.day})"


def _measure_formula(report, measure, offset, day_sheet, last, criteria):
    """SUMIFS over the day sheet's column of a measure; a level only on the period's last day."""
    cells = _range(len(FIXED) + 1 + offset, last, day_sheet)
    if measure.kind == metrics.LEVEL:
        criteria = criteria + [(_range(DATE_COLUMN, last, day_sheet), _date(report.end))]
    pairs = ",".join(f"{where},{what}" for where, what in criteria)
    return f"=SUMIFS({cells},{pairs})"


def _write_level_sheet(sheet, report, translate, title, level, day_sheet, last):
    """One row per province, city or county, its numbers as formulas over the day sheet."""
    heading = [translate(REGION_CODE), translate(reports.LEVEL_NAMES[level]), translate(STATIONS)]
    _head(sheet, title, heading + [m.header() for m in report.measures])
    digits = {"province": 2, "city": 4, "county": 6}[level]
    codes = _range(CODE_COLUMN, last, day_sheet)
    for row, (code, name, _values, stations) in enumerate(report.by_region(level), start=FIRST_ROW):
        _put(sheet, row, 1, _code_number(code))
        _put(sheet, row, 2, name)
        sheet.cell(row=row, column=3, value=stations)
        # Region codes are numbers in the sheets, so a city is a range of county codes.
        low = int(code[:digits].ljust(6, "0"))
        high = int(str(int(code[:digits]) + 1).ljust(6, "0"))
        criteria = [(codes, f'">={low}"'), (codes, f'"<{high}"')]
        for offset, measure in enumerate(report.measures):
            sheet.cell(row=row, column=4 + offset, value=_measure_formula(report, measure, offset, day_sheet, last, criteria))
    sheet.freeze_panes = f"D{FIRST_ROW}"


def _write_station_sheet(sheet, report, translate, title, day_sheet, last):
    """One row per station: its period numbers as formulas over the day sheet."""
    heading = [translate(REGION_CODE), translate(COUNTY), translate(STATION_CODE), translate(STATION_NAME)]
    _head(sheet, title, heading + [m.header() for m in report.measures])
    stations = _range(STATION_COLUMN, last, day_sheet)
    for row, station in enumerate(report.stations, start=FIRST_ROW):
        for column, value in enumerate(
            (_code_number(station.county_code), reports.region_name(station.county_code), station.code, station.name), start=1
        ):
            _put(sheet, row, column, value)
        criteria = [(stations, f"$C{row}")]
        for offset, measure in enumerate(report.measures):
            sheet.cell(row=row, column=5 + offset, value=_measure_formula(report, measure, offset, day_sheet, last, criteria))
    sheet.freeze_panes = f"E{FIRST_ROW}"


REGISTER_COLUMNS = (
    ("home", "registrations.home"),
    ("work", "registrations.work"),
    ("children", "registrations.children"),
    ("elderly", "registrations.elderly"),
)


def _write_register(sheet, register, translate, title):
    """The county register: people by home county, then leaving for work by destination."""
    from openpyxl.styles import Font

    intention_codes = list(register.intentions)
    heading = [translate(REGION_CODE), translate(N_("Home county"))]
    heading += [metrics.get(key).header() for _, key in REGISTER_COLUMNS]
    heading += [f"{metrics.get('registrations.intention').label()}：{metrics.intention_label(c)}" for c in intention_codes]
    _head(sheet, title + " · " + translate(REGISTER), heading)
    row = FIRST_ROW - 1
    for row, county in enumerate(register.counties, start=FIRST_ROW):
        values = [_code_number(county.code), county.name] + [getattr(county, attr) for attr, _ in REGISTER_COLUMNS]
        values += [county.intentions.get(c, 0) for c in intention_codes]
        for column, value in enumerate(values, start=1):
            _put(sheet, row, column, value)
    last = row
    total_row = last + 1
    _put(sheet, total_row, 1, translate(TOTAL)).font = Font(bold=True)
    for column in range(3, len(heading) + 1):
        formula = f"=SUM({_range(column, last)})" if last >= FIRST_ROW else 0
        sheet.cell(row=total_row, column=column, value=formula).font = Font(bold=True)
    row = total_row + 2
    _put(sheet, row, 1, translate(REGION_CODE)).font = Font(bold=True)
    _put(sheet, row, 2, translate(N_("Destination"))).font = Font(bold=True)
    _put(sheet, row, 3, metrics.get("registrations.work").header()).font = Font(bold=True)
    _put(sheet, row, 4, translate(BY_CITY)).font = Font(bold=True)
    # A province's people in column C (a SUM of C adds up every departure once), the cities
    # workers named in it below, their numbers in column D.
    for line in register.destinations:
        row += 1
        _put(sheet, row, 1, _code_number(regions_code(line.code)) if line.code.isdigit() else None)  # 未定 has no code
        _put(sheet, row, 2, line.name)
        sheet.cell(row=row, column=3, value=line.people)
        cities = list(line.cities) + ([("", translate(CITY_NOT_GIVEN), line.city_not_given)]
                                      if line.cities and line.city_not_given else [])
        for code, name, people in cities:
            row += 1
            if code:
                _put(sheet, row, 1, _code_number(code))
            _put(sheet, row, 2, f"{line.name} › {name}")
            sheet.cell(row=row, column=4, value=people)
    sheet.freeze_panes = f"C{FIRST_ROW}"


def title(report, translate, scope_name=""):
    """The spreadsheet's title line: what, where and which days."""
    text = translate(N_("Nuantu service points, %(start)s to %(end)s")) % {
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
    }
    return f"{scope_name} · {text}" if scope_name else text
