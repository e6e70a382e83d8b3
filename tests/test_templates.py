"""Input templates (data/templates/, tools/make_templates.py): shipped = generated, and each validates."""

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from heatneed import pipeline, templates
from heatneed.inputs import load_districts, load_reports, read_table

CASES = [(r, lang, fmt) for r in templates.ROLES for lang in templates.LANGS for fmt in templates.FORMATS]


def _entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


@pytest.fixture(scope="module")
def registry():
    return pipeline.load_inputs().districts


@pytest.mark.parametrize("role,lang,fmt", CASES, ids=[templates.file_name(*c) for c in CASES])
def test_shipped_template_is_what_the_script_writes(role, lang, fmt):
    made, shipped = templates.template_bytes(role, lang, fmt), templates.shipped(role, lang, fmt)
    if fmt == "csv":
        assert made == shipped
    else:  # same parts, same XML (compressed bytes may differ between zlib builds)
        assert _entries(made) == _entries(shipped)


def test_every_template_is_shipped_and_nothing_else():
    names = {p.name for p in templates.TEMPLATES_DIR.iterdir() if p.suffix in (".csv", ".xlsx")}
    assert names == {templates.file_name(*c) for c in CASES}


def _load(role, data, name, registry):
    """Every problem the role's own reader finds in a file."""
    if role == "districts":
        return load_districts(data, name)
    if role in ("unheated", "outages"):
        return load_reports(data, role, registry, name).reset_index()
    if role == "forecast":
        from heatneed.sources.tidy import parse_tidy_forecast
        return parse_tidy_forecast(data, name)
    if role == "warming_sites":
        from heatneed.warming_sites import load_sites
        return load_sites(data, registry, 3.5, name)
    if role == "readings":
        from heatneed.readings import read_readings
        return read_readings(data, name, registry)
    if role == "outdoor":
        from heatneed.readings import read_outdoor
        return read_outdoor(data, name)
    if role == "outage_schedule":
        from heatneed.schedules import read_schedule
        return read_schedule(data, name)
    if role == "district_queues":
        from heatneed.schedules import read_district_queues, read_schedule
        schedule = read_schedule((templates.EXAMPLES_DIR / "outage-schedule.csv").read_bytes(), "plan.csv")
        return read_district_queues(data, registry, schedule, name)
    raise AssertionError(role)


@pytest.mark.parametrize("role,lang,fmt", CASES, ids=[templates.file_name(*c) for c in CASES])
def test_each_template_validates_and_reads_like_the_english_csv(role, lang, fmt, registry):
    name = templates.file_name(role, lang, fmt)
    data = templates.shipped(role, lang, fmt)
    got = _load(role, data, name, registry)  # raises InputError on any problem
    table = read_table(data, name)
    assert list(table.frame.columns) == list(templates.columns(role))  # Ukrainian headers map back
    reference = _load(role, templates.shipped(role, "en", "csv"), "ref.csv", registry)
    if role == "forecast":
        np.testing.assert_array_equal(got["temp_c"].values, reference["temp_c"].values)
        assert list(got["time"].values) == list(reference["time"].values)
        return
    if role == "outage_schedule":
        got, reference = got.slots, reference.slots
    # the same values, whatever the language (yes/no words and the example names are translated)
    words = ["_row", "name", "has_heating", "heating_on"]
    pd.testing.assert_frame_equal(got.drop(columns=words, errors="ignore"),
                                  reference.drop(columns=words, errors="ignore"), check_dtype=False)
    assert len(got) >= 1


def test_ukrainian_templates_use_ukrainian_forms():
    text = templates.shipped("outages", "uk", "csv").decode("utf-8-sig")
    assert text.splitlines()[0] == "код району;статус відключення;дата звіту;годин без світла на добу"
    assert "за графіком" in text and "аварійне" in text and "01.02.2026 06:00" in text
    assert "-22,3" in templates.shipped("forecast", "uk", "csv").decode("utf-8-sig")
