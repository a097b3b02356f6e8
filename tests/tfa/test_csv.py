"""The CSV formats of `clearway tfa load`, `clearway tfa projects` and `clearway workforce load` (docs/tfa.md):
a file with any bad line is refused whole, each refusal naming its line and field."""

import subprocess
import sys

import pytest

from clearway.errors import Invalid
from clearway.tfa import csvfile
from clearway.workforce import csvfile as workforce_csv

HEAD = "economy,measure,category,definitive_date,status,percent,priority,ta_needed,evidence\n"


def test_a_good_file_reads_with_defaults_for_blank_cells():
    rows = csvfile.read(HEAD + "pg,7.4,C,2030-12-31,in_progress,30,high,training,\nPG,3,C,,,,,,\n")
    (line1, (e1, m1, b1)), (line2, (e2, m2, b2)) = rows
    assert (line1, e1, m1, b1.percent, b1.priority) == (2, "PG", "7.4", 30, "high")
    assert (line2, m2, b2.status, b2.percent, b2.priority) == (3, "3", "not_started", 0, None)


def test_every_bad_line_is_named_with_its_field():
    text = HEAD + ("PG,7.4,C,2030-12-31,in_progress,30,high,,\n"
                   "ZZ,7.4,C,,,,,,\n"
                   "PG,7.77,B,,,,,,\n"
                   "PG,7.1,B,,implemented,100,,,\n"
                   "PG,7.6,B,31/12/2030,,,,,\n"
                   "PG,7.4,C,,,,,,\n")
    with pytest.raises(Invalid) as refused:
        csvfile.read(text)
    assert [e.path for e in refused.value.errors] == ["line 3: economy", "line 4: measure", "line 5: evidence",
                                                      "line 6: definitive_date"]
    with pytest.raises(Invalid) as twice:
        csvfile.read(HEAD + "PG,7.4,C,,,,,,\nPG,7.4,B,,,,,,\n")
    assert twice.value.errors[0].path == "line 3: measure" and "already on line 2" in twice.value.errors[0].reason


def test_an_unknown_or_missing_column_refuses_the_header():
    with pytest.raises(Invalid) as refused:
        csvfile.read("economy,measure,categroy\nPG,7.4,C\n")
    assert [e.reason for e in refused.value.errors] == [
        "column 'categroy' is not one of: " + ", ".join(csvfile.COLUMNS), "column 'category' is required"]


def test_projects_take_lists_separated_by_semicolons():
    [(_, (code, body))] = csvfile.read_projects("code,title,donor,measures,eligible,modality\n"
                                                "trs-1,TRS,WCO,7.6; 10.4,PG;vn,regional\n")
    assert (code, body.measures, body.eligible) == ("trs-1", ["7.6", "10.4"], ["PG", "VN"])


def test_workforce_counts_by_grade_and_counts_that_do_not_add_up():
    head = "economy,year,staff,women,grade.senior.staff,grade.senior.women\n"
    [(_, (economy, year, body))] = workforce_csv.read(head + "TH,2025,100,40,10,3\n")
    assert (economy, year, body.grades["senior"].women) == ("TH", 2025, 3)
    with pytest.raises(Invalid) as refused:
        workforce_csv.read(head + "TH,2025,100,40,10,3\nTH,2024,100,140,10,3\nTH,x,1,1,,\n")
    assert [(e.path, e.reason) for e in refused.value.errors] == [
        ("line 3: women", "is 140, more than staff (100)"), ("line 4: year", "must be a year, e.g. 2025")]


def test_the_command_exits_2_with_one_line_naming_the_line_and_field(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEAD + "PG,7.77,B,,,,,,\n")
    done = subprocess.run([sys.executable, "-m", "clearway", "tfa", "load", str(bad)], capture_output=True, text=True,
                          env={"CLEARWAY_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert done.stderr.strip() == "error: line 2: measure: is not one of the 36 TFA measures (e.g. 7.1)"
