"""The store on PostgreSQL and Spark: open, import unchanged, roll back, summarise."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from linewise.errors import LinewiseError
from linewise.io.importer import import_files
from linewise.store.engines import Engine, Location, PostgresStore, SparkStore, engine_of
from linewise.store.store import Store
from linewise.store.summary import store_summary
from linewise.synth import generate_registry


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    out = tmp_path_factory.mktemp("reg")
    generate_registry(out, 60, seed=5)
    return out


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    out = tmp_path_factory.mktemp("messy")
    generate_registry(out, 120, seed=6, messy=True)
    return out


def _counts(store: Store) -> dict[str, tuple[int, int, int]]:
    imp = store.table("imports").order_by("import_id").execute()
    return {r.table_name: (int(r.rows_read), int(r.rows_stored), int(r.rows_rejected)) for r in imp.itertuples()}


def test_location_parsing():
    assert Location.parse("x/reg.duckdb").engine is Engine.DUCKDB
    assert Location.parse("duckdb://x/reg.duckdb").target == "x/reg.duckdb"
    assert Location.parse("postgres://u@h/db").engine is Engine.POSTGRES
    assert Location.parse("postgresql://u:secret@h/db").redacted() == "postgresql://u:***@h/db"
    assert Location.parse("spark://master:7077").spark_master == "spark://master:7077"
    assert Location.parse(Path("postgresql://u@h:5432/db")).target == "postgresql://u@h:5432/db"  # CLI Path options
    with pytest.raises(LinewiseError, match="unknown scheme"):
        Location.parse("mysql://u@h/db")


def test_postgres_url_errors_are_one_line():
    with pytest.raises(LinewiseError, match="names no database"):
        Store.open("postgresql://u@127.0.0.1:1/")
    with pytest.raises(LinewiseError, match="cannot connect") as err:
        Store.open("postgresql://u:topsecret@127.0.0.1:1/db")
    assert "topsecret" not in str(err.value)


def test_postgres_import_matches_duckdb(pg_url, registry, tmp_path):
    duck = Store.open(tmp_path / "reg.duckdb")
    ref = import_files(duck, [registry])
    pg = Store.open(pg_url)
    assert isinstance(pg, PostgresStore) and engine_of(pg.con) is Engine.POSTGRES
    got = import_files(pg, [registry])
    assert [(r.table, r.rows_read, r.rows_stored, r.rows_rejected) for r in got] == \
           [(r.table, r.rows_read, r.rows_stored, r.rows_rejected) for r in ref]
    assert _counts(pg) == _counts(duck)
    assert store_summary(pg) == store_summary(duck)
    # the import leaves planner statistics (autovacuum would only get there after its naptime)
    cur = pg.con.raw_sql("SELECT reltuples FROM pg_class WHERE relname = 'patients' AND relkind = 'r'")
    assert [float(r[0]) for r in cur.fetchall()] == [60.0]
    cur.close()
    # the same rows, value for value (arrays, dates, booleans included)
    for name in ("patients", "therapy_lines"):
        a = duck.table(name).drop("_import_id").order_by(["patient_id", *([] if name == "patients" else ["start_date"])]).to_pyarrow()
        b = pg.table(name).drop("_import_id").order_by(["patient_id", *([] if name == "patients" else ["start_date"])]).to_pyarrow()
        assert a.to_pylist() == b.cast(a.schema).to_pylist()
    # re-import of the same files: unchanged, nothing written
    again = import_files(pg, [registry])
    assert {r.status for r in again} == {"unchanged"}
    assert pg.count("imports") == len(ref)
    reopened = Store.open(pg_url, create=False)
    assert reopened.count("patients") == 60


def test_postgres_messy_import_and_rejects(pg_url, messy, tmp_path):
    duck = Store.open(tmp_path / "ref.duckdb")
    ref = import_files(duck, [messy])
    pg = Store.open(pg_url)
    pg.side_dir = tmp_path / "side"
    got = import_files(pg, [messy])
    assert sum(r.rows_rejected for r in got) == sum(r.rows_rejected for r in ref) > 0
    assert pg.count("rejected_rows") == duck.count("rejected_rows")
    assert pg.count("import_issues") == duck.count("import_issues")
    files = sorted(p.name for p in (tmp_path / "side").rglob("*.csv"))
    assert files and files == sorted({f"{r.table}.csv" for r in got if r.rows_rejected})


def test_postgres_transaction_rolls_back(pg_url, registry):
    pg = Store.open(pg_url)
    import_files(pg, [registry / "patients.csv"])
    before = pg.count("patients")
    with pytest.raises(RuntimeError, match="boom"), pg.transaction():
        pg.delete_all("patients")
        assert pg.count("patients") == 0  # visible inside the transaction
        raise RuntimeError("boom")
    assert pg.count("patients") == before
    assert pg.con.con.info.transaction_status == 0  # idle: nothing left open


def test_postgres_copy_round_trips_awkward_values(pg_url):
    pg = Store.open(pg_url)
    schema = pg.table("therapy_lines").schema().to_pyarrow()
    row = {f.name: None for f in schema}
    row.update(patient_id='P "1", \\x', setting="metastatic", agents=["a,b", 'q"uote', ""], line_number=1, _import_id=1, _source_row=2)
    empty = dict(row, patient_id="", agents=[])
    pg.insert("therapy_lines", pa.Table.from_pylist([row, empty], schema=schema))
    got = pg.table("therapy_lines").order_by("patient_id").execute()
    assert got["patient_id"].tolist() == ["", 'P "1", \\x']
    assert [list(a) for a in got["agents"]] == [[], ["a,b", 'q"uote', ""]]
    assert got["end_date"].isna().all()


def test_spark_import_matches_duckdb(spark, spark_db, registry, tmp_path):
    duck = Store.open(tmp_path / "reg.duckdb")
    ref = import_files(duck, [registry])
    st = Store.open(spark)
    assert isinstance(st, SparkStore)
    got = import_files(st, [registry])
    assert [(r.table, r.rows_stored, r.rows_rejected) for r in got] == [(r.table, r.rows_stored, r.rows_rejected) for r in ref]
    assert _counts(st) == _counts(duck)
    assert store_summary(st) == store_summary(duck)
    assert not [t for t in st.con.list_tables() if t.startswith("_lw_stage_")]
    # value for value, nullable integers and arrays included
    for name, order in (("patients", ["patient_id"]), ("therapy_lines", ["patient_id", "start_date", "setting"])):
        a = duck.table(name).drop("_import_id").order_by(order).to_pyarrow()
        b = st.table(name).drop("_import_id").order_by(order).to_pyarrow()
        assert a.to_pylist() == b.cast(a.schema).to_pylist(), name
    # a failing batch leaves every table as it was and no staging table behind
    with pytest.raises(RuntimeError, match="boom"), st.transaction():
        st.delete_all("patients")
        assert st.count("patients") == 0
        raise RuntimeError("boom")
    assert st.count("patients") == 60
    assert not [t for t in st.con.list_tables() if t.startswith("_lw_stage_")]


def test_postgres_temp_tables_are_analyzed(pg_url):
    """The line and study steps' temp tables get planner statistics on PostgreSQL (autovacuum
    never analyzes temporary tables; without statistics the study's feature joins ran as nested
    loops)."""
    from linewise.lines import _sql

    pg = Store.open(pg_url)
    con = pg.con
    data = pa.table({"patient_id": [f"P{i % 40}" for i in range(400)], "x": list(range(400))})

    def stats(name: str) -> tuple[float, int]:
        cur = con.raw_sql(f"SELECT c.reltuples, (SELECT count(*) FROM pg_stats s WHERE s.tablename = '{name}') "
                          f"FROM pg_class c WHERE c.relname = '{name}' AND c.relpersistence = 't'")
        (row,) = cur.fetchall()
        cur.close()
        return float(row[0]), int(row[1])

    # a plain CREATE TEMP TABLE ... AS leaves no statistics: the check below can tell
    _sql.run(con, "CREATE TEMP TABLE _plain AS SELECT 1 AS a")
    assert stats("_plain") == (-1.0, 0)
    _sql.create_from_arrow(con, "_t_arrow", data)
    assert stats("_t_arrow") == (400.0, 2)
    t = con.table("_t_arrow")
    _sql.create_as(con, "_t_agg", t.group_by("patient_id").aggregate(n=t.x.count()))
    assert stats("_t_agg") == (40.0, 2)
