"""Priority list exports (README: Priority list): plain CSV, HXL CSV, Parquet; atomic file writes.

The bytes written by the CLI, the refresh job and the app's download button all come from
``priority_bytes``, so the three are identical for the same inputs and settings.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import unicodedata
from pathlib import Path

import pandas as pd

from .columns import HXL_TAGS  # noqa: F401  (re-exported: the HXL row comes from the column registry)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Characters that make a CSV field quoted: both list separators Excel uses (``,``; ``;`` in
#: uk-UA and other locales with a decimal comma), the quote and line breaks.
QUOTE_IF = frozenset(',;"\n\r')


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


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV (comma, ``\n``): numbers exactly as ``DataFrame.to_csv`` writes
    them; every text field holding ``,`` ``;`` ``"`` or a line break quoted, so Excel splits no cell
    whatever its list separator."""
    cells = []
    for col in frame.columns:
        column = frame[col]
        if _is_text(column):
            cells.append(["" if v is None or (isinstance(v, float) and v != v) or v is pd.NA else str(v)
                          for v in column])
        else:  # pandas' own number formatting; numbers hold no separator, so lines split cleanly
            text = column.to_frame().to_csv(index=False, header=False, lineterminator="\n")
            # (a one-column CSV writes an empty cell as "" so that the line is not blank)
            cells.append([("" if t == '""' else t) for t in text.split("\n")[:len(column)]])
    lines = [",".join(_field(str(c)) for c in frame.columns)]
    lines += [",".join(_field(v) for v in row) for row in zip(*cells)] if cells else []
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


def format_for(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        from .errors import InputError, located

        raise InputError(located(path, "output must end in .csv or .parquet", column="--out"))
    return suffix[1:]


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
