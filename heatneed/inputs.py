"""Reading and validating the input tables of README: Input files (districts, unheated, outages).

Files come from Excel in a Ukrainian locale: ``;`` separators, decimal commas, a BOM, Cyrillic
names, sometimes legacy cp1251 or UTF-16. ``read_table`` reads them all into text columns;
the pandera schemas below declare what each column must hold. Every problem becomes one line
naming the file, the row as Excel shows it (header = row 1) and the column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .errors import InputError, located, shorten
from .limits import check_bytes, read_input_bytes
from .sheets import (ALIASES, STATUS_ALIASES, canonical_headers, date_problem, iso_from_dmy,
                     is_workbook, normalise_header, workbook_cells)

#: The repository's data folder and the embedded (illustrative) Kyiv scenario.
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
EMBEDDED_SCENARIO = DATA_DIR / "scenarios" / "kyiv-2026-02"

OUTAGE_STATUSES = ("none", "scheduled", "emergency")
#: Cell values accepted as a yes/no (``heating_on``), lower-cased; Excel's TRUE/FALSE included.
BOOLEAN_WORDS = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False,
                 "yes": True, "no": False, "on": True, "off": False, "так": True, "ні": False}
MAX_PROBLEMS_SHOWN = 20


# --------------------------------------------------------------------------- schemas

def _num(*checks, required=True, unique=False) -> dict:
    return {"kind": "number", "required": required, "checks": list(checks), "unique": unique}


def _text(*checks, required=True, unique=False) -> dict:
    return {"kind": "text", "required": required, "checks": list(checks), "unique": unique}


def _time(required=True) -> dict:
    return {"kind": "time", "required": required, "checks": [], "unique": False}


GE0 = pa.Check.ge(0, error="must be ≥ 0")


def _at_most(limit: float, what: str) -> pa.Check:
    """Upper plausibility bound: catches unit slips and runaway Excel cells."""
    return pa.Check.le(limit, error=f"is implausibly large for {what} (more than {limit:,.0f})")


WHOLE = pa.Check(lambda s: (s % 1 == 0) | s.isna(), element_wise=False, error="must be a whole number")
SPEC: dict[str, dict[str, dict]] = {
    "districts": {
        "district_code": _text(unique=True),
        "district_name": _text(),
        "admin1_code": _text(),
        "lat": _num(pa.Check.in_range(-90, 90, error="must be a latitude between -90 and 90")),
        "lon": _num(pa.Check.in_range(-180, 180, error="must be a longitude between -180 and 180")),
        "population": _num(GE0, _at_most(1e9, "a population")),
        "district_name_uk": _text(required=False),
        "buildings_residential": _num(GE0, WHOLE, _at_most(1e7, "a building count"), required=False),
        "tau_hours": _num(pa.Check.gt(0, error="must be > 0 hours"), _at_most(1e4, "a time constant in hours"),
                          required=False),
        "share_65plus": _num(pa.Check.in_range(0, 1, error="must be a share between 0 and 1"), required=False),
        "warming_places": _num(GE0, _at_most(1e8, "warming-place capacity"), required=False),
        # τ band from `heatneed calibrate` (P10–P90 across a district's calibrated flats)
        "tau_low_hours": _num(pa.Check.gt(0, error="must be > 0 hours"), _at_most(1e4, "a time constant in hours"),
                              required=False),
        "tau_high_hours": _num(pa.Check.gt(0, error="must be > 0 hours"), _at_most(1e4, "a time constant in hours"),
                               required=False),
    },
    "unheated": {
        "district_code": _text(),
        "reported_at": _time(),
        "unheated_buildings": _num(GE0, WHOLE, _at_most(1e7, "a building count")),
        "residents": _num(GE0, _at_most(1e9, "a number of residents"), required=False),
        "unheated_since": _time(required=False),
    },
    "outages": {
        "district_code": _text(),
        "status": _text(pa.Check.isin(OUTAGE_STATUSES, error="must be one of none, scheduled, emergency")),
        "hours_off_per_day": _num(pa.Check.in_range(0, 24, error="must be between 0 and 24 hours"),
                                  required=False),
        "reported_at": _time(),
    },
    # Field thermometer readings for `heatneed calibrate` (one row per logger reading)
    "readings": {
        "site_id": _text(),
        "time": _time(),
        "indoor_c": _num(pa.Check.in_range(-50, 45, error="must be an indoor temperature between -50 and 45 °C "
                                                         "(Kelvin or Fahrenheit by mistake?)")),
        "outdoor_c": _num(pa.Check.in_range(-90, 60, error="must be an outdoor temperature between -90 and 60 °C "
                                                          "(Kelvin or Fahrenheit by mistake?)"), required=False),
        "heating_on": _text(pa.Check.isin(list(BOOLEAN_WORDS), error="must be true or false (or 1/0, yes/no, так/ні)"),
                            required=False),
        "district_code": _text(required=False),
    },
    # Outdoor temperature series for `heatneed calibrate --outdoor`
    "outdoor": {
        "time": _time(),
        "outdoor_c": _num(pa.Check.in_range(-90, 60, error="must be an outdoor temperature between -90 and 60 °C "
                                                          "(Kelvin or Fahrenheit by mistake?)")),
        "district_code": _text(required=False),
    },
    # Warming places / Points of Invincibility (heatneed.warming_sites reads and assigns them).
    "warming_sites": {
        "site_id": _text(unique=True),
        "name": _text(),
        "lat": _num(pa.Check.in_range(-90, 90, error="must be a latitude between -90 and 90")),
        "lon": _num(pa.Check.in_range(-180, 180, error="must be a longitude between -180 and 180")),
        "district_code": _text(required=False),
        "capacity_persons": _num(GE0, WHOLE, _at_most(1e5, "the capacity of one site")),
        "hours_open_per_day": _num(pa.Check.in_range(0, 24, error="must be between 0 and 24 hours")),
        "floor_area_m2": _num(pa.Check.gt(0, error="must be > 0 m²"), _at_most(1e6, "a floor area in m²"),
                              required=False),
        "generator_kw": _num(GE0, _at_most(1e4, "a generator rating in kW"), required=False),
        "fuel_litres_on_hand": _num(GE0, _at_most(1e6, "fuel on hand in litres"), required=False),
        "has_heating": _text(pa.Check.isin(("yes", "no", "true", "false", "1", "0", "так", "ні"),
                                           error="must be yes or no"), required=False),
    },
    "district_queues": {  # which outage-schedule queues a district's buildings (or residents) are in
        "district_code": _text(),
        "queue": _text(),
        "share": _num(pa.Check.in_range(0, 1, include_min=False, error="must be a share above 0 and at most 1")),
    },
}
#: Columns that may be empty in a row (others must be filled when the column exists).
NULLABLE = {
    "districts": {"district_name_uk", "buildings_residential", "tau_hours", "share_65plus", "warming_places",
                  "tau_low_hours", "tau_high_hours"},
    "unheated": {"residents", "unheated_since"},
    "outages": {"hours_off_per_day"},
    "readings": {"district_code"},
    "outdoor": {"district_code"},
    "warming_sites": {"district_code", "floor_area_m2", "generator_kw", "fuel_litres_on_hand", "has_heating"},
    "district_queues": set(),
}


def schema(kind: str) -> pa.DataFrameSchema:
    """The pandera schema of an input kind (after text→number/time conversion)."""
    columns = {}
    for name, spec in SPEC[kind].items():
        dtype = {"number": float, "text": str, "time": "datetime64[ns, UTC]"}[spec["kind"]]
        checks = list(spec["checks"])
        if spec["kind"] == "number":
            checks.append(pa.Check(lambda s: np.isfinite(s) | s.isna(), element_wise=False,
                                   error="must be a finite number"))
        columns[name] = pa.Column(dtype, checks=checks, nullable=name in NULLABLE[kind],
                                  unique=spec["unique"], required=spec["required"], coerce=False)
    return pa.DataFrameSchema(columns, strict=False)


# --------------------------------------------------------------------------- raw reading

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_MIXED_SCRIPT = re.compile(r"[A-Za-z][\u0400-\u04FF]|[\u0400-\u04FF][A-Za-z]")


def _decode(raw: bytes, name: str) -> str:
    """Text of a CSV file: UTF-8 (BOM tolerated), UTF-16 with BOM, or cp1251 when clearly Cyrillic."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = raw.decode("cp1251", errors="replace")
    non_ascii = [c for c in text if ord(c) > 127]
    cyrillic = sum(bool(_CYRILLIC.match(c)) for c in non_ascii)
    if non_ascii and cyrillic / len(non_ascii) > 0.9 and "\ufffd" not in text and not _MIXED_SCRIPT.search(text):
        # Legacy Windows-1251 export: nearly all non-ASCII bytes are Cyrillic letters, in whole words.
        # Latin-1 text also decodes to Cyrillic letters, but glued to Latin ones ("Cafй"): refused.
        return text
    raise InputError(located(name, "cannot tell the text encoding; save the file as 'CSV UTF-8'"))


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    return max(counts, key=counts.get) if max(counts.values()) else ","


@dataclass
class RawTable:
    """Text cells of a file plus the Excel row number of each data row.

    Columns carry canonical names (``heatneed.sheets.ALIASES`` resolved); ``headers`` maps each to
    the header as written in the file, so problems name the column the user sees.
    """

    frame: pd.DataFrame
    rows: np.ndarray
    name: str
    decimal_comma: bool
    headers: dict[str, str] = field(default_factory=dict)

    def label(self, column: str | None) -> str | None:
        """``column`` as problem lines name it: the file's header, plus the canonical name if they differ."""
        written = self.headers.get(column, column) if column else column
        return column if not written or normalise_header(written) == column else f"{written} ({column})"

    def relabel(self, problems: list[str]) -> list[str]:
        """Problem lines of this file with canonical column names replaced by the file's headers."""
        out = []
        for line in problems:
            for column in self.headers:
                label = self.label(column)
                if label != column:
                    line = line.replace(f"{self.name}, column {column}:", f"{self.name}, column {label}:", 1)
                    line = re.sub(rf"^({re.escape(self.name)}, row \d+), column {re.escape(column)}:",
                                  lambda m, lab=label: f"{m.group(1)}, column {lab}:", line, count=1)
            out.append(line)
        return out


def read_table(source: str | Path | bytes, name: str | None = None) -> RawTable:
    """Read a CSV (any of the tolerated dialects), Parquet or spreadsheet workbook (.xlsx, .xls,
    .ods: ``heatneed.sheets``) into cells; Ukrainian headers become the canonical column names."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        raw = read_input_bytes(path, name)  # regular files of at most [inputs] max_file_bytes only
        is_parquet = path.suffix.lower() == ".parquet"
    else:
        raw, name = bytes(source), name or "upload"
        check_bytes(raw, name)
        is_parquet = Path(name).suffix.lower() == ".parquet"
    if is_parquet or raw[:4] == b"PAR1":
        try:
            frame = pd.read_parquet(io.BytesIO(raw))
        except Exception as exc:  # pyarrow raises many types for damaged files
            raise InputError(located(name, f"not a readable Parquet file ({type(exc).__name__})")) from None
        frame.columns, headers = canonical_headers(list(frame.columns), name)
        return RawTable(frame, np.arange(len(frame)) + 2, name, decimal_comma=False, headers=headers)
    if is_workbook(raw):
        from .limits import input_limits

        limits = input_limits()
        header, frame, rows = workbook_cells(raw, name, limits.max_table_rows, limits.max_table_columns,
                                             limits.max_table_cells)
        frame.columns, headers = canonical_headers(header, name)
        return _tidied(RawTable(frame, rows, name, decimal_comma=False, headers=headers))
    text = _decode(raw, name)
    if not text.strip():
        raise InputError(located(name, "the file is empty"))
    delimiter = _sniff_delimiter(text.splitlines()[0])
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            skipinitialspace=True, skip_blank_lines=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(located(name, f"not a readable CSV table ({str(exc).splitlines()[0]})")) from None
    header = next(csv.reader(io.StringIO(text.splitlines()[0]), delimiter=delimiter), [])
    columns, headers = canonical_headers(header, name)
    if len(columns) != frame.shape[1]:  # the reader renamed or dropped a header cell: keep its names
        columns, headers = canonical_headers(list(frame.columns), name)
    frame.columns = columns
    return _tidied(RawTable(frame, np.arange(len(frame)) + 2, name, decimal_comma=delimiter != ",",
                            headers=headers))


def _tidied(table: RawTable) -> RawTable:
    """Without an HXL hashtag row under the header and without blank rows (row numbers kept)."""
    frame, rows = table.frame, table.rows
    if len(frame) and all(str(v).strip().startswith("#") or not str(v).strip() for v in frame.iloc[0]):
        frame, rows = frame.iloc[1:], rows[1:]  # an HXL hashtag row under the header
    blank = frame.apply(lambda col: col.str.strip() == "").all(axis=1) if len(frame) else \
        pd.Series(False, index=frame.index)
    frame, rows = frame[~blank.to_numpy()], rows[~blank.to_numpy()]
    return RawTable(frame.reset_index(drop=True), rows, table.name, table.decimal_comma, table.headers)


def _to_number(cells: pd.Series, decimal_comma: bool) -> pd.Series:
    text = cells.astype(str).str.strip().str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    if decimal_comma:
        text = text.str.replace(",", ".", regex=False)
    text = text.mask(text.str.lower().isin(["", "nan", "na", "n/a"]))
    return pd.to_numeric(text, errors="coerce")


#: Dates pandas holds in nanoseconds: 1677-09-21 .. 2262-04-11; outside, a date is refused as unparsed.
TIME_RANGE = (pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC"))


def in_time_range(times: pd.Series) -> pd.Series:
    """``times`` (tz-aware) with dates outside ``TIME_RANGE`` (year 0001, 2262…) set to NaT."""
    if not len(times) or not pd.api.types.is_datetime64_any_dtype(times):
        return times
    ok = (times >= TIME_RANGE[0]) & (times <= TIME_RANGE[1])
    return times.where(ok).dt.as_unit("ns") if not ok.all() else times.dt.as_unit("ns")


def to_times(cells: pd.Series) -> pd.Series:
    """Time cells -> UTC instants (NaT where unreadable): ISO 8601, or day.month.year as Ukrainian
    Excel shows dates (``01.02.2026``, ``01.02.2026 06:00``; ``heatneed.sheets``). A time without
    an offset is UTC; an ambiguous form such as ``01/02/2026`` is never guessed (NaT)."""
    if pd.api.types.is_datetime64_any_dtype(cells):
        return in_time_range(pd.to_datetime(cells, utc=True))
    text = iso_from_dmy(cells.astype(str)).mask(cells.astype(str).str.strip() == "")
    return in_time_range(pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601"))


def snap_whole(values: pd.Series) -> pd.Series:
    """Numbers within ``[inputs] whole_number_tolerance`` (relative) of a whole number set to it:
    Excel stores 12 typed as 12.0, or computed as 11.999999999999998, as a binary double."""
    from .limits import input_limits

    nearest = values.round()
    close = (values - nearest).abs() <= input_limits().whole_number_tolerance * nearest.abs()  # 1e-300 is not 0
    return values.where(~close, nearest)


def _problems_from(exc: pa.errors.SchemaErrors, table: RawTable) -> list[tuple]:
    """(row, column, message) for every failure pandera found."""
    out = []
    for case in exc.failure_cases.itertuples(index=False):
        column = case.column if isinstance(case.column, str) else None
        if case.check == "column_in_dataframe":
            column = str(case.failure_case)
            aliases = ALIASES.get(column, ())
            out.append((None, column, "required column is missing" +
                        (f" (in Ukrainian: '{aliases[0]}')" if aliases else "")))
            continue
        row = None if pd.isna(case.index) else int(table.rows[int(case.index)])
        check = {"field_uniqueness": "duplicate value; each must appear once",
                 "not_nullable": "must not be empty"}.get(str(case.check), str(case.check))
        value = "" if pd.isna(case.failure_case) else f" (got {shorten(repr(case.failure_case))})"
        out.append((row, column, check + value))
    return out


def parse_table(table: RawTable, kind: str) -> tuple[pd.DataFrame, list[str]]:
    """Convert text cells to typed columns and check them; returns (frame, problems)."""
    frame = table.frame.copy()
    problems: list[tuple] = []
    required = [c for c, spec in SPEC[kind].items() if spec["required"]]
    absent = [c for c in required if c not in frame.columns]
    if absent and len(frame):
        for i in range(min(5, len(frame))):  # title rows above the header (merged cells in Excel)
            row_names = {normalise_header(v) for v in frame.iloc[i]}
            if all(c in row_names or set(map(normalise_header, ALIASES.get(c, ()))) & row_names for c in absent):
                problems.append((None, None, f"the column names are in row {int(table.rows[i])}; the header "
                                             "must be the first row (delete the title rows above it)"))
                return frame.assign(_row=table.rows), [located(table.name, m) for _, _, m in problems]
    if not len(frame) and not absent:
        return frame.assign(_row=table.rows), [located(table.name, "has a header but no data rows")]
    for column, spec in SPEC[kind].items():
        if column not in frame.columns:
            continue
        cells = frame[column]
        if spec["kind"] == "text":
            frame[column] = cells.astype(str).str.strip().where(cells.notna(), None)
            if column in ("status", "heating_on", "has_heating"):  # "Scheduled", " EMERGENCY ", TRUE from hand-typed sheets
                frame[column] = frame[column].str.lower()
                if column == "status":  # Ukrainian statuses: аварійне -> emergency, …
                    frame[column] = frame[column].map(lambda v: STATUS_ALIASES.get(" ".join(v.split()), v)
                                                      if isinstance(v, str) else v)
            frame.loc[frame[column] == "", column] = None
            continue
        if spec["kind"] == "number":
            if pd.api.types.is_numeric_dtype(cells):
                values = cells.astype(float)
            else:
                values = _to_number(cells, table.decimal_comma).astype(float)
            if WHOLE in spec["checks"]:
                values = snap_whole(values)
        else:
            values = to_times(cells).dt.as_unit("ns")
        unparsed = values.isna() & cells.notna() & (cells.astype(str).str.strip() != "")
        if spec["kind"] == "number":
            unparsed &= ~cells.astype(str).str.strip().str.lower().isin(["nan", "na", "n/a"])
        for i in np.flatnonzero(unparsed.to_numpy()):
            what = "must be a number" if spec["kind"] == "number" else date_problem(cells.iloc[i])
            problems.append((int(table.rows[i]), column, f"{what} (got {shorten(repr(cells.iloc[i]))})"))
        frame[column] = values
    try:
        schema(kind).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        flagged = {(row, column) for row, column, _ in problems}
        problems += [p for p in _problems_from(exc, table) if (p[0], p[1]) not in flagged]
    problems.sort(key=lambda p: (p[0] or 0, p[1] or ""))
    frame["_row"] = table.rows
    return frame, [located(table.name, message, row, table.label(column)) for row, column, message in problems]


def detect_kind(columns) -> str | None:
    """Which input a table is, from its columns (None if unknown)."""
    columns = set(columns)
    if {"temp_c", "time"} <= columns:
        return "forecast"
    if "capacity_persons" in columns:
        return "warming_sites"
    if "unheated_buildings" in columns:
        return "unheated"
    if "status" in columns and "hours_off_per_day" in columns or "status" in columns and "reported_at" in columns:
        return "outages"
    if {"population", "lat", "lon"} <= columns:
        return "districts"
    return None


# --------------------------------------------------------------------------- per-kind loaders

def _fail(problems: list[str]) -> None:
    if problems:
        raise InputError(problems)


def load_table(source, kind: str, name: str | None = None) -> pd.DataFrame:
    """Read and validate one input file of ``kind``; raises InputError listing every problem."""
    table = read_table(source, name)
    frame, problems = parse_table(table, kind)
    _fail(problems)
    frame.attrs["headers"] = table.headers  # for later problems about this file (``relabelled``)
    return frame


def relabelled(problems: list[str], frame: pd.DataFrame, name: str) -> list[str]:
    """Problem lines about a loaded table with its columns named as in the file (Ukrainian headers)."""
    headers = frame.attrs.get("headers") or {}
    return RawTable(frame, np.zeros(0), name, False, headers).relabel(problems) if headers else problems


def _latest(frame: pd.DataFrame) -> pd.DataFrame:
    """The latest report per district (ties: the later row in the file wins)."""
    ordered = frame.sort_values(["reported_at", "_row"], kind="stable")
    return ordered.groupby("district_code", sort=False).tail(1).set_index("district_code")


def check_outages(frame: pd.DataFrame, name: str) -> list[str]:
    """Status and hours must agree; ``scheduled`` needs its hours (no silent default)."""
    problems = []
    hours = frame["hours_off_per_day"] if "hours_off_per_day" in frame else pd.Series(np.nan, index=frame.index)
    for status, h, row in zip(frame["status"], hours, frame["_row"]):
        if status == "scheduled" and pd.isna(h):
            problems.append(located(name, "status 'scheduled' needs hours_off_per_day", int(row), "hours_off_per_day"))
        if status == "none" and not pd.isna(h) and h > 0:
            problems.append(located(name, f"status 'none' but {h:g} hours off per day", int(row),
                                    "hours_off_per_day"))
    return problems


def unknown_codes(frame: pd.DataFrame, registry: pd.Index, name: str) -> list[str]:
    """Rows whose district_code is not in the district registry (an error, never dropped)."""
    bad = ~frame["district_code"].isin(registry)
    return [located(name, f"district_code {shorten(repr(code))} is not in the districts file", int(row), "district_code")
            for code, row in zip(frame.loc[bad, "district_code"], frame.loc[bad, "_row"])]


def plausibility(frame: pd.DataFrame, kind: str, registry: pd.DataFrame | None, name: str,
                 now=None) -> list[str]:
    """Rules a report must meet beyond its columns' types (README "Trust: input rules and limits").

    - ``reported_at`` and ``unheated_since`` no later than now + ``[inputs] clock_skew_minutes``:
      the latest report wins, so one dated 2200 would win over every later correction;
    - ``unheated_since`` ≤ ``reported_at`` (a date alone, 00:00, counts as the end of that day):
      homes cannot be reported cold before they lost heat;
    - ``residents`` ≤ the district's ``population``, and ``unheated_buildings`` ≤ its
      ``buildings_residential`` where known: more people or buildings than the district has is a typo.
    """
    from .limits import input_limits

    limits = input_limits()
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tzinfo is None else now
    latest = now + pd.Timedelta(minutes=limits.clock_skew_minutes)
    rows = frame["_row"] if "_row" in frame else pd.Series(np.arange(len(frame)) + 2, index=frame.index)
    out: list[tuple[int, str, str]] = []

    def flag(mask, column, message):
        mask = mask.fillna(False).to_numpy(bool)
        for i in np.flatnonzero(mask):
            out.append((int(rows.iloc[i]), column, message(i)))

    for column in ("reported_at", "unheated_since"):
        if column in frame and pd.api.types.is_datetime64_any_dtype(frame[column]):
            flag(frame[column] > latest, column,
                 lambda i, c=column: f"{frame[c].iloc[i]:%Y-%m-%dT%H:%MZ} is in the future (now "
                                     f"{now:%Y-%m-%dT%H:%MZ}, {limits.clock_skew_minutes:g} min clock skew allowed)")
    if kind == "unheated" and {"unheated_since", "reported_at"} <= set(frame.columns) \
            and pd.api.types.is_datetime64_any_dtype(frame["unheated_since"]):
        reported = frame["reported_at"]
        # A date alone (read as 00:00) stands for that whole day: "2026-01-31" covers 03:00 that day.
        day_end = reported + (reported == reported.dt.floor("D")).astype(int) * pd.Timedelta(days=1)
        flag(frame["unheated_since"] > day_end, "unheated_since",
             lambda i: f"{frame['unheated_since'].iloc[i]:%Y-%m-%dT%H:%MZ} is after reported_at "
                       f"{frame['reported_at'].iloc[i]:%Y-%m-%dT%H:%MZ}")
    if kind == "unheated" and registry is not None and "district_code" in frame:
        reg = registry.reindex(frame["district_code"])
        for column, against, what in (("residents", "population", "population"),
                                      ("unheated_buildings", "buildings_residential", "residential buildings")):
            if column in frame and against in reg and pd.api.types.is_numeric_dtype(frame[column]):
                limit = pd.Series(reg[against].to_numpy(float), index=frame.index)
                flag(frame[column] > limit, column,
                     lambda i, c=column, lim=limit, w=what: f"{frame[c].iloc[i]:,.0f} is more than the district's "
                                                          f"{w} ({lim.iloc[i]:,.0f})")
    out.sort(key=lambda p: (p[0], p[1]))
    return [located(name, message, row, column) for row, column, message in out]


def sha256_of(source) -> str:
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else bytes(source)
    return hashlib.sha256(data).hexdigest()


@dataclass
class Inputs:
    """Validated inputs, one row per district (latest report wins) plus the forecast."""

    districts: pd.DataFrame  # index district_code, registry order
    unheated: pd.DataFrame  # index district_code (subset of districts)
    outages: pd.DataFrame  # index district_code (subset of districts)
    forecast: "object"  # xarray.Dataset (district, time, member)
    files: dict[str, str] = field(default_factory=dict)  # role -> file name
    hashes: dict[str, str] = field(default_factory=dict)  # role -> sha256
    sites: pd.DataFrame | None = None  # warming sites (heatneed.warming_sites), when given
    embedded: tuple[str, ...] = ()  # roles from (or edited from) the embedded illustrative scenario
    hourly_power: "object" = None  # schedules.HourlyPower (outage schedule + district queues) or None


def load_districts(source, name=None) -> pd.DataFrame:
    frame = load_table(source, "districts", name)
    name = name or (Path(source).name if isinstance(source, (str, Path)) else "districts")
    _fail(relabelled(check_tau_band(frame, name), frame, name))
    return frame.set_index("district_code", drop=False).rename_axis(None)


def check_tau_band(frame: pd.DataFrame, name: str) -> list[str]:
    """A calibrated band must hold its τ: tau_low_hours ≤ tau_hours ≤ tau_high_hours where given."""
    problems = []
    for low, high in (("tau_low_hours", "tau_hours"), ("tau_hours", "tau_high_hours"), ("tau_low_hours", "tau_high_hours")):
        if low in frame and high in frame:
            bad = frame[low] > frame[high]
            problems += [located(name, f"{low} {a:g} is above {high} {b:g}", int(row), low)
                         for a, b, row in zip(frame.loc[bad, low], frame.loc[bad, high], frame.loc[bad, "_row"])]
    return problems


def load_reports(source, kind: str, districts: pd.DataFrame, name=None) -> pd.DataFrame:
    """Unheated or outage reports checked against the registry; the latest per district."""
    table = read_table(source, name)
    frame, problems = parse_table(table, kind)
    problems += table.relabel(report_problems(frame, kind, districts, table.name))
    _fail(problems)
    return _latest(frame)


def report_problems(frame: pd.DataFrame, kind: str, registry: pd.DataFrame | None, name: str) -> list[str]:
    """Unknown codes, status/hours agreement and plausibility: all at once, whatever else is wrong
    (rows whose own cells are bad are skipped by each rule's ``NaN``/``None`` handling)."""
    problems = []
    if registry is not None and "district_code" in frame:
        problems += unknown_codes(frame.dropna(subset=["district_code"]), registry.index, name)
    if kind == "outages" and {"status", "_row"} <= set(frame.columns):
        problems += check_outages(frame.dropna(subset=["status"]), name)
    problems += plausibility(frame, kind, registry, name)
    return problems
