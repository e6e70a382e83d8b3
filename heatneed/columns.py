"""The one registry of the priority list's columns: order, type, rounding, HXL tag, label, display.

Everything about a published column is declared once here and derived everywhere else: the column
order of the list (``pipeline``), its rounding for publication (``publish``), the dtypes it is read
back with (``store``), the HXL hashtag row (``export``), the history table (``store``) and the app's
table (labels through ``i18n`` message ids, number formats). Adding a column to the list is one
``Column`` entry here plus its computation in the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Column:
    """One column of the priority list."""

    name: str
    dtype: str  # "int64", "Int64" (whole number that may be empty), "float64" or "str"
    hxl: str  # HXL hashtag (#x_… for heatneed's own measures)
    label: str | None = None  # i18n message id of its header in the app (None: not shown in the app table)
    decimals: int | None = None  # rounding of published floats
    display: str = "number"  # app display: "number", "text", "progress" (0–10 score), "localized" (thousands)
    per_run: bool = False  # the same for every district of a run (kept once per run in the history)
    width: str | None = None  # app column width ("small", "medium"), None: Streamlit's choice

    @property
    def export_label(self) -> str:
        """i18n message id of its header in translated exports (the "CSV for Excel (Ukrainian)"):
        the app's label, else ``xcol_<name>``."""
        return self.label or f"xcol_{self.name}"


PRIORITY = (
    Column("rank", "int64", "#priority", "col_rank", width="small"),
    Column("district_code", "str", "#adm5+code", display="text"),
    Column("district_name", "str", "#adm5+name", display="text"),
    Column("admin1_code", "str", "#adm1+code", display="text"),
    Column("risk_score", "float64", "#x_risk+score", "col_risk", decimals=1, display="progress"),
    Column("severity", "int64", "#severity", "col_severity", width="small"),
    Column("severity_label", "str", "#severity+label", display="text"),
    Column("residents_unheated", "Int64", "#affected+ind", "col_residents", display="localized"),
    Column("unheated_buildings", "Int64", "#affected+buildings", "col_buildings"),
    Column("outage_status", "str", "#x_outage+status", "col_outage", display="text"),
    Column("hours_off_per_day", "float64", "#x_outage+hours", "col_hours_off", decimals=1),
    Column("min_temp_c", "float64", "#x_temp+outdoor+min", "col_min_temp", decimals=1),
    Column("min_wind_chill_c", "float64", "#x_windchill+min", "col_min_chill", decimals=1),
    Column("min_indoor_c", "float64", "#x_temp+indoor+min", "col_min_indoor", decimals=1),
    Column("hours_to_12c", "float64", "#x_hours+to12c", "col_hours_12", decimals=1),
    Column("hours_to_5c", "float64", "#x_hours+to5c", "col_hours_5", decimals=1),
    Column("person_hours_below_12c", "Int64", "#x_personhours+below12c"),
    Column("p_indoor_below_12c", "float64", "#x_prob+below12c", "col_p12", decimals=2),
    Column("main_driver", "str", "#x_driver", "col_driver", display="text"),
    Column("completeness", "str", "#meta+completeness", "col_completeness", display="text"),
    Column("forecast_issued_at", "str", "#date+forecast", display="text", per_run=True),
    Column("data_as_of", "str", "#date+reported", display="text", per_run=True),
    # risk model v2: the score range its missing inputs allow, residents × ensemble probability of
    # falling below 12 / 5 °C within 24 h and within the horizon, band-weighted person-hours.
    Column("risk_low", "float64", "#x_risk+score+low", decimals=1),
    Column("risk_high", "float64", "#x_risk+score+high", decimals=1),
    Column("expected_below_12c_24h", "Int64", "#x_affected+below12c+h24", "col_expected_12_24", display="localized"),
    Column("expected_below_5c_24h", "Int64", "#x_affected+below5c+h24", "col_expected_5_24", display="localized"),
    Column("expected_below_12c", "Int64", "#x_affected+below12c", "col_expected_12", display="localized"),
    Column("expected_below_5c", "Int64", "#x_affected+below5c", "col_expected_5", display="localized"),
    Column("cold_harm", "Int64", "#x_personhours+harm", "col_cold_harm", display="localized"),
    Column("district_name_uk", "str", "#adm5+name+i_uk", display="text"),
    # Trust: which inputs are embedded/illustrative, and "stale" for an old forecast (the run's manifest
    # holds it too, so the history does not repeat it per district). Always the last column.
    Column("data_state", "str", "#meta+data_state", display="text", per_run=True),
)

BY_NAME = {c.name: c for c in PRIORITY}
#: The list's columns, in order.
PRIORITY_COLUMNS = [c.name for c in PRIORITY]
#: dtype each column is read back with (``store.read_priority_csv``).
PRIORITY_DTYPES = {c.name: c.dtype for c in PRIORITY}
#: The HXL hashtag row.
HXL_TAGS = {c.name: c.hxl for c in PRIORITY}
#: Columns kept per district in the history (the per-run ones are kept once per run).
DISTRICT_COLUMNS = [c.name for c in PRIORITY if not c.per_run]


def publish(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with exactly the list's columns, in order, each rounded and typed as declared."""
    out = {}
    for col in PRIORITY:
        values = frame[col.name]
        if col.dtype == "float64":
            values = values.astype(float)
            out[col.name] = values.round(col.decimals) if col.decimals is not None else values
        elif col.dtype == "Int64":
            out[col.name] = values.astype(float).round().astype("Int64")
        elif col.dtype == "int64":
            out[col.name] = values.astype("int64")
        else:
            out[col.name] = values
    return pd.DataFrame(out, index=frame.index)
