"""history.sqlite carries a schema version: older files are migrated in one transaction, newer ones
are refused with exit 2 and nothing published changes."""

from __future__ import annotations

import contextlib
import sqlite3

from heatneed import store

from refresh_support import N_DISTRICTS, files_state, refresh_argv


def columns(path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as con:
        return [row[1] for row in con.execute("PRAGMA table_info(district_runs)")]


def version(path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as con:
        return con.execute("PRAGMA user_version").fetchone()[0]


def make_version_1_history(path, dropped: str) -> None:
    """A history as heatneed wrote it before this column existed (schema version 1, one run)."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        keep = [c for c in columns(path) if c != dropped]
        con.executescript(f"""
            CREATE TABLE old AS SELECT {', '.join(keep)} FROM district_runs;
            DROP TABLE district_runs;
            ALTER TABLE old RENAME TO district_runs;
            PRAGMA user_version = 1;""")
        con.commit()


def test_a_new_history_has_the_current_version(published):
    path = published / store.HISTORY_FILE
    assert version(path) == store.SCHEMA_VERSION
    assert columns(path)[1:] == store.DISTRICT_COLUMNS


def test_an_older_history_without_a_column_is_migrated_and_publishing_goes_on(published, run, caplog):
    path = published / store.HISTORY_FILE
    make_version_1_history(path, "p_indoor_below_12c")
    old = store.read_history(published)  # readable before migration: the column reads as empty
    assert len(old) == N_DISTRICTS and old["p_indoor_below_12c"].isna().all()

    code, err = run(*refresh_argv(published, "--log-level", "WARNING"))
    assert code == 0, err
    assert "migrated from schema version 1 to 2 (columns added: p_indoor_below_12c)" in caplog.text
    assert version(path) == store.SCHEMA_VERSION and "p_indoor_below_12c" in columns(path)
    history = store.read_history(published)
    first, second = (frame for _, frame in history.groupby("run_id", sort=False))
    assert first["p_indoor_below_12c"].isna().all()  # the old run keeps what it had
    latest = store.read_published(published).priority.set_index("district_code")["p_indoor_below_12c"]
    new = second.set_index("district_code")["p_indoor_below_12c"]
    assert new.notna().sum() == latest.notna().sum() == 8  # the two districts without unheated homes: empty
    assert new.equals(latest.reindex(new.index))


def test_a_history_of_a_newer_version_is_refused_with_exit_2_and_nothing_changes(published, run):
    path = published / store.HISTORY_FILE
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute("PRAGMA user_version = 99")
        con.commit()
    before = files_state(published)
    code, err = run(*refresh_argv(published))
    assert code == 2
    assert "history.sqlite" in err  # (a long path is shortened in the middle)
    assert f": history schema version 99 is newer than this heatneed's ({store.SCHEMA_VERSION})" in err
    assert files_state(published) == before
