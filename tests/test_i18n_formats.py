"""Numbers, hours and problem lines in the interface languages (``heatneed.i18n``).

Published vectors first (CLDR's Ukrainian and British number formats as Babel 2.19 gives them),
then properties: the same number reads back the same in both languages.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from heatneed import i18n

NBSP = "\u00a0"  # CLDR's Ukrainian grouping symbol (no-break space)


@pytest.mark.parametrize("value, decimals, en, uk", [
    (27601, 0, "27,601", f"27{NBSP}601"),
    (-9.4, 1, "-9.4", "-9,4"),
    (-9.4204120636, 1, "-9.4", "-9,4"),  # the raw float the issue found in tooltips
    (1234567.25, 2, "1,234,567.25", f"1{NBSP}234{NBSP}567,25"),
    (0.95, 2, "0.95", "0,95"),
    (999, 0, "999", "999"),
    (-0.04, 1, "0.0", "0,0"),  # no "-0.0"
])
def test_number_vectors(value, decimals, en, uk):
    assert i18n.number(value, "en", decimals) == en
    assert i18n.number(value, "uk", decimals) == uk


def test_ukrainian_grouping_is_a_no_break_space_not_a_space_or_narrow_one():
    text = i18n.number(27601, "uk")
    assert NBSP in text and " " not in text and "\u202f" not in text


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, math.nan])
def test_missing_is_a_dash_in_every_language(missing):
    assert i18n.number(missing, "en") == i18n.number(missing, "uk") == "—"
    assert i18n.hours(missing, "uk") == i18n.percent(missing, "uk") == "—"


def test_hours_percent_and_times():
    assert i18n.hours(30, "en") == "30.0 h"
    assert i18n.hours(30, "uk") == "30,0 год"
    assert i18n.hours(12.346, "uk", 2) == "12,35 год"
    assert i18n.percent(0.95, "en") == "95%"
    assert i18n.percent(0.125, "uk", 1) == "12,5%"
    # Kyiv wall-clock time (UTC+2 in February), the same day-first form in both languages.
    assert i18n.datetime("2026-02-01T04:00Z", "uk") == i18n.datetime("2026-02-01 04:00", "en") == "01.02 06:00"
    assert i18n.datetime(None, "uk") == i18n.datetime("", "en") == ""


def test_an_unknown_language_falls_back_to_english_formats():
    assert i18n.number(27601, "xx") == "27,601"


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=-1e7, max_value=1e7, allow_nan=False), st.integers(0, 3))
def test_the_same_number_in_both_languages(value, decimals):
    en, uk = i18n.number(value, "en", decimals), i18n.number(value, "uk", decimals)
    # One format per language, the same digits: swap the symbols and the texts are equal.
    assert uk == en.replace(",", NBSP).replace(".", ",")
    back = float(uk.replace(NBSP, "").replace(",", "."))
    assert abs(back - value) <= 0.5 * 10 ** -decimals + 1e-9 * abs(value)
    assert not en.startswith("-") or back < 0


@pytest.mark.parametrize("line, uk", [
    ("unheated.csv, row 7, column unheated_buildings: must be ≥ 0 (got -4.0)",
     "unheated.csv, рядок 7, стовпець unheated_buildings: має бути ≥ 0 (отримано -4.0)"),
    ("outages.csv, row 3, column district_code: district_code 'X1' is not in the districts file",
     "outages.csv, рядок 3, стовпець district_code: district_code 'X1' немає у файлі районів"),
    ("unheated.csv, column residents: required column is missing",
     "unheated.csv, стовпець residents: бракує обов’язкового стовпця"),
    ("empty.csv: the file is empty", "empty.csv: файл порожній"),
    # A message without a template: the frame is translated, the message kept in English.
    ("a, b.csv, row 2, column lat: is implausibly large for latitude (more than 90)",
     "a, b.csv, рядок 2, стовпець lat: is implausibly large for latitude (more than 90)"),
])
def test_problem_lines_in_ukrainian(line, uk):
    assert i18n.problem(line, "uk") == uk
    assert i18n.problem(line, "en") == line


def test_a_line_without_the_frame_is_kept():
    assert i18n.problem("no colon here", "uk") == "no colon here"


def test_completeness_numbers_follow_the_language():
    note = "missing: share_65plus (national 18.4% shown); residents estimated at 1230 per building"
    assert i18n.completeness(note, "uk") == (f"бракує: частки 65+ (показано національну 18,4%); "
                                             f"мешканців оцінено в 1{NBSP}230 на будинок")
    assert i18n.completeness(note, "en") == note


def test_chart_tooltips_and_axes_write_numbers_in_the_language():
    """Vega-Lite formats tooltip and axis numbers with ``config.locale``: the same symbols as Babel."""
    import pandas as pd

    from heatneed import app_support as support

    index = pd.date_range("2026-02-01", periods=3, freq="h")
    series = pd.DataFrame({"power_on": [1.0, 0.5, 0.0]}, index=index)
    spec = support.power_chart(series, "uk")
    assert spec["config"]["locale"]["number"] == {"decimal": ",", "thousands": NBSP, "grouping": [3],
                                                  "currency": ["", ""], "minus": "-", "percent": "%"}
    titles = [tip["title"] for tip in spec["encoding"]["tooltip"]]
    assert titles == [i18n.text("axis_time", "uk"), i18n.text("axis_power", "uk")]  # never a field name
    assert support.power_chart(series, "en")["config"]["locale"]["number"]["decimal"] == "."
    bars = spec["datasets"]["power"]
    assert [(b["time"], b["end"]) for b in bars][:2] == [("2026-02-01T02:00:00", "2026-02-01T03:00:00"),
                                                         ("2026-02-01T03:00:00", "2026-02-01T04:00:00")]  # Kyiv time


def test_localised_numbers_keeps_the_values_and_writes_each_column_with_its_decimals():
    import pandas as pd

    from heatneed import app_support as support

    frame = pd.DataFrame({"n": [27601, 5], "x": [-9.4, 2.0], "p": [0.95, 0.125], "gap": [float("nan"), 1.0],
                          "ok": [True, False], "name": ["a", "b"]})
    styler = support.localised_numbers(frame, "uk")
    assert styler.data.equals(frame)  # the cells keep their numbers: sorting stays numeric
    text = styler.to_string(delimiter="|").splitlines()
    assert text[1].split("|")[1:] == [f"27{NBSP}601", "-9,4", "0,950", "—", "True", "a"]
    assert text[2].split("|")[1:] == ["5", "2,0", "0,125", "1", "False", "b"]


def test_short_numbers_keep_the_digits_of_g():
    assert [i18n.short(v, "uk") for v in (26, 26.5, 0.05, 1234.0)] == ["26", "26,5", "0,05", f"1{NBSP}234"]
    assert [i18n.short(v, "en") for v in (26, 26.5, 0.05, 1234.0)] == ["26", "26.5", "0.05", "1,234"]


@settings(max_examples=60, deadline=None)
@given(value=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), decimals=st.integers(0, 3),
       lang=st.sampled_from(["en", "uk"]))
def test_the_fast_number_writes_what_babel_writes(value, decimals, lang):
    from babel.numbers import format_decimal

    value = round(value, decimals)  # shown values are rounded as published
    babel = format_decimal(value, format="#,##0" + ("." + "0" * decimals if decimals else ""),
                           locale=i18n.BABEL_LOCALES[lang])
    babel = babel[1:] if babel.startswith("-") and not any(c in "123456789" for c in babel) else babel
    assert i18n.number(value, lang, decimals) == babel
