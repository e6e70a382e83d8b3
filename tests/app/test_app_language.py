"""The interface language (``?lang=``, the browser's language, the radio), numbers in its format, the
sidebar's order and the About tab, on the real ``app.py`` through AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from appcheck import errors_text

from heatneed import app_support as support
from heatneed import i18n
from heatneed.attributions import ATTRIBUTIONS, ISSUES_URL, VERSION, record
from heatneed.ui import sidebar

APP = Path(__file__).resolve().parents[2] / "app.py"
NBSP = "\u00a0"
PECHERSKYI = "UA80000000000624772"
DESNIANSKYI = "UA80000000000336424"  # rank 1 of the embedded scenario: 27,601 residents without heat
HOLOSIIVSKYI = "UA80000000000126643"  # homes below 12 °C after 12.3 h
BAD_UNHEATED = (f"district_code,reported_at,unheated_buildings\n{PECHERSKYI},2026-02-01,-5\n").encode("utf-8")


def shown_table(at):
    """The priority table's cells as the browser gets them: the Styler's display text."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    frame = next(d for d in at.dataframe if "severity_label" in d.value.columns)
    return convert_arrow_bytes_to_pandas_df(frame.proto.arrow_data.styler.display_values)


def run(query: dict | None = None, locale: str | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if locale is not None:
        at.context["locale"] = locale
    return at.run()


def test_lang_in_the_address_opens_ukrainian_with_its_numbers_and_stays_there():
    at = run({"lang": "uk"}, locale="en-US")  # the address wins over the browser
    assert not at.exception
    assert at.radio(key="lang").value == "uk" and at.query_params["lang"] == "uk"
    assert at.title[0].value == i18n.text("title", "uk")
    figures = {m.label: m.value for m in at.metric}
    assert figures["Мешканців без тепла"] == f"119{NBSP}606"
    assert figures["Найхолодніша година надворі"] == "-28,2 °C"
    table = shown_table(at)  # the key columns first, numbers as Babel writes them in Ukrainian
    assert list(table.columns[:5]) == ["rank", "district", "severity", "residents_unheated", "hours_to_12c"]
    assert table.loc[DESNIANSKYI, "residents_unheated"] == f"27{NBSP}601"
    assert table.loc[HOLOSIIVSKYI, "hours_to_12c"] == "12,3" and table.loc[DESNIANSKYI, "risk_score"] == "7,1"
    # Sidebar: the field settings first, outside the expander; the physics inside "Advanced".
    sidebar_inputs = [w.key for w in at.sidebar.number_input]
    assert sidebar_inputs[:3] == [f"set_{f}" for f in sidebar.FIELD_SETTINGS]
    advanced = next(e for e in at.sidebar.expander if e.label == i18n.text("settings_advanced", "uk"))
    assert {w.key for w in advanced.number_input} == {f"set_{f}" for f in ("tau_hours", "tau_low_hours",
                                                                            "tau_high_hours", "initial_indoor_c",
                                                                            "heat_loss_w_per_k", "internal_gains_w",
                                                                            "heater_w")}
    assert all(w.label == i18n.text(w.key, "uk") for w in at.sidebar.number_input)
    # About: version, limits and sources in Ukrainian, every source with its credit, where to report.
    markdown = "\n".join(m.value for m in at.markdown)
    assert i18n.text("about_limits", "uk") in markdown and ISSUES_URL in markdown
    assert i18n.text("about_version", "uk", version=VERSION) in [c.value for c in at.caption]
    sources = next(d.value for d in at.dataframe if i18n.text("about_col_credit", "uk") in d.value.columns)
    assert list(sources[i18n.text("about_col_credit", "uk")]) == [a.credit for a in ATTRIBUTIONS]
    assert "© OpenStreetMap contributors" in " ".join(sources[i18n.text("about_col_credit", "uk")])
    # The radio writes the address.
    at.radio(key="lang").set_value("en").run()
    assert at.query_params["lang"] == "en" and at.title[0].value == i18n.text("title", "en")
    table = shown_table(at)
    assert table.loc[DESNIANSKYI, "residents_unheated"] == "27,601"
    assert table.loc[HOLOSIIVSKYI, "hours_to_12c"] == "12.3"


@pytest.mark.parametrize("query, locale, expected", [
    ({}, "uk-UA", "uk"),  # no ?lang: the browser's language
    ({"lang": "xx"}, "de-DE", "en"),  # an unknown ?lang and another browser language: English
])
def test_without_a_valid_lang_the_browser_language_decides_and_the_address_records_it(query, locale, expected):
    at = run(query, locale)
    assert not at.exception
    assert at.radio(key="lang").value == expected and at.query_params["lang"] == expected


def test_problem_lines_of_a_rejected_upload_are_in_ukrainian():
    at = run({"lang": "uk"})
    at.file_uploader(key="upload_unheated").set_value(("bad.csv", BAD_UNHEATED, "text/csv")).run()
    assert not at.exception
    line = "bad.csv, рядок 2, стовпець unheated_buildings: має бути ≥ 0 (отримано -5.0)"
    assert line in errors_text(at)


@pytest.mark.parametrize("browser, expected", [
    ("uk", "uk"), ("uk-UA", "uk"), ("UK_ua", "uk"), ("ru-UA", "uk"), ("ru-RU", "en"), ("ru", "en"),
    ("en-GB", "en"), ("", "en"), (None, "en"), ("ukr", "en"),
])
def test_pick_language_from_the_browser(browser, expected):
    assert i18n.pick_language(None, browser) == expected
    assert i18n.pick_language(" UK ", browser) == "uk"  # a valid ?lang= always wins
    assert i18n.pick_language("en", browser) == "en"


def test_uploader_css_translates_streamlits_own_texts():
    css = sidebar.uploader_css("uk", 100, {"unheated": ["csv", "xlsx"]})
    assert 'content: "Вибрати файл"' in css
    assert 'content: "До 100 МБ на файл"' in css
    assert '.st-key-upload_unheated [data-testid="stFileUploaderDropzone"]' in css
    assert 'content: "До 100 МБ на файл • CSV, XLSX"' in css
    assert sidebar.uploader_css("en", 100, {"unheated": ["csv"]}) == ""
    assert sidebar._css_string('a"b\\c\nd') == '"a\\"b\\\\c\\a d"'


#: What each source's full record must say (its credit and licence as the About tab gives them).
RECORDS = {"scenario": ["ILLUSTRATIVE", "populations (1 Dec 2019"],
           "registry": ["KATOTTH", "Main Department of Statistics in Kyiv"],
           "boundaries_kyiv": ["© OpenStreetMap contributors", "ODbL 1.0"],
           "boundaries_oblasts": ["geoBoundaries", "Runfola et al. 2020", "ODbL 1.0"],
           "boundaries_hromadas": ["S. Matuszak, ukrainian_geodata", "CC BY 4.0"],
           "schedules": ["Baskerville42/outage-data-ua", "denysdovhan/ha-yasno-outages", "MIT"],
           "cap": ["© OASIS Open 2010", "IPR Policy"],
           "meteostat": ['"Meteostat"'], "open_meteo": ['"Open-Meteo (CC BY 4.0)"'], "ecmwf": ['"ECMWF (CC BY 4.0)"']}


def test_every_attribution_has_its_record_saying_the_same():
    assert [a.id for a in ATTRIBUTIONS] == list(RECORDS)
    for a in ATTRIBUTIONS:
        text = record(a).read_text(encoding="utf-8")
        for phrase in RECORDS[a.id]:
            assert phrase in text, (a.id, phrase)
            assert phrase.strip('"') in f"{a.credit} {a.licence}" or a.id in ("scenario", "registry"), (a.id, phrase)
        assert i18n.text(f"about_src_{a.id}", "uk") != i18n.text(f"about_src_{a.id}", "en")


def test_every_table_header_fits_its_column_and_has_its_label_as_help():
    from streamlit import column_config

    for lang in ("en", "uk"):
        config = support.priority_column_config(column_config, lambda key, lang=lang, **v: i18n.text(key, lang, **v))
        for name, col in config.items():
            label, width = col["label"], col["width"]
            if name in support.KEY_COLUMNS:  # short headers in fixed widths: seen whole in the browser test
                assert col["help"] == i18n.text(support.KEY_COLUMNS[name][1], lang)
                continue
            assert col["help"] == label
            if isinstance(width, int):  # about 7.5 px a character in the 14 px header font, plus padding
                assert width >= min(260, 16 + 7.5 * len(label)), (lang, name, label, width)
