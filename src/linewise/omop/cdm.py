"""OMOP CDM v5.4 tables linewise reads and writes: schemas, DDL, and a reader over Ibis.

:data:`TABLES` declares the columns and types of the v5.4 tables linewise touches (as the
official PostgreSQL DDL of CDM v5.4 gives them; ``integer`` ids, ``NUMERIC`` values). The DDL
linewise runs to create tables (the synthetic instance, ``episode`` / ``episode_event`` when
writing derived lines back) is rendered from them by :func:`ddl`, and ships as
``omop/ddl/omop_cdm_5.4_postgresql.sql`` (checked against :func:`ddl` by the tests).

:class:`Cdm` opens the tables of an existing instance on DuckDB, PostgreSQL or Spark: column
names are matched case-insensitively (the Eunomia sample spells them in capitals) and only the
columns linewise needs are read.

Examples
--------
>>> print(ddl("episode_event"))
CREATE TABLE episode_event (
  episode_id integer NOT NULL,
  event_id integer NOT NULL,
  episode_event_field_concept_id integer NOT NULL
);
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ibis

from ..errors import LinewiseError

#: (column, SQL type as in the v5.4 DDL, NOT NULL) per table.
_I, _D, _T, _N = "integer", "date", "TIMESTAMP", "NUMERIC"


def _v(n: int) -> str:
    return f"varchar({n})"


TABLES: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "person": (
        ("person_id", _I, True), ("gender_concept_id", _I, True), ("year_of_birth", _I, True),
        ("month_of_birth", _I, False), ("day_of_birth", _I, False), ("birth_datetime", _T, False),
        ("race_concept_id", _I, True), ("ethnicity_concept_id", _I, True), ("location_id", _I, False),
        ("provider_id", _I, False), ("care_site_id", _I, False), ("person_source_value", _v(50), False),
        ("gender_source_value", _v(50), False), ("gender_source_concept_id", _I, False),
        ("race_source_value", _v(50), False), ("race_source_concept_id", _I, False),
        ("ethnicity_source_value", _v(50), False), ("ethnicity_source_concept_id", _I, False),
    ),
    "observation_period": (
        ("observation_period_id", _I, True), ("person_id", _I, True), ("observation_period_start_date", _D, True),
        ("observation_period_end_date", _D, True), ("period_type_concept_id", _I, True),
    ),
    "condition_occurrence": (
        ("condition_occurrence_id", _I, True), ("person_id", _I, True), ("condition_concept_id", _I, True),
        ("condition_start_date", _D, True), ("condition_start_datetime", _T, False), ("condition_end_date", _D, False),
        ("condition_end_datetime", _T, False), ("condition_type_concept_id", _I, True),
        ("condition_status_concept_id", _I, False), ("stop_reason", _v(20), False), ("provider_id", _I, False),
        ("visit_occurrence_id", _I, False), ("visit_detail_id", _I, False), ("condition_source_value", _v(50), False),
        ("condition_source_concept_id", _I, False), ("condition_status_source_value", _v(50), False),
    ),
    "drug_exposure": (
        ("drug_exposure_id", _I, True), ("person_id", _I, True), ("drug_concept_id", _I, True),
        ("drug_exposure_start_date", _D, True), ("drug_exposure_start_datetime", _T, False),
        ("drug_exposure_end_date", _D, True), ("drug_exposure_end_datetime", _T, False), ("verbatim_end_date", _D, False),
        ("drug_type_concept_id", _I, True), ("stop_reason", _v(20), False), ("refills", _I, False),
        ("quantity", _N, False), ("days_supply", _I, False), ("sig", "TEXT", False), ("route_concept_id", _I, False),
        ("lot_number", _v(50), False), ("provider_id", _I, False), ("visit_occurrence_id", _I, False),
        ("visit_detail_id", _I, False), ("drug_source_value", _v(50), False), ("drug_source_concept_id", _I, False),
        ("route_source_value", _v(50), False), ("dose_unit_source_value", _v(50), False),
    ),
    "procedure_occurrence": (
        ("procedure_occurrence_id", _I, True), ("person_id", _I, True), ("procedure_concept_id", _I, True),
        ("procedure_date", _D, True), ("procedure_datetime", _T, False), ("procedure_end_date", _D, False),
        ("procedure_end_datetime", _T, False), ("procedure_type_concept_id", _I, True), ("modifier_concept_id", _I, False),
        ("quantity", _I, False), ("provider_id", _I, False), ("visit_occurrence_id", _I, False),
        ("visit_detail_id", _I, False), ("procedure_source_value", _v(50), False),
        ("procedure_source_concept_id", _I, False), ("modifier_source_value", _v(50), False),
    ),
    "measurement": (
        ("measurement_id", _I, True), ("person_id", _I, True), ("measurement_concept_id", _I, True),
        ("measurement_date", _D, True), ("measurement_datetime", _T, False), ("measurement_time", _v(10), False),
        ("measurement_type_concept_id", _I, True), ("operator_concept_id", _I, False), ("value_as_number", _N, False),
        ("value_as_concept_id", _I, False), ("unit_concept_id", _I, False), ("range_low", _N, False),
        ("range_high", _N, False), ("provider_id", _I, False), ("visit_occurrence_id", _I, False),
        ("visit_detail_id", _I, False), ("measurement_source_value", _v(50), False),
        ("measurement_source_concept_id", _I, False), ("unit_source_value", _v(50), False),
        ("unit_source_concept_id", _I, False), ("value_source_value", _v(50), False),
        ("measurement_event_id", _I, False), ("meas_event_field_concept_id", _I, False),
    ),
    "observation": (
        ("observation_id", _I, True), ("person_id", _I, True), ("observation_concept_id", _I, True),
        ("observation_date", _D, True), ("observation_datetime", _T, False), ("observation_type_concept_id", _I, True),
        ("value_as_number", _N, False), ("value_as_string", _v(60), False), ("value_as_concept_id", _I, False),
        ("qualifier_concept_id", _I, False), ("unit_concept_id", _I, False), ("provider_id", _I, False),
        ("visit_occurrence_id", _I, False), ("visit_detail_id", _I, False), ("observation_source_value", _v(50), False),
        ("observation_source_concept_id", _I, False), ("unit_source_value", _v(50), False),
        ("qualifier_source_value", _v(50), False), ("value_source_value", _v(50), False),
        ("observation_event_id", _I, False), ("obs_event_field_concept_id", _I, False),
    ),
    "death": (
        ("person_id", _I, True), ("death_date", _D, True), ("death_datetime", _T, False),
        ("death_type_concept_id", _I, False), ("cause_concept_id", _I, False), ("cause_source_value", _v(50), False),
        ("cause_source_concept_id", _I, False),
    ),
    "episode": (
        ("episode_id", _I, True), ("person_id", _I, True), ("episode_concept_id", _I, True),
        ("episode_start_date", _D, True), ("episode_start_datetime", _T, False), ("episode_end_date", _D, False),
        ("episode_end_datetime", _T, False), ("episode_parent_id", _I, False), ("episode_number", _I, False),
        ("episode_object_concept_id", _I, True), ("episode_type_concept_id", _I, True),
        ("episode_source_value", _v(50), False), ("episode_source_concept_id", _I, False),
    ),
    "episode_event": (
        ("episode_id", _I, True), ("event_id", _I, True), ("episode_event_field_concept_id", _I, True),
    ),
    "concept": (
        ("concept_id", _I, True), ("concept_name", _v(255), True), ("domain_id", _v(20), True),
        ("vocabulary_id", _v(20), True), ("concept_class_id", _v(20), True), ("standard_concept", _v(1), False),
        ("concept_code", _v(50), True), ("valid_start_date", _D, True), ("valid_end_date", _D, True),
        ("invalid_reason", _v(1), False),
    ),
    "concept_ancestor": (
        ("ancestor_concept_id", _I, True), ("descendant_concept_id", _I, True),
        ("min_levels_of_separation", _I, True), ("max_levels_of_separation", _I, True),
    ),
    "cdm_source": (
        ("cdm_source_name", _v(255), True), ("cdm_source_abbreviation", _v(25), True), ("cdm_holder", _v(255), True),
        ("source_description", "TEXT", False), ("source_documentation_reference", _v(255), False),
        ("cdm_etl_reference", _v(255), False), ("source_release_date", _D, True), ("cdm_release_date", _D, True),
        ("cdm_version", _v(10), False), ("cdm_version_concept_id", _I, True), ("vocabulary_version", _v(20), True),
    ),
}

#: The clinical tables the mapping reads (``episode`` / ``episode_event`` where present).
CLINICAL = ("person", "observation_period", "condition_occurrence", "drug_exposure", "measurement", "observation",
            "procedure_occurrence", "death")

_IBIS_TYPES = {_I: "int32", _D: "date", _T: "timestamp", _N: "decimal(38, 10)", "TEXT": "string"}


def ibis_type(sql_type: str) -> str:
    return _IBIS_TYPES.get(sql_type, "string")


def schema(table: str) -> ibis.Schema:
    """The Ibis schema of a v5.4 table (``NUMERIC`` as a decimal, ``varchar(n)`` as string)."""
    return ibis.schema({name: ibis_type(typ) for name, typ, _ in TABLES[table]})


def ddl(table: str, qualified: str | None = None) -> str:
    """``CREATE TABLE`` of a v5.4 table, as the official PostgreSQL DDL declares it."""
    lines = []
    for name, typ, req in TABLES[table]:
        lines.append(f"  {name} {typ}" + (" NOT NULL" if req else ""))
    return f"CREATE TABLE {qualified or table} (\n" + ",\n".join(lines) + "\n);"


DDL_FILE = Path(__file__).parent / "ddl" / "omop_cdm_5.4_postgresql.sql"


def ddl_script() -> str:
    """The DDL file's content: every table linewise creates, in v5.4 form."""
    head = ("-- OMOP CDM v5.4 tables written by linewise (synthetic instance; episode / episode_event for\n"
            "-- derived lines). Columns, types and NOT NULL as the official v5.4 PostgreSQL DDL.\n"
            "-- Generated by linewise.omop.cdm.ddl_script(); tests keep this file in step.\n")
    return head + "\n".join(ddl(t) for t in TABLES) + "\n"


@dataclass
class Cdm:
    """An OMOP CDM instance on an Ibis connection (``schema``: the CDM's database schema)."""

    con: ibis.BaseBackend
    database: str | None = None

    @classmethod
    def open(cls, location, *, schema: str | None = None, read_only: bool = True) -> Cdm:
        """Open a CDM: a DuckDB file, ``postgresql://...`` (``?schema=cdm``), ``spark://...``,
        a SparkSession or an Ibis backend."""
        from ..store.engines import Engine, Location, connect

        if isinstance(location, str | Path) and Location.parse(location).engine is Engine.DUCKDB:
            path = Path(Location.parse(location).target)
            if not path.exists():
                raise LinewiseError(f"{path}: no such OMOP CDM database")
            return cls(ibis.duckdb.connect(str(path), read_only=read_only), schema)
        con, _ = connect(location)
        return cls(con, schema)

    def has(self, name: str) -> bool:
        tables = {t.lower() for t in self.con.list_tables(database=self.database)}
        return name in tables

    def table(self, name: str, columns: tuple[str, ...] | None = None) -> ibis.Table:
        """Table ``name`` with lower-case column names (only ``columns`` when given)."""
        actual = {t.lower(): t for t in self.con.list_tables(database=self.database)}
        if name not in actual:
            raise LinewiseError(f"the OMOP CDM has no {name!r} table")
        t = self.con.table(actual[name], database=self.database)
        t = t.rename({c.lower(): c for c in t.columns if c != c.lower()})
        if columns is not None:
            missing = [c for c in columns if c not in t.columns]
            if missing:
                raise LinewiseError(f"OMOP table {name!r} lacks column(s) {', '.join(missing)} (not CDM v5.3/5.4?)")
            t = t.select(*columns)
        return t

    def version(self) -> str | None:
        """``cdm_source.cdm_version`` when the instance has one."""
        if not self.has("cdm_source"):
            return None
        rows = self.table("cdm_source").select("cdm_version").limit(1).to_pyarrow().column(0).to_pylist()
        return rows[0] if rows else None


__all__ = ["CLINICAL", "Cdm", "DDL_FILE", "TABLES", "ddl", "ddl_script", "schema"]
