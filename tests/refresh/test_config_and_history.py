"""The [refresh] config (flags override it) and ``python -m heatneed history``."""

from __future__ import annotations

import dataclasses
import io
import re

import pandas as pd
import pytest

from heatneed import store
from heatneed.config import ModelParams, load_config, model_params
from heatneed.refresh import REFRESH_KEYS, RefreshSettings
from heatneed.sources.registry import SETTING_TYPES as FORECAST_KEYS

from refresh_support import FORECAST, N_DISTRICTS, ROOT, SCENARIO, check_published, refresh_argv

EXAMPLE = ROOT / "examples" / "heatneed.toml"


def test_example_config_documents_every_setting_and_loads():
    text = EXAMPLE.read_text()
    documented = set(re.findall(r"^#?\s*([a-z_0-9]+) =", text, flags=re.M))
    model_keys = {f.name for f in dataclasses.fields(ModelParams)}
    assert set(REFRESH_KEYS) | set(FORECAST_KEYS) | model_keys <= documented
    config = load_config(EXAMPLE)
    assert model_params(config) == model_params()  # the example shows the defaults
    settings = RefreshSettings.from_config(config, EXAMPLE)
    assert settings.forecast_source == "meteostat" and settings.wait_s == 0 and settings.keep_runs == 10


def test_the_example_config_runs_a_refresh(tmp_path, run):
    code, err = run("refresh", "--config", EXAMPLE, "--forecast", FORECAST, "--output-dir", tmp_path / "out")
    assert code == 0, err
    assert check_published(tmp_path / "out")["forecast"]["source"] == "file:forecast.csv"


def test_config_paths_are_relative_to_the_config_file_and_flags_win(tmp_path, run, monkeypatch):
    folder = tmp_path / "etc"
    folder.mkdir()
    config = folder / "heatneed.toml"
    config.write_text(f'[refresh]\noutput_dir = "published"\nforecast = "{FORECAST}"\nscenario = "{SCENARIO}"\n'
                      "[model]\nhorizon_hours = 48.0\n")
    monkeypatch.chdir(tmp_path)  # not the config's folder
    assert run("refresh", "--config", config)[0] == 0
    manifest = check_published(folder / "published")
    assert manifest["params"]["horizon_hours"] == 48.0
    assert run("refresh", "--config", config, "--horizon-hours", "24", "--output-dir", tmp_path / "other")[0] == 0
    assert check_published(tmp_path / "other")["params"]["horizon_hours"] == 24.0
    assert store.read_history(folder / "published")["run_id"].nunique() == 1  # the flag moved the output


def test_wait_settings():
    assert RefreshSettings.from_config({"refresh": {"wait": True}}).wait_s is None
    assert RefreshSettings.from_config({"refresh": {"wait": 90}}).wait_s == 90
    assert RefreshSettings.from_config({"refresh": {"wait": True}}, wait=5.0).wait_s == 5.0
    assert RefreshSettings.from_config({}, wait=float("inf")).wait_s is None
    assert RefreshSettings.from_config({}).wait_s == 0


def test_output_dir_defaults_to_the_environment_then_the_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HEATNEED_OUTPUT_DIR", str(tmp_path / "env"))
    assert RefreshSettings.from_config({}).output_dir == tmp_path / "env"
    monkeypatch.delenv("HEATNEED_OUTPUT_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert RefreshSettings.from_config({}).output_dir == tmp_path / "xdg" / "heatneed"


@pytest.fixture
def three_runs(published, run):
    for tau in ("40", "200"):
        assert run(*refresh_argv(published, "--tau-hours", tau))[0] == 0
    return published


def test_history_prints_each_districts_risk_run_by_run(three_runs, capsys):
    from heatneed.cli import main

    capsys.readouterr()
    assert main(["history", "--output-dir", str(three_runs)]) == 0
    text = capsys.readouterr().out
    history = store.read_history(three_runs)
    latest = history[history["run_id"] == history["run_id"].iloc[-1]]
    lines = text.splitlines()
    assert len(lines) == 2 + N_DISTRICTS
    first = lines[2].split()  # rank 1 of the latest run, then its risk in each of the three runs
    top = latest.iloc[0]
    assert first[:3] == ["1", top["district_name"], top["district_code"]]
    risks = history[history["district_code"] == top["district_code"]]["risk_score"].tolist()
    assert [float(v) for v in first[3:6]] == risks
    assert first[6] == f"{risks[-1] - risks[0]:+.1f}"


def test_history_of_one_district_shows_every_run(three_runs, capsys):
    from heatneed.cli import main

    code = store.read_history(three_runs)["district_code"].iloc[0]
    capsys.readouterr()
    assert main(["history", "--output-dir", str(three_runs), "--district", code, "--runs", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert code in lines[0] and "last 2 runs" in lines[0]
    assert len(lines) == 4 and "min indoor °C" in lines[1]
    temps = store.read_history(three_runs, district=code, limit_runs=2)["min_indoor_c"].tolist()
    assert [f"{t:.1f}" in line for t, line in zip(temps, lines[2:])] == [True, True]


def test_history_csv_is_one_row_per_run_per_district(three_runs, capsys):
    from heatneed.cli import main

    capsys.readouterr()
    assert main(["history", "--output-dir", str(three_runs), "--csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(frame.columns) == store.HISTORY_COLUMNS
    assert len(frame) == 3 * N_DISTRICTS and frame["run_id"].nunique() == 3
    assert frame["published_at"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").all()


def test_history_of_an_unknown_district_is_a_usage_error(published, run):
    code, err = run("history", "--output-dir", published, "--district", "UA00NOPE")
    assert code == 2 and "UA00NOPE is not in the history" in err


def test_history_before_any_run_says_so(tmp_path, run):
    code, err = run("history", "--output-dir", tmp_path)
    assert code == 0 and "no published runs" in err
