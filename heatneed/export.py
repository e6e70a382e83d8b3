"""Priority list exports (README: Priority list, Excel out): plain CSV, HXL CSV, Parquet, the XLSX
workbook with its provenance sheet, the "CSV for Excel (Ukrainian)"; their file names; atomic writes.

The bytes written by the CLI, the refresh job and the app's download buttons all come from here
(``priority_bytes``, ``export_bytes``), so they are identical for the same inputs and settings.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import json
import math
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .columns import BY_NAME, HXL_TAGS, PRIORITY  # HXL row, number formats, headers: from the column registry

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Characters that make a CSV field quoted: both list separators Excel uses (``,``; ``;`` in
#: uk-UA and other locales with a decimal comma), the quote and line breaks.
QUOTE_IF = frozenset(',;"\n\r')
#: Characters an XML 1.0 document (an XLSX sheet) cannot hold: C0 controls but tab, LF and CR.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _visible_start(value: str) -> str:
    """``value`` as a spreadsheet may read it: NFKC-normalised (full-width ``＝`` is ``=``), without
    leading invisible characters (zero-width space, BOM, word joiner, other format/control
    characters except tab and CR, which are formula starts themselves) and spaces."""
    text = unicodedata.normalize("NFKC", value)
    i = 0
    while i < len(text) and text[i] not in "\t\r" and (
            unicodedata.category(text[i]) in ("Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Me")):
        i += 1
    return text[i:]


#: Where a spreadsheet that ignores quotes (or uses another list separator) may start a new cell.
CELL_BREAKS = re.compile(r"([,;\n\r\t])")


def _formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) or _visible_start(text).startswith(FORMULA_STARTS)


def neutralise(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection),
    also after Unicode normalisation and leading invisible characters; so does each part after a
    ``,`` ``;`` tab or line break inside the text, where a spreadsheet splitting on its own list
    separator would start a cell (``Podil;=cmd`` becomes ``Podil;'=cmd``)."""
    if not isinstance(value, str) or not value:
        return value
    parts = CELL_BREAKS.split(value)  # text, break, text, break, ...
    for i in range(2, len(parts), 2):
        if parts[i] and _formula_like(parts[i]):
            parts[i] = "'" + parts[i]
    value = "".join(parts)
    return "'" + value if _formula_like(value) else value


def safe_for_spreadsheets(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell neutralised; numbers untouched (a negative temperature is not a formula)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out


def _field(value: str) -> str:
    """One CSV field, quoted (RFC 4180) when it holds a separator, a quote or a line break."""
    if QUOTE_IF.isdisjoint(value):
        return value
    return '"' + value.replace('"', '""') + '"'


def _is_text(column: pd.Series) -> bool:
    return column.dtype == object or pd.api.types.is_string_dtype(column)


def to_csv_bytes(frame: pd.DataFrame, sep: str = ",", decimal: str = ".") -> bytes:
    """``frame`` as UTF-8 CSV (``sep``, ``\n``): numbers exactly as ``DataFrame.to_csv`` writes
    them (with ``decimal``); every text field holding ``,`` ``;`` ``"`` or a line break quoted, so
    Excel splits no cell whatever its list separator."""
    cells = []
    for col in frame.columns:
        column = frame[col]
        if _is_text(column):
            cells.append([_field("" if v is None or (isinstance(v, float) and v != v) or v is pd.NA else str(v))
                          for v in column])
        else:  # pandas' own number formatting; a number never holds ``sep`` (nor ``decimal`` = ``sep``)
            text = column.to_frame().to_csv(index=False, header=False, lineterminator="\n", sep=sep,
                                            decimal=decimal)
            # (a one-column CSV writes an empty cell as "" so that the line is not blank)
            cells.append([("" if t == '""' else t) for t in text.split("\n")[:len(column)]])
    lines = [sep.join(_field(str(c)) for c in frame.columns)]
    lines += [sep.join(row) for row in zip(*cells)] if cells else []
    return ("\n".join(lines) + "\n").encode("utf-8")


def priority_bytes(priority: pd.DataFrame, fmt: str = "csv", hxl: bool = False) -> bytes:
    """The priority list as file bytes: ``csv`` (UTF-8, comma, ``\\n``; optional HXL row) or ``parquet``."""
    safe = safe_for_spreadsheets(priority)
    if fmt == "parquet":
        buf = io.BytesIO()
        safe.to_parquet(buf, index=False)
        return buf.getvalue()
    if hxl:
        tags = pd.DataFrame([[HXL_TAGS.get(c, f"#x_{c}") for c in safe.columns]], columns=safe.columns)
        safe = pd.concat([tags, safe.astype(object)], ignore_index=True)
    return to_csv_bytes(safe)


OUTPUT_SUFFIXES = (".csv", ".parquet", ".xlsx")


def format_for(path: str | Path) -> str:
    """The output format its suffix names: ``csv``, ``parquet`` or ``xlsx``."""
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        from .errors import InputError, located

        raise InputError(located(path, "output must end in .csv, .parquet or .xlsx", column="--out"))
    return suffix[1:]


# --------------------------------------------------------------------------- file names

#: Hex characters of the settings-and-edits digest in export file names (32 bits: two different
#: settings share a name with odds of 1 in 4 billion).
NAME_DIGEST_CHARS = 8
#: Export kinds -> what follows the digest in the file name.
NAME_SUFFIXES = {"csv": ".csv", "hxl": "_hxl.csv", "parquet": ".parquet", "xlsx": ".xlsx", "excel-uk": "_uk.csv"}


def data_stamp(issued_at: str) -> str:
    """The forecast issue time as it appears in file names, ``2026-02-01T0000Z`` (naive = UTC);
    ``unknown-issue-time`` when absent or unreadable (never text from a file in a name)."""
    try:
        issued = pd.Timestamp(issued_at)
        issued = issued.tz_localize("UTC") if issued.tzinfo is None else issued.tz_convert("UTC")
        return issued.strftime("%Y-%m-%dT%H%MZ")
    except (TypeError, ValueError):
        return "unknown-issue-time"


def export_file_name(issued_at: str, digest: str = "", kind: str = "csv") -> str:
    """The one name of every priority-list export (app downloads; the CLI's ``--out '{name}…'``):
    ``heatneed-priority_<issue time>_<digest><suffix>``, e.g.
    ``heatneed-priority_2026-02-01T0000Z_3f9a2c1d.xlsx``. ``digest`` is ``settings_digest`` of the
    run (left out when empty); ``kind`` one of ``NAME_SUFFIXES``."""
    tail = f"_{digest}" if digest else ""
    return f"heatneed-priority_{data_stamp(issued_at)}{tail}{NAME_SUFFIXES[kind]}"


# --------------------------------------------------------------------------- provenance

@dataclass(frozen=True)
class Edit:
    """One value changed in the app's report editor."""

    district_code: str
    column: str
    before: object
    after: object


def edit_log(before: pd.DataFrame, after: pd.DataFrame) -> tuple[Edit, ...]:
    """The cells that differ between two tables indexed by district code (NaN equals NaN), in
    row then column order of ``before``. Read column by column as arrays: a country's registry is
    1,469 rows × 11 columns, compared on every page run that shows an export."""
    after = after.reindex(index=before.index, columns=before.columns)
    differ = np.zeros(before.shape, dtype=bool)
    for j, col in enumerate(before.columns):
        old, new = before[col].to_numpy(dtype=object), after[col].to_numpy(dtype=object)
        gone_old, gone_new = pd.isna(old), pd.isna(new)
        equal = [not (a_gone or b_gone) and bool(a == b) for a, b, a_gone, b_gone in zip(old, new, gone_old, gone_new)]
        differ[:, j] = ~((gone_old & gone_new) | np.array(equal, dtype=bool))
    rows, cols = np.nonzero(differ)  # row-major: row then column order
    return tuple(Edit(str(before.index[i]), str(before.columns[j]), _plain_value(before.iat[i, j]),
                      _plain_value(after.iat[i, j])) for i, j in zip(rows, cols))


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _plain_value(value):
    """A cell as a plain Python value (numpy numbers as int/float, missing as None)."""
    if _missing(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass(frozen=True)
class Provenance:
    """What an exported list stands on: the provenance sheet of the XLSX and the file-name digest."""

    forecast_source: str
    forecast_issued_at: str
    data_as_of: str
    data_state: str  # the data_state label ("real", "embedded: …", "stale")
    embedded: tuple[str, ...]  # input roles from the embedded illustrative scenario
    stale: bool
    stale_after_hours: float | None
    params: dict  # every model setting (``ModelParams`` fields) -> value
    defaults: dict  # the same settings' defaults (``defaults.toml``)
    inputs: dict  # role -> (file name, sha256 or "")
    edits: tuple[Edit, ...] = ()
    version: str = __version__


#: The order of input files in the provenance (whatever order they were given in).
INPUT_ROLES = ("districts", "unheated", "outages", "forecast", "warming_sites", "outage_schedule", "district_queues")


def _settings_dict(params) -> dict:
    """Settings (``ModelParams`` or its dict) as plain values: tuples as lists, as in JSON."""
    values = params if isinstance(params, dict) else dataclasses.asdict(params)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


def provenance_of(result, edits: tuple[Edit, ...] = ()) -> Provenance:
    """The provenance of a list ranked here (``pipeline.RankResult``) with the app's ``edits``."""
    from .config import default_params
    from .pipeline import data_as_of

    state, attrs, inputs = result.data_state, result.forecast.attrs, result.inputs
    given = set(inputs.files) | set(inputs.hashes)
    roles = [r for r in INPUT_ROLES if r in given] + sorted(given - set(INPUT_ROLES))
    return Provenance(str(attrs.get("source") or ""), str(attrs.get("issued_at") or ""), data_as_of(inputs),
                      state.label(), tuple(state.embedded), state.stale, state.stale_after_hours,
                      _settings_dict(result.params), _settings_dict(default_params()),
                      {r: (str(inputs.files.get(r) or ""), str(inputs.hashes.get(r) or "")) for r in roles},
                      tuple(edits))


def provenance_of_published(manifest: dict) -> Provenance:
    """The provenance of a list published by ``refresh`` (its ``manifest.json``)."""
    from .config import default_params

    forecast, state = manifest.get("forecast") or {}, manifest.get("data_state") or {}
    given = manifest.get("inputs") or {}
    inputs = {role: (str(given[role].get("file") or ""), str(given[role].get("sha256") or ""))
              for role in [r for r in INPUT_ROLES if r in given] + sorted(set(given) - set(INPUT_ROLES))}
    return Provenance(str(forecast.get("source") or ""), str(forecast.get("issued_at") or ""),
                      str(manifest.get("data_as_of") or ""), str(state.get("label") or ""),
                      tuple(state.get("embedded") or ()), bool(forecast.get("stale") or state.get("stale")),
                      state.get("stale_after_hours"), _settings_dict(manifest.get("params") or {}),
                      _settings_dict(default_params()), inputs, (), str(manifest.get("heatneed_version") or ""))


def settings_digest(prov: Provenance) -> str:
    """Short hash of the settings, the input files' contents and the edits: the same inputs and
    settings give the same file name, any other setting, file or edit another one."""
    payload = {"params": prov.params, "inputs": {r: sha for r, (_, sha) in sorted(prov.inputs.items())},
               "edits": [dataclasses.astuple(e) for e in prov.edits]}
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:NAME_DIGEST_CHARS]


#: Columns of the provenance sheet.
PROVENANCE_COLUMNS = ("section", "item", "value", "default", "before", "detail")


def provenance_rows(prov: Provenance, completeness: pd.Series | None = None) -> list[tuple]:
    """The provenance sheet's rows (``PROVENANCE_COLUMNS``); ``completeness`` the list's column."""
    rows = [("heatneed", "version", prov.version, None, None, ""),
            ("heatneed", "created_at", prov.forecast_issued_at, None, None,
             "the data time (forecast issue time), not the clock: the same inputs and settings give the same file"),
            ("forecast", "source", prov.forecast_source, None, None, ""),
            ("forecast", "issued_at", prov.forecast_issued_at, None, None, "ISO 8601 UTC"),
            ("data", "data_as_of", prov.data_as_of, None, None, "newest unheated or outage report used"),
            ("data", "data_state", prov.data_state, None, None, "as in the list's data_state column"),
            ("data", "illustrative", "yes" if prov.embedded else "no", None, None,
             ("from the embedded illustrative scenario: " + ", ".join(prov.embedded)) if prov.embedded else ""),
            ("data", "stale", "yes" if prov.stale else "no", None, None,
             "forecast older than stale_after_hours, of unknown age, or a snapshot standing in for a failed source"),
            ("data", "stale_after_hours", prov.stale_after_hours, None, None, "[h]")]
    if completeness is not None:
        complete = int((completeness == "complete").sum())
        rows.append(("data", "completeness", f"{complete} of {len(completeness)} districts complete", None, None,
                     "the list's completeness column names what each other district lacks"))
    for role, (name, sha) in prov.inputs.items():
        rows.append(("input", role, name, None, None, f"sha256 {sha}" if sha else "no file (fetched live)"))
    for key, value in prov.params.items():
        default = prov.defaults.get(key)
        rows.append(("setting", key, _setting_cell(value), _setting_cell(default), None,
                     "changed" if value != default else ""))
    for edit in prov.edits:
        rows.append(("edit", f"{edit.district_code} {edit.column}", edit.after, None, edit.before,
                     "edited in the app"))
    return rows


def _setting_cell(value):
    """A setting as one cell: numbers stay numbers, lists are joined with `` | ``."""
    if isinstance(value, (list, tuple)):
        return " | ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    return value


# --------------------------------------------------------------------------- XLSX

#: Sheet names (English, stable for scripts whatever the app's language).
PRIORITY_SHEET, PROVENANCE_SHEET = "priority", "provenance"
#: Column widths [characters] of the sheets: at least the header, at most this, for readable wrapping.
MAX_COLUMN_WIDTH = 60
#: Excel number format of each registry column (from its rounding); whole numbers with thousands
#: separators where the app shows them so (Excel writes them in the reader's locale).
NUMBER_FORMATS = {c.name: ("0." + "0" * c.decimals if c.decimals else "0") if c.dtype == "float64"
                  else "#,##0" if c.display == "localized" else "0"
                  for c in PRIORITY if c.dtype != "str"}


def _xlsx_cell(value):
    """A cell value for openpyxl: missing -> empty, numpy -> Python, text without the control
    characters XML cannot hold (shown as U+FFFD)."""
    if _missing(value):
        return None
    if isinstance(value, str):
        return ILLEGAL_XML.sub("\ufffd", value)
    return value.item() if hasattr(value, "item") else value


def _fill_sheet(ws, header, rows, formats: dict[int, str]) -> None:
    """Header row (bold, frozen, autofilter), rows, number formats by column index, widths."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.append(list(header))
    for row in rows:
        ws.append([_xlsx_cell(v) for v in row])
    bold = Font(bold=True)
    widths = [len(str(h)) for h in header]
    for col_idx, column in enumerate(ws.iter_cols(), start=1):
        column[0].font = bold
        fmt = formats.get(col_idx)
        for cell in column[1:]:
            if cell.data_type == "f":  # text is never a formula (neutralised before; belt and braces)
                cell.data_type = "s"
            if fmt and isinstance(cell.value, (int, float)):
                cell.number_format = fmt
            widths[col_idx - 1] = max(widths[col_idx - 1], len(str(cell.value)) if cell.value is not None else 0)
    for col_idx, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col_idx)].width = min(width + 2, MAX_COLUMN_WIDTH)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def _workbook_time(issued_at: str) -> datetime.datetime:
    """The workbook's created/modified time and its zip entries' time: the forecast issue time
    (naive UTC), 1980-01-01 (the zip format's first day) when unknown."""
    try:
        ts = pd.Timestamp(issued_at)
        if pd.isna(ts):  # "" and None give NaT without raising
            return datetime.datetime(1980, 1, 1)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        ts = max(ts.tz_localize(None).to_pydatetime().replace(microsecond=0), datetime.datetime(1980, 1, 1))
        return ts
    except (TypeError, ValueError):
        return datetime.datetime(1980, 1, 1)


def xlsx_bytes(priority: pd.DataFrame, prov: Provenance) -> bytes:
    """The priority list as an Excel workbook: sheet ``priority`` (the list's columns and English
    names, numbers as numbers with the registry's rounding as number format, times as ISO 8601 UTC
    text as in the CSV) and sheet ``provenance`` (``provenance_rows``). The same list and
    provenance give the same bytes: fixed document and zip times from the data time."""
    import zipfile

    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    safe = safe_for_spreadsheets(priority)
    when = _workbook_time(prov.forecast_issued_at)
    wb = Workbook()
    wb.properties.creator = f"heatneed {prov.version}"
    wb.properties.created = wb.properties.modified = when
    ws = wb.active
    ws.title = PRIORITY_SHEET
    formats = {i: NUMBER_FORMATS[c] for i, c in enumerate(safe.columns, start=1) if c in NUMBER_FORMATS}
    _fill_sheet(ws, safe.columns, safe.itertuples(index=False, name=None), formats)
    completeness = priority["completeness"] if "completeness" in priority else None
    rows = [tuple(neutralise(v) for v in row) for row in provenance_rows(prov, completeness)]
    _fill_sheet(wb.create_sheet(PROVENANCE_SHEET), PROVENANCE_COLUMNS, rows, {})
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # not Workbook.save, which stamps the clock time
    out = io.BytesIO()  # the same entries again, each dated by the data time (zipfile uses the clock)
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------- CSV for Excel (Ukrainian)

def excel_uk_frame(priority: pd.DataFrame) -> pd.DataFrame:
    """The list with Ukrainian headers (column registry labels through ``heatneed.i18n``) and
    Ukrainian severity labels, outage states, main drivers, completeness notes and data states;
    numbers unchanged."""
    from . import i18n

    lang = "uk"
    out = priority.copy()
    translate = {"severity_label": lambda v: i18n.severity_label(v, lang),
                 "outage_status": lambda v: i18n.outage_status(v, lang),
                 "main_driver": lambda v: i18n.driver(v, lang),
                 "completeness": lambda v: i18n.completeness(v, lang),
                 "data_state": lambda v: data_state_text(v, lang)}
    for col, fn in translate.items():
        if col in out:
            out[col] = out[col].map(lambda v, fn=fn: fn(v) if isinstance(v, str) and v else v)
    return out.rename(columns={c: i18n.text(BY_NAME[c].export_label, lang) for c in out.columns if c in BY_NAME})


def data_state_text(label: str, lang: str) -> str:
    """A ``data_state`` cell (``real``; ``embedded: roles``; ``stale``) in ``lang``."""
    from . import i18n

    parts = []
    for part in label.split("; "):
        if part == "real":
            parts.append(i18n.text("xl_state_real", lang))
        elif part == "stale":
            parts.append(i18n.text("xl_state_stale", lang))
        elif part.startswith("embedded: "):
            roles = ", ".join(i18n.role(r, lang) for r in part[len("embedded: "):].split(", "))
            parts.append(i18n.text("xl_state_embedded", lang, roles=roles))
        else:
            parts.append(part)
    return "; ".join(parts)


def excel_uk_bytes(priority: pd.DataFrame) -> bytes:
    """"CSV for Excel (Ukrainian)": UTF-8 with BOM, ``;`` separator, decimal comma, Ukrainian
    headers and labels (``excel_uk_frame``); the same numbers as the plain CSV, no thousands
    separators (Excel in uk-UA reads ``27601`` and ``-28,2`` as numbers)."""
    frame = safe_for_spreadsheets(excel_uk_frame(priority))
    return b"\xef\xbb\xbf" + to_csv_bytes(frame, sep=";", decimal=",")


# --------------------------------------------------------------------------- one entry for every caller

def export_bytes(result, kind: str = "csv", edits: tuple[Edit, ...] = ()) -> bytes:
    """The bytes of one export of a ranked list (``pipeline.RankResult``), the same for ``rank --out``
    and the app: ``kind`` ``csv``, ``hxl``, ``parquet``, ``xlsx`` (with the provenance of ``result``
    and the app's ``edits``) or ``excel-uk``."""
    if kind == "xlsx":
        return xlsx_bytes(result.priority, provenance_of(result, edits))
    if kind == "excel-uk":
        return excel_uk_bytes(result.priority)
    return priority_bytes(result.priority, "parquet" if kind == "parquet" else "csv", hxl=kind == "hxl")


def output_path(out: str | Path, result, kind: str) -> Path:
    """``out`` with ``{name}`` replaced by the download name without its extension
    (``export_file_name``; ``_hxl``/``_uk`` kept), so that the command line names files as the app does."""
    text = str(out)
    if "{name}" in text:
        prov = provenance_of(result)
        name = export_file_name(prov.forecast_issued_at, settings_digest(prov), kind)
        text = text.replace("{name}", name[: -len(Path(name).suffix)])
    return Path(text)


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` so that ``path`` is either the old file or the whole new one, never partial.

    Temporary file in the same folder, fsync, ``os.replace`` (atomic on POSIX), fsync of the folder.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; an exported list is an ordinary file
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
