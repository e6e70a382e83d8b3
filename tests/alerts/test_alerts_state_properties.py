"""Properties of the alert state machine over random sequences of runs (no channels)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings as hsettings, strategies as st

from heatneed import alerts
from heatneed.alerts import state
from heatneed.alerts.levels import LEVEL_RANK, levels

from alert_support import CODES, manifest, priority, settings

CFG = settings()
# A RAM folder where there is one: each run commits with fsync, which a disk makes slow.
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None
row = st.fixed_dictionaries({
    "severity": st.integers(1, 5),
    "p_indoor_below_12c": st.sampled_from([0.0, 0.3, 0.7, 0.95, float("nan")]),
    "hours_to_12c": st.sampled_from([0.0, 5.0, 30.0, 60.0, float("nan")]),
    "hours_to_5c": st.sampled_from([0.0, 20.0, 50.0, float("nan")]),
})
runs = st.lists(st.fixed_dictionaries({CODES[0]: row, CODES[1]: row}), min_size=1, max_size=5)


@hsettings(max_examples=15, deadline=None)
@given(runs, st.lists(st.booleans(), min_size=6, max_size=6))
def test_notifications_follow_the_episode_rules_and_a_repeated_run_adds_nothing(sequence, repeat):
    with tempfile.TemporaryDirectory(dir=SCRATCH) as folder:
        out = Path(folder)
        notified = []
        for n, rows in enumerate(sequence):
            first = alerts.process_run(out, manifest(n), priority(rows), CFG)
            notified += first.events
            if repeat[n]:  # the same run again (a retried job): nothing new, nothing sent
                again = alerts.process_run(out, manifest(n), priority(rows), CFG)
                assert again.already_processed and again.events == []
        events = state.read_events(out, 1000)
        assert len(events) == len(notified)
        assert not events.duplicated(["run_id", "district_code"]).any()
        by_code = {code: [] for code in CODES}
        for n, rows in enumerate(sequence):
            lv = levels(priority(rows), CFG.rules)
            for code in CODES:
                by_code[code].append(lv.at[code, "level"])
        for code in CODES:
            # replay the rules by hand: alert on leaving none, update at a new high, all clear on none
            expected, previous, high = [], "none", None
            for n, level in enumerate(by_code[code]):
                if level == "none" and previous != "none":
                    expected.append((n, "all_clear", "none"))
                    high = None
                elif level != "none" and previous == "none":
                    expected.append((n, "alert", level))
                    high = level
                elif level != "none" and LEVEL_RANK[level] > LEVEL_RANK[high]:
                    expected.append((n, "update", level))
                    high = level
                previous = level
            got = [(int(e.run_id[-1]), e.kind, e.level) for e in notified if e.district_code == code]
            assert got == expected
