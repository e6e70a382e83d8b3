"""Spreadsheet workbooks (.xlsx, .xls, .ods) as text cells, and the Ukrainian forms of headers,
dates and outage statuses every input table accepts (README "Excel and Ukrainian inputs").

``heatneed.inputs.read_table`` calls :func:`workbook_cells` for any workbook, so every input role
(districts, unheated, outages, forecast tables, warming sites, readings, schedules, district queues)
reads Excel the same way: the first visible worksheet, read by calamine (cached values of formulas),
rows numbered as Excel shows them (header = row 1), real number and date cells or text cells alike.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile

import numpy as np
import pandas as pd

from .errors import InputError, located

#: First bytes of a workbook: XLSX/ODS (a zip) and legacy XLS (an OLE2 compound file).
WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")

# --------------------------------------------------------------------------- header aliases

#: The one registry of column-name aliases: canonical column -> its Ukrainian headers (the first
#: is the one the Ukrainian templates use). Matching ignores case, repeated spaces and the
#: apostrophe variant; an alias never names two columns (tested).
ALIASES: dict[str, tuple[str, ...]] = {
    # districts
    "district_code": ("код району", "код громади", "код катоттг"),
    "district_name": ("назва району", "назва громади"),
    "district_name_uk": ("назва району українською", "назва громади українською"),
    "admin1_code": ("код області",),
    "lat": ("широта",),
    "lon": ("довгота",),
    "population": ("населення", "кількість населення"),
    "buildings_residential": ("кількість житлових будинків", "житлові будинки"),
    "tau_hours": ("стала охолодження, год", "тау, год"),
    "share_65plus": ("частка населення 65+", "частка 65+"),
    "warming_places": ("місця в пунктах обігріву",),
    "tau_low_hours": ("стала охолодження нижня, год", "тау нижня, год"),
    "tau_high_hours": ("стала охолодження верхня, год", "тау верхня, год"),
    # unheated
    "reported_at": ("дата звіту", "час звіту"),
    "unheated_buildings": ("кількість неопалюваних будинків", "неопалювані будинки"),
    "residents": ("кількість мешканців", "мешканці"),
    "unheated_since": ("без опалення з", "неопалювані з"),
    # outages
    "status": ("статус відключення", "статус"),
    "hours_off_per_day": ("годин без світла на добу", "годин відключення на добу"),
    # readings, outdoor series
    "site_id": ("код пункту", "код об'єкта"),
    "time": ("час", "дата і час"),
    "indoor_c": ("температура в приміщенні, °C", "температура в приміщенні"),
    "outdoor_c": ("температура надворі, °C", "температура надворі"),
    "heating_on": ("опалення увімкнено",),
    # warming sites
    "name": ("назва пункту", "назва"),
    "capacity_persons": ("місткість, осіб", "місткість"),
    "hours_open_per_day": ("годин роботи на добу",),
    "floor_area_m2": ("площа, м²", "площа"),
    "generator_kw": ("генератор, кВт", "потужність генератора, кВт"),
    "fuel_litres_on_hand": ("пальне в наявності, л", "запас пального, л"),
    "has_heating": ("є опалення",),
    # district queues, outage schedules
    "queue": ("черга",),
    "share": ("частка",),
    "start": ("початок",),
    "end": ("кінець",),
    "kind": ("вид",),
    # forecast tables
    "temp_c": ("температура повітря, °C", "температура повітря"),
    "wind_kmh": ("вітер, км/год", "швидкість вітру, км/год"),
    "member": ("член ансамблю",),
    "issued_at": ("час випуску прогнозу",),
}

#: Ukrainian outage statuses -> the canonical ones (lower case; README "Excel and Ukrainian inputs").
STATUS_ALIASES = {
    "немає": "none", "відсутнє": "none", "без відключень": "none",
    "за графіком": "scheduled", "планове": "scheduled", "графік": "scheduled",
    "аварійне": "emergency", "екстрене": "emergency",
}


def normalise_header(text) -> str:
    """A header as compared: lower case, one space between words, one apostrophe (’ ʼ ` -> ')."""
    text = "" if text is None else str(text)
    text = re.sub(r"[\u2019\u02bc`\u2018]", "'", text.lstrip("\ufeff"))
    return " ".join(text.split()).casefold()


_CANONICAL = {normalise_header(alias): column for column, aliases in ALIASES.items() for alias in aliases}
_CANONICAL.update({column: column for column in ALIASES})


def canonical_headers(headers: list, name: str) -> tuple[list[str], dict[str, str]]:
    """(canonical column names, canonical -> header as written in the file) for a header row.

    Unknown headers are kept (normalised). Two headers meaning the same column (``district_code``
    and ``код району``, or the same name twice) are an error naming both.
    """
    out, written, problems = [], {}, []
    for header in headers:
        original = "" if header is None else str(header).strip().lstrip("\ufeff")
        key = normalise_header(original)
        column = _CANONICAL.get(key, key)
        if column and column in written:
            first = written[column]
            if normalise_header(first) == key:
                problems.append(located(name, "the column name appears more than once; keep one", 1, key))
            else:
                problems.append(located(name, f"'{first}' and '{original}' both mean {column}; keep one", 1, original))
        elif column:
            written[column] = original
        out.append(column)
    if problems:
        raise InputError(problems)
    return out, written


# --------------------------------------------------------------------------- dates

#: Day.month.year as Ukrainian Excel shows dates: 01.02.2026, 1.2.2026 06:00, 01.02.2026 6:00:00.
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?$")
#: Forms refused as ambiguous: 01/02/2026 (1 February or 2 January?), 01-02-2026, 01.02.26.
_AMBIGUOUS = re.compile(r"^\d{1,2}([/.\-])\d{1,2}\1\d{2,4}(?:[ T].*)?$")
ACCEPTED_DATES = ("an ISO 8601 date or date-time (2026-02-01, 2026-02-01T06:00Z) or day.month.year "
                  "(01.02.2026, 01.02.2026 06:00)")


def iso_from_dmy(text: pd.Series) -> pd.Series:
    """``text`` with every day.month.year date rewritten as ISO 8601 (no offset added); others unchanged."""
    text = text.astype(str).str.strip()
    parts = text.str.extract(_DMY)
    hit = parts[0].notna()
    if not hit.any():
        return text
    p = parts[hit].fillna({3: "0", 4: "00", 5: "00", 6: "0"})
    iso = (p[2] + "-" + p[1].str.zfill(2) + "-" + p[0].str.zfill(2) + "T" + p[3].str.zfill(2) + ":" + p[4]
           + ":" + p[5] + "." + p[6].str.ljust(6, "0"))
    return text.mask(hit, iso)


def date_problem(cell) -> str:
    """Why a time cell was not read: ambiguous forms are named as such."""
    text = str(cell).strip()
    if _AMBIGUOUS.match(text) and not _DMY.match(text):
        return f"is ambiguous or has a two-digit year; write {ACCEPTED_DATES}"
    return f"must be {ACCEPTED_DATES}"


# --------------------------------------------------------------------------- workbooks


def is_workbook(raw: bytes) -> bool:
    return raw.startswith(WORKBOOK_MAGIC)


def cell_text(value) -> str:
    """One workbook cell as the text a CSV would hold: numbers without a spurious ``.0`` (a queue
    typed as 3), shortest round-trip floats (no digits lost), dates and times in ISO 8601."""
    kind = type(value)
    if kind is str:
        return value
    if kind is float:
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep="T")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


_XLSX_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_XLSX_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"')
_ATTRIBUTE = re.compile(rb'\b(r|t)="([^"]*)"')
_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})$")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d{1,9})"')
#: Bytes of worksheet XML read per cell the limits allow, at most (a cell takes 20–100 bytes): a
#: zip bomb of empty rows is refused instead of being read for hours.
_BYTES_PER_CELL = 128
#: Bytes of an .xlsx worksheet's XML read at a time, and the most one row may take.
_CHUNK, _MAX_ROW_BYTES = 1 << 22, 1 << 26


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _sheet_member(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member of the .xlsx worksheet named ``sheet`` (workbook.xml and its relationships)."""
    try:
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return None
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
        found = dict(re.findall(r'([\w:]+)="([^"]*)"', tag))
        if html.unescape(found.get("name", "")) == sheet:
            rid = next((v for k, v in found.items() if k.endswith(":id")), None)
            for rel in re.findall(r"<Relationship\b[^>]*>", rels):
                attrs = dict(re.findall(r'(\w+)="([^"]*)"', rel))
                if attrs.get("Id") == rid:
                    target = attrs.get("Target", "").lstrip("/")
                    return target if target.startswith("xl/") else "xl/" + target
    return None


def xlsx_sheet_problems(raw: bytes, name: str, sheet: str, max_rows: int, max_columns: int,
                        max_cells: int) -> list[str]:
    """Problems of an .xlsx worksheet found in its XML before any library builds its cells: a used
    range beyond the limits (a 5 KB file with cells at A1 and XFD1048576 would make the reader
    allocate half a terabyte), Excel error cells (``#N/A``, ``#DIV/0!``: read as empty cells
    otherwise) and formulas without a saved value (written by a program, never opened in Excel).
    The XML is read in chunks, row by row; reading stops at the first size problem."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        member = _sheet_member(archive, sheet)
        if member is None or member not in archive.namelist():
            return []
        stream = archive.open(member)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return []  # the workbook reader names a damaged file

    def too_big(rows: int, columns: int) -> str | None:
        if rows > max_rows:
            return f"sheet '{sheet}' has {rows:,} rows; at most {max_rows:,} are read ([inputs] max_table_rows)"
        if columns > max_columns:
            return (f"sheet '{sheet}' uses {columns:,} columns; at most {max_columns:,} are read "
                    "([inputs] max_table_columns)")
        if rows * columns > max_cells:
            return (f"sheet '{sheet}' spans {rows:,} rows × {columns:,} columns; at most {max_cells:,} cells "
                    "are read ([inputs] max_table_cells)")
        return None

    rows = columns = 0
    buffer, read = b"", 0
    with stream:
        while True:
            chunk = stream.read(_CHUNK)
            read += len(chunk)
            if read > _BYTES_PER_CELL * max_cells:
                return [located(name, f"sheet '{sheet}' holds more than {_BYTES_PER_CELL * max_cells:,} bytes of cells; "
                                      f"at most {max_cells:,} cells are read ([inputs] max_table_cells)")]
            buffer += chunk
            if not chunk:
                end = len(buffer)
            else:
                end = buffer.rfind(b"</row>")
                end = -1 if end < 0 else end + len(b"</row>")
                if end < 0:
                    if len(buffer) > _MAX_ROW_BYTES:
                        return [located(name, f"sheet '{sheet}' has a row larger than {_MAX_ROW_BYTES >> 20} MB")]
                    continue
            part, buffer = buffer[:end], buffer[end:]
            for dimension in _XLSX_DIMENSION.findall(part):
                ends = [_REF.match(r) for r in dimension.decode("ascii", "replace").split(":")]
                if ends and all(ends):
                    problem = too_big(max(int(m[2]) for m in ends), max(_column_number(m[1]) for m in ends))
                    if problem:
                        return [located(name, problem)]
            last_row = max((int(r) for r in _ROW_NUMBER.findall(part)), default=0)
            if last_row > max_rows:
                return [located(name, too_big(last_row, max(columns, 1)))]
            for cell in _XLSX_CELL.finditer(part):
                attrs = dict(_ATTRIBUTE.findall(cell[1]))
                ref = _REF.match(attrs.get(b"r", b"").decode("ascii", "replace"))
                if not ref:
                    continue
                row, column = int(ref[2]), _column_number(ref[1])
                if row > rows or column > columns:
                    rows, columns = max(rows, row), max(columns, column)
                    problem = too_big(rows, columns)
                    if problem:
                        return [located(name, problem)]
                body = cell[2] or b""
                value = _VALUE.search(body)
                if attrs.get(b"t") == b"e" and len(problems) < 20:
                    error = value[1].decode("utf-8", "replace") if value else "#VALUE!"
                    problems.append(located(name, f"Excel error {error} in the cell (fix the formula or type the value)",
                                            row, ref[1]))
                elif b"<f" in body and not (value and value[1].strip()) and len(problems) < 20:
                    problems.append(located(name, "a formula without a saved value (open the file in Excel and "
                                                  "save it, or type the value)", row, ref[1]))
            if not chunk:
                return problems


def workbook_cells(raw: bytes, name: str, max_rows: int, max_columns: int | None = None,
                   max_cells: int | None = None) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    """(header cells, body as text cells, Excel row number of each body row) of the first visible
    worksheet; blank rows dropped, fully empty unnamed columns dropped. One InputError line for a
    damaged, empty or oversized workbook."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        visible = [m.name for m in book.sheets_metadata
                   if str(m.visible).endswith("Visible") and str(m.typ).endswith("WorkSheet")]
        if not visible:
            raise InputError(located(name, "the workbook has no visible worksheet"))
        if raw.startswith(b"PK"):  # .xlsx: size, error cells and unsaved formulas from its XML first
            problems = xlsx_sheet_problems(raw, name, visible[0], max_rows, max_columns or 16384,
                                           max_cells or max_rows * 16384)
            if problems:
                raise InputError(problems)
        sheet = book.get_sheet_by_name(visible[0])
        height = sheet.end[0] + 1 if sheet.end else 0  # the last used row, as Excel numbers it
        if height > max_rows:
            raise InputError(located(name, f"sheet '{visible[0]}' has {height:,} rows; at most "
                                           f"{max_rows:,} are read ([inputs] max_table_rows)"))
        cells = sheet.to_python(skip_empty_area=False)
    except InputError:
        raise
    except Exception as exc:  # calamine raises its own types for damaged workbooks
        raise InputError(located(name, f"not a readable Excel workbook (.xlsx, .xls or .ods; {type(exc).__name__}): "
                                       "open it in Excel and save it again as .xlsx")) from None
    width = max((len(r) for r in cells), default=0)
    text = [[cell_text(v) for v in row] + [""] * (width - len(row)) for row in cells]
    if not any(c.strip() for row in text for c in row):
        raise InputError(located(name, f"the first sheet ('{visible[0]}') is empty"))
    header = [c.strip() for c in text[0]]
    body = pd.DataFrame(text[1:], columns=range(width), dtype=str) if len(text) > 1 else \
        pd.DataFrame(columns=range(width), dtype=str)
    keep = [i for i in range(width) if header[i] or body[i].str.strip().ne("").any()]
    body = body[keep]
    rows = np.arange(len(body)) + 2
    blank = (body.apply(lambda col: col.str.strip()) == "").all(axis=1).to_numpy() if len(body) else \
        np.zeros(0, bool)
    return [header[i] for i in keep], body[~blank].reset_index(drop=True), rows[~blank]
