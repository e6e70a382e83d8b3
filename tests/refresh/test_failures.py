"""Failures keep the published list: source down (snapshot fallback or exit 1), invalid input (exit 2)."""

from __future__ import annotations

import pytest

from heatneed import store
from heatneed.errors import SourceError
from heatneed.sources.meteostat import MeteostatSource

from refresh_support import (N_DISTRICTS, SCENARIO, check_published, files_state, make_snapshot, refresh_argv,
                             scenario_forecast_now)


def live_argv(out, *extra):
    """A refresh with the default forecast source (meteostat) and the scenario's other inputs."""
    return ["refresh", "--scenario", SCENARIO, "--output-dir", out, *extra]


@pytest.fixture
def meteostat_down(monkeypatch):
    def fail(self, *args, **kwargs):
        raise SourceError("meteostat: connection refused (test)")

    monkeypatch.setattr(MeteostatSource, "_fetch", fail)


def test_source_down_with_a_fresh_snapshot_publishes_a_stale_marked_list(published, run, meteostat_down, caplog):
    snap = make_snapshot(published / "snapshots", "meteostat", age_hours=2)
    code, err = run(*live_argv(published))
    assert code == 0, err
    manifest = check_published(published)
    forecast = manifest["forecast"]
    assert forecast["stale"] is True and forecast["source"] == "meteostat"
    assert forecast["stale_age_hours"] == pytest.approx(2, abs=0.1)
    assert forecast["snapshot_file"] == snap.name
    latest = store.read_published(published)
    assert latest.stale is True
    assert set(latest.priority["forecast_issued_at"]) == {scenario_forecast_now("meteostat").attrs["issued_at"]}
    history = store.read_history(published)
    assert history.drop_duplicates("run_id")["stale"].tolist() == [False, True]
    assert "connection refused" in caplog.text and "STALE" in caplog.text  # the log says why


def test_source_down_with_only_an_old_snapshot_exits_1_and_keeps_the_list(published, run, meteostat_down):
    make_snapshot(published / "snapshots", "meteostat", age_hours=48)
    before = files_state(published)
    code, err = run(*live_argv(published))
    assert code == 1
    assert "connection refused" in err and "48.0 h old (limit 12 h)" in err
    assert files_state(published) == before


def test_source_down_without_any_snapshot_exits_1_and_keeps_the_list(published, run, meteostat_down):
    before = files_state(published)
    code, err = run(*live_argv(published))
    assert code == 1 and "no meteostat snapshot in" in err
    assert files_state(published) == before


def test_snapshot_source_uses_a_fresh_snapshot_and_refuses_an_old_one(published, run):
    """The real live path with no network at all: ``--forecast-source snapshot``."""
    make_snapshot(published / "snapshots", "open-meteo", age_hours=30)
    before = files_state(published)
    code, err = run("refresh", "--forecast-source", "snapshot", "--output-dir", published)
    assert code == 1 and "30.0 h old" in err
    assert files_state(published) == before

    make_snapshot(published / "snapshots", "open-meteo", age_hours=5)
    code, err = run("refresh", "--forecast-source", "snapshot", "--output-dir", published)
    assert code == 0, err
    forecast = check_published(published)["forecast"]
    assert forecast["stale"] is True and forecast["stale_age_hours"] == pytest.approx(5, abs=0.1)


def test_snapshot_age_limit_comes_from_the_flag_then_the_config(published, run, tmp_path):
    make_snapshot(published / "snapshots", "meteostat", age_hours=3)
    before = files_state(published)
    code, err = run("refresh", "--forecast-source", "snapshot", "--output-dir", published,
                    "--max-snapshot-age-hours", "2")
    assert code == 1 and "(limit 2 h)" in err
    config = tmp_path / "heatneed.toml"
    config.write_text("[refresh]\nmax_snapshot_age_hours = 1.5\n")
    code, err = run("refresh", "--forecast-source", "snapshot", "--output-dir", published, "--config", config)
    assert code == 1 and "(limit 1.5 h)" in err
    assert files_state(published) == before
    code, err = run("refresh", "--forecast-source", "snapshot", "--output-dir", published, "--config", config,
                    "--max-snapshot-age-hours", "4")
    assert code == 0, err


def test_source_up_publishes_a_fresh_list_and_saves_a_snapshot(published, run, monkeypatch):
    monkeypatch.setattr(MeteostatSource, "_fetch", lambda self, *a, **k: scenario_forecast_now("meteostat"))
    code, err = run(*live_argv(published))
    assert code == 0, err
    forecast = check_published(published)["forecast"]
    assert forecast["stale"] is False and forecast["source"] == "meteostat"
    assert [p.name.split("_")[0] for p in (published / "snapshots").glob("*.nc")] == ["meteostat"]


def test_invalid_input_exits_2_and_changes_nothing(published, run, tmp_path):
    bad = tmp_path / "unheated.csv"
    lines = (SCENARIO / "unheated.csv").read_text().splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("unheated_buildings")] = "-5"
    bad.write_text("\n".join([lines[0], ",".join(row)] + lines[2:]) + "\n")
    before = files_state(published)
    code, err = run(*refresh_argv(published, "--unheated", bad))
    assert code == 2
    assert "unheated.csv, row 2, column unheated_buildings" in err and "Traceback" not in err
    assert files_state(published) == before
    assert len(store.read_history(published)) == N_DISTRICTS


def test_invalid_config_exits_2_and_changes_nothing(published, run, tmp_path):
    config = tmp_path / "heatneed.toml"
    config.write_text("[refresh]\noutput_folder = 'x'\nkeep_runs = 1\n")
    before = files_state(published)
    code, err = run(*refresh_argv(published, "--config", config))
    assert code == 2
    assert "unknown setting [refresh] output_folder" in err and "keep_runs must be a whole number ≥ 2" in err
    assert files_state(published) == before


def test_forecast_file_and_source_together_are_a_usage_error(published, run):
    before = files_state(published)
    code, err = run(*refresh_argv(published, "--forecast-source", "snapshot"))
    assert code == 2 and "not both" in err
    assert files_state(published) == before
