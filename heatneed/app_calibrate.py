"""The app's "Calibrate" tab: tables and charts of a calibration (``heatneed.calibrate``), in EN/UK.

Display only: every number comes from ``heatneed.calibrate``, the code ``python -m heatneed calibrate`` runs.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import i18n
from .app_support import DISPLAY_TZ, localised
from .calibrate import Calibration, rounded, site_message

#: Site columns shown, in order.
SITE_VIEW_COLUMNS = ["site_id", "district_code", "status", "tau_hours", "tau_low_hours", "tau_high_hours", "gain_k",
                     "gain_low_k", "gain_high_k", "rmse_k", "n_readings", "span_hours", "preferred_model", "message"]


def site_view(calibration: Calibration, lang: str) -> pd.DataFrame:
    """Per-site fits for the table: rounded, status in the reader's language."""
    view = rounded(calibration.sites)[SITE_VIEW_COLUMNS].copy()
    view["status"] = [i18n.text(f"cal_status_{s}", lang) for s in view["status"]]
    view["message"] = [site_message(*calibration.results[site].message, lang=lang) for site in view["site_id"]]
    return view


def fit_chart(series: pd.DataFrame, lang: str) -> alt.LayerChart:
    """Readings (points), the fitted model trajectory per episode (line) and the outdoor series [°C]."""
    t = lambda key, **kw: i18n.text(key, lang, **kw)  # noqa: E731
    frame = series.assign(time=series["time"].dt.tz_convert(DISPLAY_TZ).dt.tz_localize(None))
    labels = {"indoor_c": t("cal_series_readings"), "fitted_c": t("cal_series_fitted"),
              "outdoor_c": t("cal_series_outdoor")}
    long = frame.melt(id_vars=["time", "episode"], value_vars=list(labels), var_name="series", value_name="temp_c")
    long["series"] = long["series"].map(labels)
    colours = alt.Scale(domain=list(labels.values()), range=["#b3261e", "#222222", "#1f5fa8"])
    x = alt.X("time:T", title=t("axis_time"), axis=alt.Axis(format="%d.%m %H:%M"))
    y = alt.Y("temp_c:Q", title=t("axis_temp"))
    colour = alt.Color("series:N", scale=colours, title=None, legend=alt.Legend(orient="bottom"))
    tip = [alt.Tooltip("time:T", format="%d.%m %H:%M"), "series:N", alt.Tooltip("temp_c:Q", format=".1f")]
    points = alt.Chart(long[long["series"] == labels["indoor_c"]]).mark_circle(size=18).encode(
        x=x, y=y, color=colour, tooltip=tip)
    lines = alt.Chart(long[long["series"] != labels["indoor_c"]]).mark_line().encode(
        x=x, y=y, color=colour, detail="episode:N", tooltip=tip)
    return localised((points + lines).properties(height=280), lang)


def residual_chart(series: pd.DataFrame, lang: str) -> alt.LayerChart:
    """Reading minus model [K] over time: a pattern (not noise) means the model misses something."""
    t = lambda key, **kw: i18n.text(key, lang, **kw)  # noqa: E731
    frame = series.assign(time=series["time"].dt.tz_convert(DISPLAY_TZ).dt.tz_localize(None))
    x = alt.X("time:T", title=t("axis_time"), axis=alt.Axis(format="%d.%m %H:%M"))
    points = alt.Chart(frame).mark_circle(size=14, color="#555555").encode(
        x=x, y=alt.Y("residual_k:Q", title=t("cal_axis_residual")),
        tooltip=[alt.Tooltip("time:T", format="%d.%m %H:%M"), alt.Tooltip("residual_k:Q", format=".2f")])
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#999999").encode(y="y:Q")
    return localised((zero + points).properties(height=160), lang)


def band_chart(calibration: Calibration, lang: str) -> alt.LayerChart:
    """Each site's τ with its interval, and per district the median and band written for the registry."""
    t = lambda key, **kw: i18n.text(key, lang, **kw)  # noqa: E731
    sites = calibration.sites.dropna(subset=["tau_hours", "district_code"])
    y = alt.Y("site_id:N", title=None)
    x = alt.X("tau_hours:Q", title=t("cal_axis_tau"), scale=alt.Scale(type="log"))
    rules = alt.Chart(sites).mark_rule(color="#b3261e").encode(y=y, x=alt.X("tau_low_hours:Q", title=t("cal_axis_tau"),
                                                                               scale=alt.Scale(type="log")),
                                                               x2="tau_high_hours:Q")
    points = alt.Chart(sites).mark_point(filled=True, color="#b3261e").encode(
        y=y, x=x, tooltip=["site_id:N", "district_code:N", alt.Tooltip("tau_hours:Q", format=".1f"),
                           alt.Tooltip("tau_low_hours:Q", format=".1f"), alt.Tooltip("tau_high_hours:Q", format=".1f")])
    band = alt.Chart(calibration.districts).mark_rect(opacity=0.15, color="#1f5fa8").encode(
        x="tau_low_hours:Q", x2="tau_high_hours:Q")
    median = alt.Chart(calibration.districts).mark_rule(color="#1f5fa8", strokeDash=[4, 3]).encode(
        x="tau_hours:Q", tooltip=["district_code:N", alt.Tooltip("tau_hours:Q", format=".1f")])
    return localised((band + median + rules + points).properties(height=max(80, 24 * len(sites))), lang)


def district_view(calibration: Calibration) -> pd.DataFrame:
    """Per-district rows as written to the registry (rounded as in the CSV)."""
    return rounded(calibration.districts)
