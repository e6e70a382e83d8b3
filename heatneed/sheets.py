"""Spreadsheet workbooks (.xlsx, .xls, .ods) as text cells, and the Ukrainian forms of headers,
dates and outage statuses every input table accepts (README "Excel and Ukrainian inputs").

``heatneed.inputs.read_table`` calls :func:`workbook_cells` for any workbook, so every input role
(districts, unheated, outages, forecast tables, warming sites, readings, schedules, district queues)
reads Excel the same way: the first visible worksheet, read by calamine (cached values of formulas),
rows numbered as Excel shows them (header = row 1), real number and date cells or text cells alike.
"""

from __future__ import annotations

import datetime as dt
import io
import re

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


def workbook_cells(raw: bytes, name: str, max_rows: int) -> tuple[list[str], pd.DataFrame, np.ndarray]:
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
