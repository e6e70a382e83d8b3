"""Publishing: the latest list, its manifest, dated lists, run folders and the history."""

from __future__ import annotations

import json
import os
import sqlite3

import pandas as pd
import pytest

from heatneed import __version__, pipeline, store
from heatneed.config import model_params
from heatneed.export import priority_bytes

from refresh_support import FORECAST, N_DISTRICTS, SCENARIO, check_published, refresh_argv, sha256


def test_two_refreshes_give_two_history_runs_and_one_latest_list(tmp_path, run):
    out = tmp_path / "out"
    manifests = []
    for _ in range(2):
        code, err = run(*refresh_argv(out))
        assert code == 0, err
        manifests.append(check_published(out))
    first, second = manifests
    assert first["run_id"] != second["run_id"]
    assert os.readlink(out / "latest") == f"runs/{second['run_id']}"
    assert sorted(p.name for p in (out / "runs").iterdir()) == sorted([first["run_id"], second["run_id"]])
    # Same forecast issue, same bytes: one dated list, named by the issue time, shared by both runs.
    assert sorted(p.name for p in (out / "lists").iterdir()) == ["needs_2026-02-01T0000Z.csv",
                                                                 "priority_2026-02-01T0000Z.csv"]
    history = store.read_history(out)
    assert list(history["run_id"].unique()) == [first["run_id"], second["run_id"]]
    assert len(history) == 2 * N_DISTRICTS
    assert history.groupby("run_id")["district_code"].nunique().tolist() == [N_DISTRICTS, N_DISTRICTS]


def test_published_list_is_the_ranking_and_the_manifest_describes_it(tmp_path, run):
    out = tmp_path / "out"
    assert run(*refresh_argv(out))[0] == 0
    expected = pipeline.rank(pipeline.load_inputs(forecast=FORECAST), model_params())

    published = store.read_published(out)
    pd.testing.assert_frame_equal(published.priority, expected.priority)  # values and dtypes
    assert (out / "latest" / "priority.csv").read_bytes() == priority_bytes(expected.priority)
    m = published.manifest
    assert m["format"] == store.MANIFEST_FORMAT and m["heatneed_version"] == __version__
    assert m["forecast"] == {"source": "file:forecast.csv", "issued_at": "2026-02-01T00:00:00Z", "stale": False,
                             "stale_age_hours": 0.0, "snapshot_file": None, "covered_hours": 72.0}
    assert m["data_as_of"] == "2026-02-01T06:00:00Z" and m["districts"] == N_DISTRICTS
    for role in ("districts", "unheated", "outages", "forecast"):
        assert m["inputs"][role] == {"file": f"{role}.csv", "sha256": sha256((SCENARIO / f"{role}.csv").read_bytes())}
    assert m["params"]["tau_hours"] == 51.0 and m["params"]["horizon_hours"] == 72.0
    assert set(m["files"]) == {"latest/priority.csv", "lists/priority_2026-02-01T0000Z.csv",
                               "latest/needs.csv", "lists/needs_2026-02-01T0000Z.csv"}
    # The embedded forecast was issued on 1 Feb 2026: far older than stale_after_hours (24 h) today.
    assert published.stale is True and m["data_state"]["stale"] is True
    # Every input is the embedded, illustrative scenario (the forecast named by path, the rest by default).
    assert m["data_state"]["embedded"] == ["districts", "unheated", "outages", "forecast"]
    assert m["data_state"]["label"] == "embedded: districts, unheated, outages, forecast; stale"
    assert m["data_state"]["forecast_age_hours"] > 24 * 30 and m["data_state"]["stale_after_hours"] == 24.0
    assert 0 <= published.age_hours < 0.1
    assert published.published_at == pd.Timestamp(m["published_at"])
    later = store.read_published(out, now=published.published_at + pd.Timedelta(hours=7.5))
    assert later.age_hours == pytest.approx(7.5)


def test_a_changed_list_for_the_same_forecast_issue_gets_its_own_dated_file(published, run):
    out = published
    first = (out / "lists" / "priority_2026-02-01T0000Z.csv").read_bytes()
    assert run(*refresh_argv(out, "--tau-hours", "40"))[0] == 0
    manifest = check_published(out)
    assert "lists/priority_2026-02-01T0000Z_2.csv" in manifest["files"]
    assert (out / "lists" / "priority_2026-02-01T0000Z.csv").read_bytes() == first  # never rewritten
    assert manifest["params"]["tau_hours"] == 40.0


def test_old_run_folders_and_leftovers_of_killed_runs_are_pruned(tmp_path, run):
    out = tmp_path / "out"
    config = tmp_path / "heatneed.toml"
    config.write_text("[refresh]\nkeep_runs = 2\n")
    for _ in range(2):
        assert run(*refresh_argv(out, "--config", config))[0] == 0
    # What a run killed mid-publish leaves behind.
    (out / "runs" / "20000101T000000Z-dead00").mkdir()
    (out / "lists" / ".priority_x.csv.abc.tmp").write_text("half")
    os.symlink("runs/nowhere", out / ".latest.20000101T000000Z-dead00.tmp")
    assert run(*refresh_argv(out, "--config", config))[0] == 0
    manifest = check_published(out)
    runs = sorted(p.name for p in (out / "runs").iterdir())
    assert len(runs) == 2 and manifest["run_id"] in runs
    assert not list((out / "lists").glob(".*")) and not list(out.glob(".latest.*"))
    assert store.read_history(out)["run_id"].nunique() == 3  # history keeps every run


def test_read_published_is_none_before_anything_is_published(tmp_path):
    assert store.read_published(tmp_path / "missing") is None
    assert store.read_published(tmp_path) is None
    os.symlink("runs/gone", tmp_path / "latest")  # dangling link
    assert store.read_published(tmp_path) is None


def test_read_published_returns_the_last_whole_state_beside_a_half_written_run(published):
    out = published
    before = store.read_published(out)
    half = out / "runs" / "29991231T000000Z-half00"
    half.mkdir()
    (half / "priority.csv").write_bytes(b"rank,district_code\n1,UA")
    (out / "lists" / ".priority_2026.csv.x.tmp").write_bytes(b"rank,dis")
    after = store.read_published(out)
    assert after.manifest == before.manifest
    pd.testing.assert_frame_equal(after.priority, before.priority)


def test_read_published_never_returns_a_list_that_does_not_match_its_manifest(published):
    out = published
    target = out / "latest" / "priority.csv"
    target.write_bytes(target.read_bytes()[:100])  # torn by hand: no refresh ever does this
    assert store.read_published(out) is None


def test_a_run_published_but_not_recorded_is_recorded_by_the_next_run(published, run):
    out = published
    lost = check_published(out)["run_id"]
    with sqlite3.connect(out / "history.sqlite") as con:  # as if killed between the swap and the history
        con.execute("DELETE FROM district_runs WHERE run_id = ?", (lost,))
        con.execute("DELETE FROM runs WHERE run_id = ?", (lost,))
    assert store.read_history(out).empty
    assert run(*refresh_argv(out))[0] == 0
    history = store.read_history(out)
    assert list(history["run_id"].unique()) == [lost, check_published(out)["run_id"]]


def test_record_run_is_idempotent(published):
    out = published
    published = store.read_published(out)
    assert store.record_run(out, published.manifest, published.priority) is False
    assert len(store.read_history(out)) == N_DISTRICTS


def test_read_history_filters_a_district_and_the_last_runs(tmp_path, run):
    out = tmp_path / "out"
    for tau in ("100", "40", "200"):
        assert run(*refresh_argv(out, "--tau-hours", tau))[0] == 0
    everything = store.read_history(out, limit_runs=None)
    assert everything["run_id"].nunique() == 3
    assert list(everything.columns) == store.HISTORY_COLUMNS
    code = everything["district_code"].iloc[0]
    one = store.read_history(out, district=code, limit_runs=2)
    assert list(one["district_code"].unique()) == [code]
    assert list(one["run_id"]) == list(everything["run_id"].unique()[1:])  # the last two, oldest first
    assert one["published_at"].dt.tz is not None and one["forecast_issued_at"].iloc[0] == pd.Timestamp(
        "2026-02-01T00:00:00Z")
    assert one["residents_unheated"].dtype == "Int64" and one["stale"].dtype == bool
    # A longer time constant keeps flats warmer: the trend shows the change run by run.
    temps = store.read_history(out, district=code, limit_runs=None)["min_indoor_c"].tolist()
    assert temps[1] < temps[0] < temps[2]
    assert store.read_history(tmp_path / "nothing-here").empty


def test_history_table_holds_exactly_what_was_published(published):
    out = published
    published = store.read_published(out).priority
    history = store.read_history(out)
    for col in store.DISTRICT_COLUMNS:
        pd.testing.assert_series_equal(history[col], published[col], check_names=False)


def test_a_latest_folder_that_is_not_our_link_is_refused_not_overwritten(tmp_path, run):
    out = tmp_path / "out"
    (out / "latest").mkdir(parents=True)
    (out / "latest" / "priority.csv").write_text("someone else's file\n")
    code, err = run(*refresh_argv(out))
    assert code == 1 and "latest" in err and "move it out of the way" in err
    assert (out / "latest" / "priority.csv").read_text() == "someone else's file\n"


def test_published_files_are_readable_by_other_users(tmp_path, run):
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        assert run(*refresh_argv(out))[0] == 0
    finally:
        os.umask(old)
    manifest = json.loads((out / "latest" / "manifest.json").read_text())
    for name in list(manifest["files"]) + ["latest/manifest.json"]:
        assert os.stat(out / name).st_mode & 0o777 == 0o644, name
