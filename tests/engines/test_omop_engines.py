"""OMOP on the server engines: the same instance maps, derives and writes back identically, and
`linewise lines episodes` exports the same files from a store on each engine."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from linewise.io.importer import import_files
from linewise.lines.algorithm import derive_lines
from linewise.lines.storage import derived_lines, save_run
from linewise.lines.vocabulary import DEFAULT
from linewise.omop.cdm import TABLES, Cdm
from linewise.omop.episodes import EXPORT_TABLES, export_episodes, write_episodes
from linewise.omop.mapping import load_into_store, map_cdm
from linewise.omop.synth import write_omop
from linewise.omop.values import read_text, read_text_expr
from linewise.store.store import Store
from linewise.synth import generate_registry

N, SEED = 60, 13


@pytest.fixture(scope="module")
def duck_instance(tmp_path_factory):
    root = tmp_path_factory.mktemp("omop_engines")
    write_omop(root / "cdm.duckdb", N, seed=SEED)
    write_omop(root / "parquet", N, seed=SEED)
    cdm = Cdm.open(root / "cdm.duckdb")
    report = map_cdm(cdm).report()
    return root, report


@pytest.fixture(scope="module")
def duck_patients(duck_instance):
    return _patients(map_cdm(Cdm.open(duck_instance[0] / "cdm.duckdb")))


def _patients(mapping) -> pd.DataFrame:
    """The mapped patients with their ER / PgR / HER2 results, in a fixed order."""
    cols = ["patient_id", "er_status", "pgr_status", "her2_ihc", "her2_ish", "primary_diagnosis_date"]
    df = mapping.patients.select(*cols).to_pyarrow().to_pandas()
    return df.sort_values("patient_id").reset_index(drop=True).astype(str)


def _same_report(a, b):
    pd.testing.assert_frame_equal(a.counts.reset_index(drop=True), b.counts.reset_index(drop=True))
    assert a.unmapped_drugs["drug_concept_id"].tolist() == b.unmapped_drugs["drug_concept_id"].tolist()
    assert a.empty_sets == b.empty_sets
    cols = ["table", "test", "reason", "value_as_concept_id", "value_text", "records"]
    assert a.unmapped_values[cols].astype(str).values.tolist() == b.unmapped_values[cols].astype(str).values.tolist()
    assert len(a.unmapped_values) > 0


# texts whose reading depends on the regular-expression dialect if anything does
_TEXTS = ["IHC 2+", "ihc2+", "HER2+", "3 +", "(3+)", "Negative (Score 1+)", "HER2 score 0", "0", " 0 ", "10+",
          "not amplified", "Non-Amplified", "no amplification", "negative for amplification", "AMPLIFIED", "pos",
          "NEG.", "Equivocal", "borderline", "not positive", "ER positive, 3+ intensity", "see report", "", "2/3",
          "HER2/neu 3+", "weakly positive", "Receptor negative (local)", "tab\tpos", "new\nline neg"]


def _grammar_agrees(con) -> None:
    t = ibis.memtable(pd.DataFrame({"i": range(len(_TEXTS)), "text": _TEXTS}), schema={"i": "int64", "text": "string"})
    for scores_first in (True, False):
        got = con.execute(t.select("i", raw=read_text_expr(t.text, scores_first)).order_by("i"))
        assert [None if pd.isna(x) else x for x in got.raw] == [read_text(x, scores_first) for x in _TEXTS]


def test_omop_on_postgres(duck_instance, duck_patients, pg_url, tmp_path):
    root, ref = duck_instance
    res = write_omop(pg_url, N, seed=SEED)  # `linewise synth --format omop --out postgresql://...`
    assert res.rows["person"] == N
    cdm = Cdm.open(pg_url, read_only=False)
    assert cdm.version() == "v5.4"
    mapping = map_cdm(cdm)
    _same_report(mapping.report(), ref)
    pd.testing.assert_frame_equal(_patients(mapping), duck_patients)
    _grammar_agrees(cdm.con)
    # derive in the database, write episodes back, compare with DuckDB doing the same
    duck = Cdm.open(root / "cdm.duckdb")
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes((root / "cdm.duckdb").read_bytes())
    counts = {}
    for name, c in (("duckdb", Cdm.open(copy, read_only=False)), ("postgres", cdm)):
        m = map_cdm(c)
        run = derive_lines(c.con, exposures=m.drug_exposures, patients=m.patients)
        counts[name] = (run.counts, write_episodes(c, c.con.table(run.lines_table), m.drug_exposures))
    assert counts["postgres"] == counts["duckdb"]
    ep = cdm.con.table("episode")
    assert int(ep.count().execute()) == 2 * counts["postgres"][0]["lines"]
    # and into a linewise store on the same server
    store = Store.open(pg_url)
    rows = load_into_store(mapping, store)
    assert rows["patients"] == N and store.count("drug_exposures") == rows["drug_exposures"]
    assert rows["drug_exposures"] == int(map_cdm(duck).drug_exposures.count().execute())


def test_omop_on_spark(duck_instance, duck_patients, spark, spark_db, tmp_path):
    root, ref = duck_instance
    for table in TABLES:
        spark.read.parquet(str(root / "parquet" / f"{table}.parquet")).write.saveAsTable(table)
    cdm = Cdm.open(spark)
    mapping = map_cdm(cdm)
    _same_report(mapping.report(), ref)
    pd.testing.assert_frame_equal(_patients(mapping), duck_patients)
    _grammar_agrees(cdm.con)
    # episodes on Spark: the lines of a few patients (derived by DuckDB, the algorithm's Spark
    # run is covered by the golden table) written back twice; no DELETE on Spark tables
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes((root / "cdm.duckdb").read_bytes())
    duck = Cdm.open(copy, read_only=False)
    dm = map_cdm(duck)
    run = derive_lines(duck.con, exposures=dm.drug_exposures, patients=dm.patients)
    lines = duck.con.table(run.lines_table)
    few = lines.filter(lines.patient_id.isin(["1", "2", "3"]))
    expected = write_episodes(duck, few, dm.drug_exposures)
    cols = ["patient_id", "line_seq", "line_number", "setting", "start_date", "end_date", "agents", "drugs_given"]
    spark.createDataFrame(few.select(*cols).to_pyarrow()).write.saveAsTable("lw_lines")
    first = write_episodes(cdm, cdm.con.table("lw_lines"), mapping.drug_exposures)
    assert first == expected and first.episodes > 0
    again = write_episodes(cdm, cdm.con.table("lw_lines"), mapping.drug_exposures)
    assert again.replaced == first.episodes and again.events == first.events
    assert int(cdm.con.table("episode").count().execute()) == first.episodes


def _export(store, out):
    """`linewise lines` + `linewise lines episodes` on a store, by the API: the files, read back."""
    save_run(store, derive_lines(store), DEFAULT)
    rows = export_episodes(store.con, derived_lines(store), store.table("drug_exposures"), out)
    frames = {t: pd.read_csv(out / f"{t}.csv") for t in EXPORT_TABLES}
    assert {t: len(f) for t, f in frames.items()} == rows
    keys = {"episode": ["episode_id"], "episode_event": ["episode_id", "event_id"], "person_map": ["person_id"],
            "drug_exposure_map": ["drug_exposure_id"]}
    return {t: f.sort_values(keys[t]).reset_index(drop=True) for t, f in frames.items()}


@pytest.fixture(scope="module")
def registry_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("lines_episodes")
    generate_registry(root / "files", N, seed=SEED)
    duck = Store.open(root / "r.duckdb")
    import_files(duck, [root / "files"])
    return root, _export(duck, root / "duck")


def _same_export(got, expected):
    for table, frame in expected.items():
        pd.testing.assert_frame_equal(got[table], frame, check_dtype=False, obj=table)
    assert len(expected["episode_event"]) > 0 and set(expected["episode"].episode_concept_id) == {32941, 32531}


def test_lines_episodes_export_on_postgres(registry_files, pg_url, tmp_path):
    root, expected = registry_files
    store = Store.open(pg_url)
    import_files(store, [root / "files"])
    _same_export(_export(store, tmp_path / "pg"), expected)


def test_lines_episodes_export_on_spark(registry_files, spark, spark_db, tmp_path):
    root, expected = registry_files
    store = Store.open(spark)
    import_files(store, [root / "files"])
    _same_export(_export(store, tmp_path / "spark"), expected)
