"""Issue 11, class 8: nothing in ``lists/`` or ``runs/`` without its manifest, whatever fails; the
lock never follows a symlink nor opens anything but a plain file."""

from __future__ import annotations

import json
import os
import threading

import pytest

from heatneed import store
from heatneed.pipeline import EMBEDDED_SCENARIO

CSV = (b"rank,district_code,district_name,admin1_code,risk_score,severity,severity_label,residents_unheated,"
       b"unheated_buildings,outage_status,hours_off_per_day,min_temp_c,min_wind_chill_c,min_indoor_c,hours_to_12c,"
       b"hours_to_5c,person_hours_below_12c,p_indoor_below_12c,main_driver,completeness,forecast_issued_at,"
       b"data_as_of,data_state\n"
       b"1,UA1,A,UA80,5.0,4,Extreme,100,2,none,0.0,-20.0,-25.0,3.0,5.0,30.0,4000,1.0,indoor cold,complete,"
       b"2026-02-01T00:00:00Z,2026-02-01T06:00:00Z,real\n")
INFO = {"forecast": {"source": "file:forecast.csv", "issued_at": "2026-02-01T00:00:00Z", "stale": False}}


def _tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if "history.sqlite" not in p.name)


def _first(folder):
    store.publish(folder, CSV, INFO)
    return _tree(folder), os.readlink(folder / "latest")


@pytest.mark.parametrize("breaks", ["runs_is_a_file", "manifest_write", "dated_list_write", "link", "history"])
def test_a_failed_publication_leaves_no_list_without_its_manifest(tmp_path, monkeypatch, breaks):
    folder = tmp_path / "out"
    before, latest = _first(folder)
    other = CSV.replace(b"5.0,4,Extreme", b"6.0,4,Extreme").replace(b"2026-02-01T00:00:00Z,2026",
                                                                   b"2026-02-02T00:00:00Z,2026")
    info = {"forecast": {**INFO["forecast"], "issued_at": "2026-02-02T00:00:00Z"}}
    real_write = store._write_readable
    if breaks == "runs_is_a_file":  # as a read-only runs/ would: nothing can be made in it
        for run in (folder / "runs").iterdir():
            (folder / "keep").mkdir(exist_ok=True)
            run.rename(folder / "keep" / run.name)
        (folder / "runs").rmdir()
        (folder / "runs").write_text("not a folder")
        before = _tree(folder)
    elif breaks == "manifest_write":
        monkeypatch.setattr(store, "_write_readable", lambda path, data: (_ for _ in ()).throw(
            OSError(28, "No space left on device", str(path))) if path.name == "manifest.json" else real_write(path, data))
    elif breaks == "dated_list_write":
        monkeypatch.setattr(store, "_write_readable", lambda path, data: (_ for _ in ()).throw(
            OSError(30, "Read-only file system", str(path))) if path.parent.name == "lists" else real_write(path, data))
    elif breaks == "link":
        monkeypatch.setattr(store.os, "symlink", lambda *a: (_ for _ in ()).throw(OSError(1, "not permitted")))
    elif breaks == "history":
        monkeypatch.setattr(store, "record_run", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "full")))
    with pytest.raises(OSError):
        store.publish(folder, other, info)
    monkeypatch.undo()
    assert _tree(folder) == before  # no dated list, no run folder, no temporary link left
    if breaks != "runs_is_a_file":
        assert os.readlink(folder / "latest") == latest
    assert not list((folder / "lists").glob("priority_2026-02-02*"))


def test_leftovers_of_a_run_killed_before_its_swap_go_with_the_next_run(tmp_path):
    folder = tmp_path / "out"
    store.publish(folder, CSV, INFO)
    # what a run killed between writing its dated list and the swap leaves behind
    killed = folder / "runs" / "20990101T000000Z-abcdef"
    killed.mkdir()
    orphan = "lists/priority_2026-03-01T0000Z.csv"
    (folder / orphan).write_bytes(CSV)
    (killed / "priority.csv").write_bytes(CSV)
    (killed / "manifest.json").write_text(json.dumps({"files": {"latest/priority.csv": {}, orphan: {}}}))
    manifest = store.publish(folder, CSV, INFO)
    assert not killed.exists() and not (folder / orphan).exists()
    named = set()
    for run in (folder / "runs").iterdir():  # every dated list is named by a published manifest
        named |= set(json.loads((run / "manifest.json").read_text())["files"])
    assert {f"lists/{p.name}" for p in (folder / "lists").iterdir()} <= named
    assert manifest["run_id"] in os.readlink(folder / "latest")


def test_the_lock_never_follows_a_symlink(tmp_path):
    folder, outside = tmp_path / "out", tmp_path / "precious.txt"
    folder.mkdir()
    outside.write_text("do not truncate me\n")
    (folder / ".lock").symlink_to(outside)
    with pytest.raises(OSError, match="symbolic link"):
        with store.refresh_lock(folder):
            pass
    assert outside.read_text() == "do not truncate me\n"


def test_the_lock_refuses_a_fifo_without_blocking(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    os.mkfifo(folder / ".lock")
    outcome = []

    def take():
        try:
            with store.refresh_lock(folder):
                outcome.append("locked")
        except OSError as exc:
            outcome.append(str(exc))

    worker = threading.Thread(target=take, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive() and "not a plain file" in outcome[0]


def test_refresh_with_a_symlinked_lock_exits_1_and_publishes_nothing(tmp_path, capsys):
    from heatneed import cli

    folder, outside = tmp_path / "out", tmp_path / "precious.txt"
    folder.mkdir()
    outside.write_text("keep\n")
    (folder / ".lock").symlink_to(outside)
    code = cli.main(["refresh", "--scenario", str(EMBEDDED_SCENARIO), "--output-dir", str(folder)])
    assert code == 1 and "symbolic link" in capsys.readouterr().err
    assert outside.read_text() == "keep\n" and sorted(p.name for p in folder.iterdir()) == [".lock"]
