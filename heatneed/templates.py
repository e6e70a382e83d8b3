"""Template files for every input table: CSV and XLSX, English and Ukrainian headers
(``data/templates/``, written by ``tools/make_templates.py``; offered next to each upload in the app).

Each template holds every column of its role (required first) and a few example rows taken from
the embedded Kyiv scenario or the shipped examples, so it validates as it is. The Ukrainian ones
use the first alias of each column (``heatneed.sheets.ALIASES``), Ukrainian outage statuses and
yes/no words, day.month.year dates and, in the CSV, ``;`` and decimal commas, as Excel in a
Ukrainian locale writes them.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from .inputs import DATA_DIR, EMBEDDED_SCENARIO, SPEC
from .sheets import ALIASES, STATUS_ALIASES

TEMPLATES_DIR = DATA_DIR / "templates"
EXAMPLES_DIR = DATA_DIR.parent / "examples"
LANGS = ("en", "uk")
FORMATS = ("csv", "xlsx")
#: Template roles (the app's uploads and the CLI's input flags), in the order the app lists them.
ROLES = ("districts", "unheated", "outages", "forecast", "warming_sites", "outage_schedule", "district_queues",
         "readings", "outdoor")
EXAMPLE_ROWS = 3
#: Fixed time stamp of the XLSX files (document properties and zip entries), so the script's output
#: is byte-identical on every run.
FIXED_TIME = dt.datetime(2026, 1, 1)
_YES_NO = {"true": "так", "false": "ні", "yes": "так", "no": "ні"}
_STATUS_UK = {canonical: next(uk for uk, c in STATUS_ALIASES.items() if c == canonical)
              for canonical in set(STATUS_ALIASES.values())}


def columns(role: str) -> dict[str, bool]:
    """Column -> required, required first, for ``role`` (from the readers' own declarations)."""
    if role == "forecast":
        from .sources.tidy import COLUMNS
        spec = COLUMNS
    elif role == "outage_schedule":
        from .schedules import TABLE_COLUMNS
        spec = TABLE_COLUMNS
    else:
        spec = {c: s["required"] for c, s in SPEC[role].items()}
    return {c: r for c, r in spec.items() if r} | {c: r for c, r in spec.items() if not r}


def kinds(role: str) -> dict[str, str]:
    """Column -> "number", "time" or "text"."""
    if role == "forecast":
        return {"district_code": "text", "time": "time", "temp_c": "number", "wind_kmh": "number",
                "member": "number", "issued_at": "time"}
    if role == "outage_schedule":
        return {"queue": "text", "start": "time", "end": "time", "kind": "text"}
    return {c: s["kind"] for c, s in SPEC[role].items()}


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, nrows=EXAMPLE_ROWS)


def example_rows(role: str) -> pd.DataFrame:
    """A few example rows of ``role`` as text cells (English forms), every column of the template."""
    if role in ("districts", "unheated", "outages", "forecast"):
        frame = _read_csv(EMBEDDED_SCENARIO / f"{role}.csv")
    elif role == "readings":
        frame = _read_csv(EXAMPLES_DIR / "calibrate" / "readings.csv")
    elif role == "outdoor":
        frame = _read_csv(EXAMPLES_DIR / "calibrate" / "readings.csv")[["time", "outdoor_c", "district_code"]]
    elif role == "outage_schedule":
        frame = _read_csv(EXAMPLES_DIR / "outage-schedule.csv")
    elif role == "district_queues":
        frame = _read_csv(EXAMPLES_DIR / "district-queues.csv")
    elif role == "warming_sites":  # one illustrative site at each of the first districts' centroids
        registry = _read_csv(EMBEDDED_SCENARIO / "districts.csv").head(2)
        frame = pd.DataFrame({
            "site_id": ["S1", "S2"], "name": ["Example site 1", "Example site 2"],
            "lat": registry["lat"], "lon": registry["lon"], "district_code": registry["district_code"],
            "capacity_persons": ["120", "60"], "hours_open_per_day": ["24", "12"],
            "floor_area_m2": ["420", "250"], "generator_kw": ["30", ""], "fuel_litres_on_hand": ["500", ""],
            "has_heating": ["yes", "yes"]})
    else:
        raise KeyError(role)
    return frame.reindex(columns=list(columns(role)), fill_value="").fillna("")


#: Roles whose upload also takes other formats than tables: the message id naming them (app).
NOTE = {"forecast": "template_note_forecast", "outage_schedule": "template_note_schedule"}


def column_label(column: str, lang: str) -> str:
    """A column as the app lists it: `district_code`, or `код району` (district_code) in Ukrainian."""
    written = header(column, lang)
    return f"`{column}`" if written == column else f"`{written}` ({column})"


def header(column: str, lang: str) -> str:
    """A column's header in a template of ``lang``."""
    return ALIASES[column][0] if lang == "uk" and column in ALIASES else column


def _time(text: str):
    """Example time text -> naive datetime (UTC, or Kyiv wall time for schedules) or date."""
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    stamp = pd.Timestamp(text)
    return (stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp).to_pydatetime()


def _localised(frame: pd.DataFrame, role: str, lang: str, typed: bool) -> pd.DataFrame:
    """Cells for a template: typed values (XLSX) or text (CSV), Ukrainian forms for ``uk``."""
    out = {}
    for column in columns(role):
        kind = kinds(role)[column]
        cells = frame[column]
        values = []
        for text in cells:
            if text == "":
                values.append(None if typed else "")
            elif kind == "number":
                number = float(text)
                value = int(number) if number.is_integer() and column not in ("lat", "lon") else number
                values.append(value if typed else (str(value).replace(".", ",") if lang == "uk" else text))
            elif kind == "time":
                when = _time(text)
                if typed:
                    values.append(when)
                elif lang == "uk":
                    values.append(when.strftime("%d.%m.%Y %H:%M") if isinstance(when, dt.datetime)
                                  else when.strftime("%d.%m.%Y"))
                else:
                    values.append(text)
            elif lang == "uk" and column == "status":
                values.append(_STATUS_UK.get(text, text))
            elif lang == "uk" and column in ("heating_on", "has_heating"):
                values.append(_YES_NO.get(text, text))
            elif lang == "uk" and column == "name":
                values.append(text.replace("Example site", "Приклад пункту"))
            else:
                values.append(text)
        out[header(column, lang)] = values
    return pd.DataFrame(out)


def template_bytes(role: str, lang: str, fmt: str) -> bytes:
    """The template file of ``role`` in ``lang`` ("en", "uk") and ``fmt`` ("csv", "xlsx")."""
    frame = example_rows(role)
    if fmt == "csv":
        cells = _localised(frame, role, lang, typed=False)
        return cells.to_csv(index=False, sep=";" if lang == "uk" else ",", lineterminator="\r\n").encode("utf-8-sig")
    return _xlsx(_localised(frame, role, lang, typed=True), role, lang)


def _xlsx(cells: pd.DataFrame, role: str, lang: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = role
    sheet.append(list(cells.columns))
    for row in cells.itertuples(index=False):
        sheet.append(list(row))
    date_format = "dd.mm.yyyy" if lang == "uk" else "yyyy-mm-dd"
    for column_cells in sheet.iter_cols(min_row=1):
        width = max(len(str(c.value or "")) for c in column_cells)
        sheet.column_dimensions[column_cells[0].column_letter].width = min(max(width + 2, 10), 45)
        column_cells[0].font = Font(bold=True)
        for cell in column_cells[1:]:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = date_format + " hh:mm"
            elif isinstance(cell.value, dt.date):
                cell.number_format = date_format
    sheet.freeze_panes = "A2"
    book.properties.creator = "heatneed"
    return reproducible_xlsx(book)


def reproducible_xlsx(book) -> bytes:
    """An openpyxl workbook saved with every time stamp set to ``FIXED_TIME``: the same bytes on every run."""
    book.properties.created = book.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time as "modified"
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + FIXED_TIME.strftime(
                    "%Y-%m-%dT%H:%M:%SZ").encode(), content)
            target.writestr(fixed, content)
    return out.getvalue()


def file_name(role: str, lang: str, fmt: str) -> str:
    return f"{role}_{lang}.{fmt}"


@functools.lru_cache(maxsize=64)
def shipped(role: str, lang: str, fmt: str) -> bytes:
    """The shipped template file (``data/templates/``)."""
    return (TEMPLATES_DIR / file_name(role, lang, fmt)).read_bytes()
