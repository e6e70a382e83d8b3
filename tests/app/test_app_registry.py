"""heatneed.app_registry: the registry table of the app and the edited registry as a districts file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from heatneed import app_registry as registry
from heatneed import app_support as support
from heatneed import pipeline
from heatneed.errors import InputError
from heatneed.export import Edit

PODILSKYI = "UA80000000000719633"
CORPUS = Path(__file__).resolve().parents[1] / "hardening" / "corpus"


@pytest.fixture(scope="module")
def inputs():
    return pipeline.load_inputs()


def test_an_unedited_registry_reads_back_as_the_same_registry(inputs):
    table = registry.editable_registry(inputs)
    assert list(table.columns)[:len(registry.COLUMNS)] == list(registry.COLUMNS)
    assert np.isnan(table.at[PODILSKYI, "share_65plus"]) and table["tau_hours"].isna().all()
    data = registry.registry_bytes(table, inputs.districts)
    assert b"tau_hours" not in data  # an optional column left empty is not invented
    again = support.load_sources({"districts": support.Upload.of("districts", "d.csv", data)}).districts
    pd.testing.assert_frame_equal(again.drop(columns="_row"), inputs.districts.drop(columns="_row"))
    assert registry.edited_registry(inputs, {}, table.copy()) is None


def test_an_edit_is_an_edited_districts_upload_checked_like_a_file(inputs):
    table = registry.editable_registry(inputs)
    table.loc[PODILSKYI, ["share_65plus", "tau_hours", "lat"]] = [0.21, 90.0, 50.123456789]
    up = registry.edited_registry(inputs, {}, table)
    assert (up.role, up.name, up.edited, up.illustrative) == ("districts", registry.FILE_NAME, True, True)
    read = support.load_sources({"districts": up}).districts.set_index("district_code")
    assert read.at[PODILSKYI, "share_65plus"] == 0.21 and read.at[PODILSKYI, "tau_hours"] == 90.0
    assert read.at[PODILSKYI, "lat"] == 50.123456789  # never rounded
    table.loc[PODILSKYI, "population"] = 2e9
    with pytest.raises(InputError) as caught:
        support.load_sources({"districts": registry.edited_registry(inputs, {}, table)})
    row = list(inputs.districts.index).index(PODILSKYI) + 2
    assert caught.value.problems == [f"{registry.FILE_NAME}, row {row}, column population: is implausibly large for "
                                     "a population (more than 1,000,000,000) (got 2000000000.0)"]


def test_an_edit_of_an_uploaded_registry_is_real_data(inputs):
    uploaded = support.Upload.of("districts", "mine.csv", registry.registry_bytes(registry.editable_registry(inputs)))
    table = registry.editable_registry(inputs)
    table.loc[PODILSKYI, "warming_places"] = 10
    assert not registry.edited_registry(inputs, {"districts": uploaded}, table).illustrative


def test_hostile_text_stays_exact_for_the_model_and_is_neutralised_in_the_download(inputs):
    table = registry.editable_registry(inputs)
    table.loc[PODILSKYI, "district_name"] = "=HYPERLINK(\"http://evil.example\")"
    up = registry.edited_registry(inputs, {}, table)
    read = support.load_sources({"districts": up}).districts.set_index("district_code")
    assert read.at[PODILSKYI, "district_name"] == "=HYPERLINK(\"http://evil.example\")"
    name, data = registry.registry_download(support.load_sources({"districts": up}), {"districts": up})
    assert name == registry.FILE_NAME
    downloaded = pd.read_csv(io.BytesIO(data), dtype=str).set_index("district_code")
    assert downloaded.at[PODILSKYI, "district_name"] == "'=HYPERLINK(\"http://evil.example\")"


def test_the_registry_changes_are_listed_cell_by_cell_for_the_provenance(inputs):
    table = registry.editable_registry(inputs)
    table.loc[PODILSKYI, ["share_65plus", "warming_places"]] = [0.21, 900.0]
    edited = support.load_sources({"districts": registry.edited_registry(inputs, {}, table)})
    assert registry.registry_changes(inputs, edited) == (Edit(PODILSKYI, "share_65plus", None, 0.21),
                                                         Edit(PODILSKYI, "warming_places", 4550.0, 900.0))
    assert registry.registry_changes(inputs, inputs) == ()


REGISTRY_ERRORS = [c for c in csv.DictReader(open(CORPUS / "EXPECTED.csv", encoding="utf-8"))
                   if c["role"] == "districts" and c["outcome"] == "error"]


@pytest.mark.parametrize("case", REGISTRY_ERRORS, ids=lambda c: c["file"])
def test_every_hostile_registry_file_is_refused_by_the_apps_upload_path_with_the_command_lines_words(case):
    name = case["file"]
    with pytest.raises(InputError) as caught:
        support.load_sources({"districts": support.Upload.of("districts", name, (CORPUS / name).read_bytes())})
    text = "\n".join(caught.value.problems)
    assert case["message"] in text and all(line.startswith(name) for line in caught.value.problems), text


def test_the_download_of_an_uploaded_workbook_registry_is_named_csv(inputs):
    data = (pipeline.EMBEDDED_SCENARIO / "districts.csv").read_bytes()
    up = support.Upload.of("districts", "registry 2026.xlsx", data)  # what the download holds is CSV
    name, data = registry.registry_download(support.load_sources({"districts": up}), {"districts": up})
    assert name == "registry 2026.csv" and data.startswith(b"district_code,")


def test_the_cli_command_quotes_file_names_for_the_shell():
    from heatneed.config import model_params

    text = support.cli_command(model_params(), model_params(),
                               {"unheated": support.Upload.of("unheated", "my file >x.csv", b"")})
    assert "--unheated 'my file >x.csv'" in text
