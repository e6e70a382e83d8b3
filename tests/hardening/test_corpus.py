"""The hostile-input corpus (tools/make_bad_inputs.py): clear errors, exit 2, nothing lost.

Every file goes through ``rank`` exactly as a user or scheduler passes it (``--districts FILE``,
``--unheated FILE``, …, everything else from the embedded scenario). Bad files must give exit 2,
one line per problem naming the file, no traceback, and leave an existing output byte-identical.
Hostile-but-valid files (legacy encodings, odd case, formula-like names) must rank.
"""

import csv
from pathlib import Path

import pandas as pd
import pytest

from heatneed import cli

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES = list(csv.DictReader(open(CORPUS / "EXPECTED.csv", encoding="utf-8")))


def test_the_corpus_is_broad():
    assert len(CASES) >= 40
    assert {c["role"] for c in CASES} == {"districts", "unheated", "outages", "forecast", "warming_sites"}


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_rank_on_hostile_file(case, tmp_path, capsys):
    out = tmp_path / "priority.csv"
    out.write_bytes(b"last good list\n")
    flag = "--" + case["role"].replace("_", "-")
    code = cli.main(["rank", flag, str(CORPUS / case["file"]), "--out", str(out)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if case["outcome"] == "ok":
        assert code == 0, err
        assert len(pd.read_csv(out)) == 10
        return
    assert code == 2, err
    lines = err.splitlines()
    assert lines and all(line.startswith(f"heatneed: error: {case['file']}") for line in lines), err
    assert case["message"] in err
    assert out.read_bytes() == b"last good list\n"
    assert [p.name for p in tmp_path.iterdir()] == ["priority.csv"]


def test_legacy_cp1251_names_are_read_correctly(tmp_path, capsys):
    from heatneed.inputs import load_districts

    reg = load_districts(CORPUS / "d_cp1251_ok.csv")
    assert reg["district_name_uk"].iloc[0] == "Район 0"
