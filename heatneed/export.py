"""Priority list exports (DESIGN §5): plain CSV, HXL CSV, Parquet; atomic file writes.

The bytes written by the CLI, the refresh job and the app's download button all come from
``priority_bytes``, so the three are identical for the same inputs and settings.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import pandas as pd

#: HXL hashtag row (research/domain.md §4.3, §6.4): city districts as #adm5, own measures as #x_….
HXL_TAGS = {
    "rank": "#priority",
    "district_code": "#adm5+code",
    "district_name": "#adm5+name",
    "admin1_code": "#adm1+code",
    "risk_score": "#x_risk+score",
    "severity": "#severity",
    "severity_label": "#severity+label",
    "residents_unheated": "#affected+ind",
    "unheated_buildings": "#affected+buildings",
    "outage_status": "#x_outage+status",
    "hours_off_per_day": "#x_outage+hours",
    "min_temp_c": "#x_temp+outdoor+min",
    "min_wind_chill_c": "#x_windchill+min",
    "min_indoor_c": "#x_temp+indoor+min",
    "hours_to_12c": "#x_hours+to12c",
    "hours_to_5c": "#x_hours+to5c",
    "person_hours_below_12c": "#x_personhours+below12c",
    "p_indoor_below_12c": "#x_prob+below12c",
    "main_driver": "#x_driver",
    "completeness": "#meta+completeness",
    "forecast_issued_at": "#date+forecast",
    "data_as_of": "#date+reported",
    "risk_low": "#x_risk+score+low",
    "risk_high": "#x_risk+score+high",
    "expected_below_12c_24h": "#x_affected+below12c+h24",
    "expected_below_5c_24h": "#x_affected+below5c+h24",
    "expected_below_12c": "#x_affected+below12c",
    "expected_below_5c": "#x_affected+below5c",
    "cold_harm": "#x_personhours+harm",
    "district_name_uk": "#adm5+name+i_uk",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_for_spreadsheets(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell neutralised; numbers untouched (a negative temperature is not a formula)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out


def priority_bytes(priority: pd.DataFrame, fmt: str = "csv", hxl: bool = False) -> bytes:
    """The priority list as file bytes: ``csv`` (UTF-8, comma, ``\\n``; optional HXL row) or ``parquet``."""
    safe = safe_for_spreadsheets(priority)
    if fmt == "parquet":
        buf = io.BytesIO()
        safe.to_parquet(buf, index=False)
        return buf.getvalue()
    if hxl:
        tags = pd.DataFrame([[HXL_TAGS[c] for c in safe.columns]], columns=safe.columns)
        safe = pd.concat([tags, safe.astype(object)], ignore_index=True)
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")


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
