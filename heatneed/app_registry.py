"""The district registry in the app: the table to view and edit, and the edited registry as a file.

An edited registry is a districts file like any other (``Upload`` role ``districts``, ``edited``):
it goes through the same reader and validation as ``rank --districts`` (``app_support.load_sources``),
and an export records it as an edit, like the edited reports (``app_support.edited_sources``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .app_support import Upload, _illustrative, changed_rows
from .export import Edit, edit_log, safe_for_spreadsheets
from .inputs import Inputs

#: Registry columns shown in the editor, in order (README: Input files). The optional ones are shown
#: even when the registry lacks them, so that they can be filled in.
COLUMNS = ("district_code", "district_name", "district_name_uk", "admin1_code", "lat", "lon", "population",
           "buildings_residential", "share_65plus", "warming_places", "tau_hours")
OPTIONAL = ("district_name_uk", "buildings_residential", "share_65plus", "warming_places", "tau_hours")
TEXT = ("district_code", "district_name", "district_name_uk", "admin1_code")
#: Columns the editor lets users change (the code identifies the district and the reports).
EDITABLE = [c for c in COLUMNS if c != "district_code"]
FILE_NAME = "districts-edited-in-app.csv"


def editable_registry(inputs: Inputs) -> pd.DataFrame:
    """The registry in use as the editor's table: ``COLUMNS`` (then any other registry column, such
    as a calibrated τ band, kept as is), index district_code in registry order."""
    reg = inputs.districts.drop(columns=["_row"], errors="ignore")
    table = pd.DataFrame(index=reg.index)
    for col in COLUMNS:
        if col in reg:
            table[col] = reg[col]
        else:
            table[col] = None if col in TEXT else np.nan
    for col in reg.columns:
        if col not in table:
            table[col] = reg[col]
    for col in table.columns:
        if col not in TEXT and col in COLUMNS:
            table[col] = table[col].astype(float)
    return table


def changed(base: pd.DataFrame, edited: pd.DataFrame) -> pd.Index:
    """District codes whose registry entries differ between the two tables (NaN equals NaN)."""
    return changed_rows(base, edited, EDITABLE)


def registry_bytes(table: pd.DataFrame, original: pd.DataFrame | None = None, *, download: bool = False) -> bytes:
    """A districts CSV (UTF-8, comma, ``\\n``) that ``rank --districts`` reads, from an editor table.

    Optional columns left wholly empty are dropped unless ``original`` (the registry before the edit)
    had them; whole numbers are written without decimals; numbers in full (never rounded:
    coordinates, shares). ``download``: text neutralised for spreadsheets, as in every export (the
    file the model reads keeps the codes exactly, or the reports would no longer match them).
    """
    frame = table.copy()
    if "district_code" not in frame:
        frame.insert(0, "district_code", frame.index)
    keep = [c for c in frame.columns
            if c not in OPTIONAL or frame[c].notna().any() or (original is not None and c in original)]
    frame = frame[keep]
    for col in frame.columns:
        values = frame[col]
        if col in TEXT:
            frame[col] = values.where(values.notna() & (values.astype(str) != ""), None)
        else:
            try:
                number = pd.to_numeric(values).astype(float)
            except (ValueError, TypeError):
                continue  # written as given: the reader names the cell
            whole = number.dropna()
            frame[col] = number
            if not col.endswith("_hours") and whole.mod(1).eq(0).all() and (whole.abs() < 2**53).all():
                frame[col] = number.astype("Int64")
    frame = safe_for_spreadsheets(frame) if download else frame
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def edited_registry(inputs: Inputs, sources: Mapping[str, Upload], edited: pd.DataFrame) -> Upload | None:
    """The edited registry as an ``Upload`` (role ``districts``, ``edited``), None when nothing changed."""
    base = editable_registry(inputs)
    edited = edited.reindex(base.index)
    if changed(base, edited).empty:
        return None
    table = base.copy()
    table[EDITABLE] = edited[EDITABLE].to_numpy()
    return Upload.of("districts", FILE_NAME, registry_bytes(table, inputs.districts), edited=True,
                     illustrative=_illustrative(sources, "districts"))


def registry_download(inputs: Inputs, sources: Mapping[str, Upload]) -> tuple[str, bytes]:
    """(file name, bytes) of the registry in use (``inputs``), for its download button: the name of
    the upload or edit it comes from, else ``districts.csv``."""
    up = sources.get("districts")
    name = Path(up.name).with_suffix(".csv").name if up is not None else "districts.csv"  # CSV bytes: a .csv name
    return name, registry_bytes(editable_registry(inputs), inputs.districts, download=True)


def registry_changes(before: Inputs, after: Inputs) -> tuple[Edit, ...]:
    """The registry cells that differ between two input sets (``export.Edit``: district, column,
    before -> after, NaN equals NaN) in registry row then column order: the registry edits an
    export's provenance records, next to the report edits."""
    return edit_log(editable_registry(before), editable_registry(after))
