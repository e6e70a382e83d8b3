"""``python -m heatneed`` as users and schedulers run it: outputs, exit codes, one-line errors."""

import io

import pandas as pd
import pytest

from heatneed.pipeline import PRIORITY_COLUMNS


def test_rank_with_no_inputs_ranks_the_embedded_kyiv_scenario(cli, tmp_path):
    out = tmp_path / "p.csv"
    done = cli("rank", "--out", out)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out)
    assert list(table.columns) == PRIORITY_COLUMNS
    assert len(table) == 10
    assert "ranked 10 districts" in done.stderr


def test_rank_writes_csv_to_stdout_by_default(cli):
    done = cli("rank")
    assert done.returncode == 0
    assert done.stdout.splitlines()[0] == ",".join(PRIORITY_COLUMNS)


def test_hxl_row_sits_under_the_header(cli, tmp_path):
    out = tmp_path / "p.csv"
    assert cli("rank", "--out", out, "--hxl").returncode == 0
    lines = out.read_text().splitlines()
    tags = lines[1].split(",")
    assert tags[:4] == ["#priority", "#adm5+code", "#adm5+name", "#adm1+code"]
    assert all(t.startswith("#") for t in tags) and len(tags) == len(PRIORITY_COLUMNS)
    assert lines[2].startswith("1,UA80")


def test_parquet_output_has_the_same_table(cli, tmp_path):
    assert cli("rank", "--out", tmp_path / "p.parquet").returncode == 0
    assert cli("rank", "--out", tmp_path / "p.csv").returncode == 0
    parquet = pd.read_parquet(tmp_path / "p.parquet")
    csv = pd.read_csv(tmp_path / "p.csv")
    assert list(parquet.columns) == PRIORITY_COLUMNS
    assert parquet["district_code"].tolist() == csv["district_code"].tolist()
    assert parquet["risk_score"].tolist() == csv["risk_score"].tolist()


def test_model_flags_move_the_answer(cli, tmp_path):
    slow = pd.read_csv(io.StringIO(cli("rank", "--tau-hours", "200").stdout)).set_index("district_code").sort_index()
    fast = pd.read_csv(io.StringIO(cli("rank", "--tau-hours", "40").stdout)).set_index("district_code").sort_index()
    modelled = slow["min_indoor_c"].notna()  # empty where no homes are unheated
    assert modelled.sum() == 8
    assert (fast["min_indoor_c"] < slow["min_indoor_c"])[modelled].all()
    config = tmp_path / "c.toml"
    config.write_text("[model]\ntau_hours = 40.0\n")
    via_config = pd.read_csv(io.StringIO(cli("rank", "--config", config).stdout)).set_index("district_code").sort_index()
    pd.testing.assert_frame_equal(via_config, fast)


def test_bad_input_exits_2_with_one_line_and_keeps_the_existing_output(cli, tmp_path, scenario_dir):
    out = tmp_path / "p.csv"
    out.write_text("previous list\n")
    bad = tmp_path / "unheated.csv"
    bad.write_text("district_code,reported_at,unheated_buildings\nUA80000000000126643,2026-02-01,-4\n")
    done = cli("rank", "--unheated", bad, "--out", out)
    assert done.returncode == 2
    assert done.stderr == ("heatneed: error: unheated.csv, row 2, column unheated_buildings: "
                           "must be ≥ 0 (got -4.0)\n")
    assert out.read_text() == "previous list\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "unheated.csv"]  # no temp file left


@pytest.mark.parametrize(("args", "needle"), [
    (["rank", "--tau-hours", "0"], "tau_hours must be a number > 0"),
    (["rank", "--out", "p.txt"], "output must end in .csv, .parquet or .xlsx"),
    (["rank", "--scenario", "/nonexistent"], "scenario folder not found"),
    (["rank", "--nonsense"], "unrecognized arguments: --nonsense"),
    (["rank", "--forecast", "f.csv", "--forecast-source", "meteostat"], "either --forecast FILE or"),
])
def test_usage_errors_exit_2_without_traceback(cli, args, needle):
    done = cli(*args)
    assert done.returncode == 2
    assert needle in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_validate_reports_every_problem_in_every_file(cli, tmp_path, scenario_dir):
    outages = tmp_path / "outages.csv"
    outages.write_text("district_code;status;hours_off_per_day;reported_at\n"
                       "UA80000000000126643;scheduled;;2026-02-01\n"
                       "UA80000000000210193;blackout;3;2026-02-01\n"
                       "XX;none;0;2026-02-01\n")
    unheated = tmp_path / "unheated.csv"
    unheated.write_text("district_code,reported_at,unheated_buildings\nUA80000000000126643,yesterday,5\n")
    done = cli("validate", scenario_dir / "districts.csv", outages, unheated)
    assert done.returncode == 2
    errors = done.stderr.splitlines()
    assert "heatneed: error: outages.csv, row 3, column status: must be one of none, scheduled, emergency " \
           "(got 'blackout')" in errors
    assert any("outages.csv, row 4, column district_code: district_code 'XX'" in e for e in errors)
    assert any("outages.csv, row 2, column hours_off_per_day: status 'scheduled' needs" in e for e in errors)
    assert any("unheated.csv, row 2, column reported_at: must be an ISO 8601" in e for e in errors)
    assert done.stdout.strip() == "districts.csv: OK (districts)"


def test_validate_accepts_the_embedded_scenario(cli, scenario_dir):
    done = cli("validate", *sorted(scenario_dir.glob("*.csv")))
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 4
