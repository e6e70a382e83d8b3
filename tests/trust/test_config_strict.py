"""Issue 11, class 6: config files and flags are strict. Each hostile case exits 2 with one line
naming the file (or flag) and leaves ``--out`` untouched; the allowed keys come from
``heatneed/defaults.toml``, so settings added there are accepted without code changes."""

from __future__ import annotations

import math

import pytest

from heatneed import cli, config
from heatneed.config import check_against_schema, load_config, model_params
from heatneed.errors import InputError

#: (config file text, what the one error line must say)
HOSTILE_CONFIGS = [
    ("[modle]\ntau_hours = 50.0\n", "unknown section [modle] (did you mean [model]?)"),
    ("[forecast]\ntimeout = 5.0\n", "unknown setting [forecast] timeout (did you mean timeout_s?)"),
    ("[model]\ntau_hours = true\n", "[model] tau_hours must be a number (got True)"),
    ("[model]\ntau_hours = nan\n", "[model] tau_hours must be a finite number (got nan)"),
    ("[model]\ninitial_indoor_c = inf\n", "[model] initial_indoor_c must be a finite number (got inf)"),
    ("[model]\nhorizon_hours = -inf\n", "[model] horizon_hours must be a finite number (got -inf)"),
    ("[model]\ntau_hours = 1e400\n", "[model] tau_hours must be a finite number (got inf)"),
    ("[model]\ntau_hours = \"100\"\n", "[model] tau_hours must be a number (got '100')"),
    ("[model]\ntau_low_hours = 300.0\n", "tau_low_hours ≤ tau_high_hours (got 300 > 72)"),
    ("[model]\ntau_high_hours = 10.0\n", "(got 26 > 10)"),
    ("[model]\nheater_gain_k = -5.0\n", "heater_gain_k must be ≥ 0"),
    ("[scores]\nband_weights = [1.0, nan, 4.0, 8.0]\n", "[scores] band_weights must be finite numbers"),
    ("[scores]\nband_weights = [8.0, 4.0, 2.0, 1.0]\n", "band_weights must be 4 increasing numbers > 0"),
    ("[scores]\nband_weights = [\"1\", \"2\"]\n", "[scores] band_weights must be a list of numbers"),
    ("[scores]\nseverity_labels = [\"a\", \"b\"]\n", "severity_labels must be 5 names"),
    ("[thresholds]\nlow_c = 19.0\n", "health thresholds must decrease"),
    ("[thresholds]\nmoderate_c = nan\n", "[thresholds] moderate_c must be a finite number"),
    ("[forecast]\nensemble = 1\n", "[forecast] ensemble must be true or false (got 1)"),
    ("[forecast]\nmax_snapshot_age_hours = nan\n", "[forecast] max_snapshot_age_hours must be a finite number"),
    ("[forecast]\nstale_after_hours = \"a day\"\n", "[forecast] stale_after_hours must be a number"),
    ("[refresh]\nkeep_runs = \"ten\"\n", "[refresh] keep_runs must be a whole number (got 'ten')"),
    ("[refresh]\nwait = \"x\"\n", "[refresh] wait must be true or false or a number (got 'x')"),
    ("[dask]\nscheduler = 8786\n", "[dask] scheduler must be text in quotes (got 8786)"),
    ("[app]\ntable_rows = 0\n", "[app] table_rows must be a whole number ≥ 1 (got 0)"),
    ("[app]\ntable_rows = 12.5\n", "[app] table_rows must be a whole number (got 12.5)"),
    ("tau_hours = 50.0\n", "unknown setting tau_hours (put it under [model])"),
    ("model = 3\n", "[model] must be a table, not a whole number"),
    ("[model\ntau_hours = 1\n", "not valid TOML"),
]
#: (flags, what the one error line must say)
HOSTILE_FLAGS = [
    (["--initial-indoor-c", "nan"], "argument --initial-indoor-c: must be a finite number (got 'nan')"),
    (["--tau-hours", "inf"], "argument --tau-hours: must be a finite number (got 'inf')"),
    (["--horizon-hours", "abc"], "argument --horizon-hours: must be a number (got 'abc')"),
    (["--heater-gain-k=-inf"], "argument --heater-gain-k: must be a finite number"),
    (["--tau-hours", "0"], "tau_hours must be a number > 0"),
    (["--internal-gain-k", "-1"], "internal_gain_k must be ≥ 0"),
    (["--horizon-hours", "0"], "horizon_hours must be a number > 0"),
]


def _rank(argv, tmp_path, capsys):
    out = tmp_path / "priority.csv"
    out.write_bytes(b"previous list\n")
    code = cli.main(["rank", *argv, "--out", str(out)]) if "--out" not in argv else cli.main(["rank", *argv])
    err = capsys.readouterr().err
    return code, err, out


@pytest.mark.parametrize(("text", "needle"), HOSTILE_CONFIGS, ids=[c[0].split("\n")[0][:30] for c in HOSTILE_CONFIGS])
def test_hostile_config_exits_2_with_one_line_and_keeps_out(text, needle, tmp_path, capsys):
    path = tmp_path / "heatneed.toml"
    path.write_text(text, encoding="utf-8")
    try:
        code, err, out = _rank(["--config", str(path)], tmp_path, capsys)
    except SystemExit as exc:  # argparse
        code, err, out = exc.code, capsys.readouterr().err, tmp_path / "priority.csv"
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"heatneed: error: {path}") and needle in lines[0], lines[0]
    assert out.read_bytes() == b"previous list\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["heatneed.toml", "priority.csv"]


@pytest.mark.parametrize(("flags", "needle"), HOSTILE_FLAGS, ids=[" ".join(f) for f, _ in HOSTILE_FLAGS])
def test_hostile_flag_exits_2_with_one_line_and_keeps_out(flags, needle, tmp_path, capsys):
    try:
        code, err, out = _rank(flags, tmp_path, capsys)
    except SystemExit as exc:  # argparse rejects the value before anything runs
        code, err, out = exc.code, capsys.readouterr().err, tmp_path / "priority.csv"
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1 and needle in lines[0], lines
    assert out.read_bytes() == b"previous list\n"


@pytest.mark.parametrize("flags", [["--wait", "nan"], ["--max-snapshot-age-hours", "-1"],
                                   ["--max-snapshot-age-hours", "inf"]])
def test_refresh_number_flags_refuse_nan_and_negatives(flags, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["refresh", "--output-dir", str(tmp_path / "out"), *flags])
    assert exc.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and flags[0] in lines[0]
    assert not (tmp_path / "out").exists()


def test_every_problem_of_a_file_is_reported(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[modle]\n[model]\ntau_hours = nan\ntimeout = 3\n[forecast]\nensemble = 1\n")
    with pytest.raises(InputError) as exc:
        load_config(path)
    assert len(exc.value.problems) == 4


def test_the_example_config_and_every_default_are_accepted():
    assert load_config(config.DEFAULTS_FILE.parent.parent / "examples" / "heatneed.toml")["refresh"]["keep_runs"] == 10
    doc = load_config()
    assert "optional" not in doc and doc["forecast"]["stale_after_hours"] == 24.0


def test_keys_without_default_accept_each_declared_kind(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[refresh]\nwait = true\nkeep_runs = 3\noutput_dir = "x"\n'
                    '[forecast]\nmodels = ["a", "b"]\n[dask]\nscheduler = "tcp://127.0.0.1:8786"\n')
    doc = load_config(path)
    assert doc["refresh"]["wait"] is True and doc["forecast"]["models"] == ["a", "b"]
    path.write_text('[refresh]\nwait = 12.5\n[forecast]\nmodels = "ecmwf_ifs025"\n')
    assert load_config(path)["refresh"]["wait"] == 12.5


def test_a_section_added_to_defaults_toml_is_checked_without_code_changes(tmp_path, monkeypatch):
    defaults = tmp_path / "defaults.toml"
    defaults.write_text(config.DEFAULTS_FILE.read_text(encoding="utf-8")
                        + '\n[pager]\nenabled = false\n[pager.email]\nport = 25\nhost = ""\n', encoding="utf-8")
    monkeypatch.setattr(config, "DEFAULTS_FILE", defaults)
    config.schema.cache_clear()
    try:
        assert not check_against_schema({"pager": {"enabled": True, "email": {"port": 587, "host": "smtp"}}}, "c")
        assert check_against_schema({"pager": {"email": {"port": "587"}}}, "c") == [
            "c: [pager.email] port must be a whole number (got '587')"]
        assert check_against_schema({"pager": {"emial": {"port": 1}}}, "c") == [
            "c: unknown setting [pager] emial (did you mean email?)"]
        assert check_against_schema({"pager": {"email": {"prot": 1}}}, "c") == [
            "c: unknown setting [pager.email] prot (did you mean port?)"]
    finally:
        config.schema.cache_clear()


@pytest.mark.parametrize("settings", [{"tau_hours": math.nan}, {"initial_indoor_c": math.inf},
                                      {"tau_low_hours": 150.0, "tau_hours": 100.0},
                                      {"tau_high_hours": 20.0}, {"heater_gain_k": True}])
def test_app_settings_get_the_same_checks(settings):
    """The app builds its parameters with ``model_params(config, **widgets)``: same validation."""
    with pytest.raises(InputError) as exc:
        model_params(load_config(), **settings)
    assert all(line.startswith("settings: ") for line in exc.value.problems)


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_a_config_that_is_not_a_regular_file_is_refused_without_reading(kind, tmp_path, capsys):
    import os

    path = tmp_path / "c.toml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path = "/dev/zero"
    code, err, out = _rank(["--config", str(path)], tmp_path, capsys)
    assert code == 2 and len(err.splitlines()) == 1 and str(path) in err
    assert out.read_bytes() == b"previous list\n"
