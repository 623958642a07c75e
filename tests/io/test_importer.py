"""Import: nothing lost (rows in = stored + rejected), clear problems, transactions, re-import."""

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linewise.errors import InputFileError
from linewise.io.importer import import_files, validate_files
from linewise.store.store import Store

PATIENTS_CSV = """id,dob,sex,diagnosis_date,metastatic_diagnosis,ER,pgr,her2,grade,death_date,last_contact
P1,1960,F,2015-03-01,2017-05-02,90%,neg,3+,III,,2020-01-01
P2,1961-13-01,M,2015-03-01,2017-05-02,pos,-,3+,G2,,2020-01-01
P3,12.04.1970,w,2014-03,2013-01-01,+,pos,2+,G5,2019-01-01,2019-02-01
P1,1960,F,2015-03-01,2017-05-02,90%,neg,3+,III,,2020-01-01
P4,1950,F,2015-03-01,2016-05-02,0%,neg,3+,G2,2018-01-01,2017-12-01
"""

LINES_CSV = """patient_id;line;setting;start;end;regimen;end_reason;progression_date
P1;1;metastatic;01/06/2017;20/12/2017;Herceptin + Perjeta + Taxotere;progression;15/12/2017
P1;2;metastatic;10/01/2018;10/01/2017;T-DM1;progression;
P1;3;metastatic;10/01/2019;;pertuzamab;ongoing;
P9;1;metastatic;10/01/2019;;TDM1;ongoing;
P4;1;metastatic;01/06/2016;;Kadcyla;death;
P4;2;metastatic;01/06/2018;;Kadcyla;death;
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "patients.csv").write_text(PATIENTS_CSV, encoding="utf-8")
    (tmp_path / "lines.csv").write_text(LINES_CSV, encoding="utf-8")
    return tmp_path


def _problems(report):
    return sorted((int(r.row), r.rule) for r in report.issues.itertuples() if r.severity == "error")


def test_rows_in_equal_stored_plus_rejected_and_each_problem_named(files):
    store = Store.open(files / "reg.duckdb")
    pats, lines = import_files(store, [files / "lines.csv", files / "patients.csv"])  # reordered: patients first
    assert (pats.table, lines.table) == ("patients", "therapy_lines")
    assert (pats.rows_read, pats.rows_stored, pats.rows_rejected) == (5, 2, 3)
    assert _problems(pats) == [(3, "type"), (4, "code"), (4, "contact_after_death"), (4, "metastatic_before_diagnosis"), (5, "duplicate_key")]
    assert (lines.rows_read, lines.rows_stored, lines.rows_rejected) == (6, 2, 4)
    assert _problems(lines) == [(3, "end_before_start"), (4, "drug_unknown"), (5, "unknown_patient"), (7, "line_after_death")]
    assert store.count("patients") == 2 and store.count("therapy_lines") == 2
    stored = store.table("therapy_lines").order_by(["patient_id", "line_number"]).execute()
    assert stored["agents"].map(list).tolist() == [["trastuzumab", "pertuzumab", "docetaxel"], ["trastuzumab emtansine"]]
    assert stored["_source_row"].tolist() == [2, 6]
    # every problem is one line naming file, row, column, value and rule
    msg = next(m for m in lines.messages() if "drug_unknown" in m)
    assert msg.startswith(str(files / "lines.csv")) and "row 4" in msg and "'agents'" in msg and "'pertuzamab'" in msg
    assert "pertuzumab" in msg


def test_rejects_kept_in_store_and_csv(files):
    store = Store.open(files / "reg.duckdb")
    pats, _ = import_files(store, [files])
    rejected = store.table("rejected_rows").execute()
    assert len(rejected) == 3 + 4
    raw = json.loads(rejected.loc[rejected["row"] == 4].iloc[0]["raw"])
    assert raw["grade"] == "G5"
    csv = pd.read_csv(pats.rejects_file)
    assert csv["row"].tolist() == [3, 4, 5]
    assert "code" in csv.loc[1, "rules"]


def test_reimport_same_content_changes_nothing(files):
    store = Store.open(files / "reg.duckdb")
    first = import_files(store, [files])
    before = store.table("imports").count().execute()
    again = import_files(store, [files])
    assert [r.status for r in again] == ["unchanged", "unchanged"]
    assert [r.rows_stored for r in again] == [r.rows_stored for r in first]
    assert store.table("imports").count().execute() == before
    assert store.count("patients") == 2


def test_failed_import_leaves_store_as_before(files, monkeypatch):
    store = Store.open(files / "reg.duckdb")
    import_files(store, [files / "patients.csv"])
    (files / "patients.csv").write_text(PATIENTS_CSV.replace("P4,1950", "P5,1950"), encoding="utf-8")
    import linewise.io.importer as imp

    real = imp.prepare

    def failing(path, **kw):
        if Path(path).name == "lines.csv":
            raise RuntimeError("disk full")
        return real(path, **kw)

    monkeypatch.setattr(imp, "prepare", failing)
    with pytest.raises(RuntimeError):
        import_files(store, [files])
    assert sorted(store.table("patients").patient_id.execute()) == ["P1", "P4"]
    assert store.count("therapy_lines") == 0
    assert store.table("imports").count().execute() == 1


def test_strict_rejects_whole_file(files):
    store = Store.open(files / "reg.duckdb")
    [rep] = import_files(store, [files / "patients.csv"], strict=True)
    assert (rep.rows_read, rep.rows_stored, rep.rows_rejected) == (5, 0, 5)


def test_validate_stores_nothing_and_uses_batch_patients(files):
    reports = validate_files([files])
    assert [r.rows_rejected for r in reports] == [3, 4]
    assert not (files / "reg.duckdb").exists()


# --- broken files ------------------------------------------------------------------------------

def test_empty_file(tmp_path):
    (tmp_path / "patients.csv").write_bytes(b"")
    with pytest.raises(InputFileError, match="empty"):
        validate_files([tmp_path / "patients.csv"])


def test_header_only(tmp_path):
    (tmp_path / "patients.csv").write_text("patient_id,sex\n")
    [rep] = validate_files([tmp_path / "patients.csv"])
    assert (rep.rows_read, rep.rows_stored, rep.rows_rejected) == (0, 0, 0)


def test_wrong_delimiter_is_named(tmp_path):
    (tmp_path / "patients.csv").write_text("patient_id;sex\nP1;F\n")
    with pytest.raises(InputFileError, match="delimiter"):
        validate_files([tmp_path / "patients.csv"], delimiter=",")


def test_truncated_last_line_is_rejected_not_lost(tmp_path):
    (tmp_path / "patients.csv").write_text("patient_id,sex,grade\nP1,F,G2\nP2,F,G3\nP3,F")
    [rep] = validate_files([tmp_path / "patients.csv"])
    assert (rep.rows_read, rep.rows_stored, rep.rows_rejected) == (3, 2, 1)
    assert _problems(rep) == [(4, "row_shape")]


def test_mixed_encodings(tmp_path):
    data = "patient_id,centre\nP1,Köln\n".encode() + "P2,Düsseldorf\n".encode("latin-1")
    (tmp_path / "patients.csv").write_bytes(data)
    store = Store.open(tmp_path / "r.duckdb")
    [rep] = import_files(store, [tmp_path / "patients.csv"])
    assert rep.rows_stored == 2
    assert any("Latin-1" in n for n in rep.notes)
    assert sorted(store.table("patients").centre.execute()) == ["Düsseldorf", "Köln"]


def test_utf8_bom_and_semicolon(tmp_path):
    (tmp_path / "patients.csv").write_bytes("\ufeffID;Geschlecht;Grading\nP1;w;G2\n".encode())
    [rep] = validate_files([tmp_path / "patients.csv"], mapping_path=None, table="patients")
    assert rep.rows_stored == 1


def test_missing_required_column_is_one_clear_error(tmp_path):
    (tmp_path / "lines.csv").write_text("patient_id,start\nP1,2016-01-01\n")
    with pytest.raises(InputFileError, match="agents"):
        validate_files([tmp_path / "lines.csv"])


def test_excel_with_several_sheets(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    import datetime as dt

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "notes"
    ws.append(["free text"])
    ws2 = wb.create_sheet("patients")
    ws2.append(["Patient", "DOB", "Sex", "ki67"])
    ws2.append(["P1", dt.datetime(1960, 5, 1), "female", 20.0])
    ws2.append(["P2", "1961", "male", 250])
    path = tmp_path / "chart_review.xlsx"
    wb.save(path)
    with pytest.raises(InputFileError, match="sheets"):
        validate_files([path], table="therapy_lines")
    [rep] = validate_files([path], table="patients")
    assert (rep.rows_read, rep.rows_stored, rep.rows_rejected) == (2, 1, 1)
    assert _problems(rep) == [(3, "range")]
    [rep] = validate_files([path], table="patients", sheet="patients")
    assert rep.rows_stored == 1


def test_spss_value_labels(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    df = pd.DataFrame({"patid": ["P1", "P2", "P3"], "sex": [1.0, 2.0, 1.0], "grade": [3.0, 2.0, 9.0]})
    path = tmp_path / "patients.sav"
    pyreadstat.write_sav(df, str(path), variable_value_labels={
        "sex": {1.0: "female", 2.0: "male"}, "grade": {2.0: "G2", 3.0: "G3", 9.0: "G9"}})
    store = Store.open(tmp_path / "r.duckdb")
    [rep] = import_files(store, [path])
    assert (rep.rows_read, rep.rows_stored, rep.rows_rejected) == (3, 2, 1)
    assert rep.row_label == "case" and _problems(rep) == [(3, "code")]
    got = store.table("patients").order_by("patient_id").execute()
    assert got["sex"].tolist() == ["female", "male"] and got["grade"].tolist() == ["G3", "G2"]


def test_parquet(tmp_path):
    df = pd.DataFrame({"patient_id": ["P1", "P2"], "birth_date": pd.to_datetime(["1960-01-02", "1970-03-04"]),
                       "ki67_percent": [12.5, None]})
    df.to_parquet(tmp_path / "patients.parquet")
    store = Store.open(tmp_path / "r.duckdb")
    [rep] = import_files(store, [tmp_path / "patients.parquet"])
    assert rep.rows_stored == 2
    got = store.table("patients").order_by("patient_id").execute()
    assert got["birth_date"].dt.strftime("%Y-%m-%d").tolist() == ["1960-01-02", "1970-03-04"]


def test_mapping_file(tmp_path):
    (tmp_path / "export.csv").write_text("Pat-Nr,Geschlecht,Bemerkung\nA,1\nB,2,x\n".replace("A,1\n", "A,1,\n"))
    (tmp_path / "map.yaml").write_text("table: patients\ncolumns:\n  Pat-Nr: patient_id\n  Geschlecht: sex\ncodes:\n  sex: {1: female, 2: male}\n")
    [rep] = validate_files([tmp_path / "export.csv"], mapping_path=tmp_path / "map.yaml")
    assert rep.rows_stored == 2
    assert any("Bemerkung" in n for n in rep.notes)


# --- property: arbitrary cells never crash and never lose rows -----------------------------------

cell = st.one_of(st.none(), st.sampled_from(["", "P1", "2016-01-01", "13/13/2016", "G2", "pos", "x", "1e9", "2016"]),
                 st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n,\"\x00"), max_size=8))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(cell, cell, cell, cell), min_size=0, max_size=15))
def test_arbitrary_rows_rows_in_equal_stored_plus_rejected(tmp_path, rows):
    path = tmp_path / "patients.csv"
    lines = ["patient_id,birth_date,grade,er_status"] + [",".join("" if c is None else c for c in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        [rep] = validate_files([path])
    except InputFileError:
        return  # e.g. every line blank: reported as one clear error
    non_blank = sum(1 for r in rows if any((c or "").strip() for c in r))
    assert rep.rows_read == non_blank
    assert rep.rows_read == rep.rows_stored + rep.rows_rejected


def test_model_name_wins_over_alias(tmp_path):
    (tmp_path / "drug_exposures.csv").write_text(
        "patient_id,drug_source_value,drug,start_date\nP1,Herceptin,trastuzumab,2017-01-01\n")
    [rep] = validate_files([tmp_path / "drug_exposures.csv"])
    assert not any("not imported" in n for n in rep.notes)
    assert rep.rows_stored == 1
