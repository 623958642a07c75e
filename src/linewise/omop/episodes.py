"""Derived lines as OMOP CDM v5.4 oncology-extension episodes: the one episode writer.

For every derived line two ``episode`` rows:

* the line of therapy: ``episode_concept_id`` 32941 *Cancer Drug Treatment*,
  ``episode_number`` = metastatic line number (empty for neo/adjuvant lines),
  ``episode_source_value`` ``"line 2: trastuzumab emtansine"`` (cut to the DDL's 50 characters);
* its regimen, a child (``episode_parent_id``) with ``episode_concept_id`` 32531 *Treatment
  Regimen* and the regimen as source value;

both with ``episode_type_concept_id`` 32545 *Episode algorithmically derived from EHR* and
``episode_object_concept_id`` 0 (no HemOnc regimen concept is assigned). ``episode_event``
links each of the two episodes to every ``drug_exposure_id`` of the line, with
``episode_event_field_concept_id`` 1147094 (``drug_exposure.drug_exposure_id``). A record
belongs to the line of its patient whose dates contain its start and whose drugs include its
drug (lines of a patient never overlap: a line ends at the latest the day before the next one
starts); records the line algorithm ignores (supportive drugs, unknown drugs) link to nothing.
Lines are numbered by ``(person_id, line_seq)``; line ``n`` gets episode ids ``2n - 1`` (line)
and ``2n`` (regimen), after an offset.

Two users, one set of rows (:func:`episode_rows`, :func:`event_rows`):

* :func:`write_episodes` writes them into an OMOP CDM (``linewise omop episodes``): it replaces
  the episodes of an earlier linewise run (type 32545, concept 32941 or 32531) and keeps every
  other episode; new ids continue after the largest existing ``episode_id``; tables missing are
  created with the v5.4 DDL. DuckDB, PostgreSQL and Spark (no DELETE there: a staging table).
* :func:`export_episodes` writes them as files from a linewise store (``linewise lines
  episodes``), with the id maps that make them resolvable: ``person_map`` (``person_id`` ↔
  ``patient_id``) and ``drug_exposure_map`` (``drug_exposure_id`` ↔ the store's record).

``person_id`` is the patient id when every patient id is an integer (OMOP input, where it is the
CDM's own ``person_id``), else a number given in ``patient_id`` order (:func:`person_map`).
Registry records have no ``drug_exposure_id``; :func:`store_exposures` gives them one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ibis

from ..lines import _sql
from ..store.engines import Engine, engine_of
from . import concepts as cs
from .cdm import Cdm, ddl, schema

_MAX_SOURCE = 50


@dataclass(frozen=True)
class EpisodeCounts:
    """Rows written: episodes (lines + regimens) and episode_event links."""

    lines: int
    episodes: int
    events: int
    replaced: int


# --- ids ------------------------------------------------------------------------------------
def person_map(lines: ibis.Table) -> ibis.Table:
    """``patient_id, person_id`` for the patients of ``lines``.

    The patient id itself when every one is an integer in OMOP's 32-bit range (so lines
    derived from a CDM keep its ``person_id``), else 1, 2, ... in ``patient_id`` order.
    """
    ids = lines.select("patient_id").distinct()
    # a regular expression, not TRY_CAST (PostgreSQL has none): at most 9 digits fit OMOP's
    # 32-bit integer, and no leading zero, so that two ids never become one number
    integer = ids.patient_id.re_search(r"^(0|[1-9][0-9]{0,8})$")
    if int(ids.aggregate(bad=ibis.ifelse(integer, 0, 1).sum()).execute().iloc[0, 0] or 0) == 0:
        return ids.select("patient_id", person_id=ids.patient_id.cast("int64"))
    return ids.select("patient_id", person_id=(ibis.row_number().over(order_by=ids.patient_id) + 1).cast("int64"))


def store_exposures(drug_exposures: ibis.Table) -> ibis.Table:
    """A store's drug records with a ``drug_exposure_id``.

    The record's ``_source_row`` when the table holds one import (the row of the source file,
    or the CDM's own ``drug_exposure_id`` for a store loaded by ``linewise omop load``); with
    several imports 1, 2, ... in (import, row) order; without bookkeeping columns 1, 2, ... in
    (patient, start, drug as written) order.
    """
    e = drug_exposures
    if {"_import_id", "_source_row"} <= set(e.columns):
        if int(e._import_id.nunique().execute()) <= 1:
            return e.mutate(drug_exposure_id=e._source_row.cast("int64"))
        order = [e._import_id, e._source_row]
    else:
        order = [e.patient_id, e.start_date, e.drug_source_value]
    return e.mutate(drug_exposure_id=(ibis.row_number().over(order_by=order) + 1).cast("int64"))


def _numbered(lines: ibis.Table, persons: ibis.Table) -> ibis.Table:
    """Lines with ``person_id`` and their number ``_n`` (1, 2, ... in person, line order)."""
    ln = lines.join(persons, "patient_id")
    return ln.mutate(_n=(ibis.row_number().over(order_by=[ln.person_id, ln.line_seq]) + 1).cast("int64"))


# --- rows -----------------------------------------------------------------------------------
def episode_rows(lines: ibis.Table, offset: int = 0, persons: ibis.Table | None = None) -> ibis.Table:
    """EPISODE rows of derived lines, typed as the v5.4 DDL (ids start after ``offset``).

    ``lines``: ``patient_id, line_seq, line_number, setting, start_date, end_date, agents``
    (:mod:`linewise.lines.summarize`); ``persons``: :func:`person_map` (made when not given).
    """
    base = _numbered(lines, persons if persons is not None else person_map(lines))
    regimen = base.agents.join(" + ")
    label = ibis.ifelse(base.line_number.notnull(), "line " + base.line_number.cast("string"), base.setting)
    line_id = base._n * 2 - 1 + offset
    kinds = (
        (line_id, ibis.null("int64"), cs.CANCER_DRUG_TREATMENT, label + ": " + regimen),
        (line_id + 1, line_id, cs.TREATMENT_REGIMEN, regimen),
    )
    parts = []
    for episode_id, parent, concept, source in kinds:
        values = {
            "episode_id": episode_id, "person_id": base.person_id, "episode_concept_id": concept,
            "episode_start_date": base.start_date, "episode_end_date": base.end_date, "episode_parent_id": parent,
            "episode_number": base.line_number, "episode_object_concept_id": 0,
            "episode_type_concept_id": cs.EPISODE_DERIVED, "episode_source_value": source.substr(0, _MAX_SOURCE),
            "episode_source_concept_id": 0,
        }
        cols = {}
        for name, typ in schema("episode").items():
            v = values.get(name)
            cols[name] = ibis.null(typ) if v is None else ibis.literal(v).cast(typ) if isinstance(v, int) else v.cast(typ)
        parts.append(base.select(**cols))
    return parts[0].union(parts[1])


def event_rows(lines: ibis.Table, exposures: ibis.Table, offset: int = 0, persons: ibis.Table | None = None) -> ibis.Table:
    """EPISODE_EVENT rows: each line's and regimen's drug_exposure ids (field concept 1147094).

    ``exposures``: drug records with ``drug_exposure_id, patient_id, drug, start_date``
    (:attr:`~linewise.omop.mapping.OmopMapping.drug_exposures`, or :func:`store_exposures`).
    """
    ln = _numbered(lines, persons if persons is not None else person_map(lines))
    ln = ln.select("patient_id", "start_date", "end_date", "drugs_given", "_n")
    e = exposures.select("drug_exposure_id", "patient_id", "drug", "start_date")
    j = e.join(ln, [e.patient_id == ln.patient_id, e.start_date >= ln.start_date, e.start_date <= ln.end_date])
    j = j.filter(j.drugs_given.contains(j.drug))
    field_id = ibis.literal(cs.DRUG_EXPOSURE_ID_FIELD, "int32")
    line_id = j._n * 2 - 1 + offset
    return ibis.union(*[j.select(episode_id=(line_id + i).cast("int32"), event_id=j.drug_exposure_id.cast("int32"),
                                 episode_event_field_concept_id=field_id) for i in (0, 1)])


# --- into a CDM ---------------------------------------------------------------------------------
def _ensure(con: ibis.BaseBackend, name: str) -> None:
    if name in {t.lower() for t in con.list_tables()}:
        return
    if engine_of(con) is Engine.SPARK:
        con.create_table(name, schema=schema(name))
    else:
        _sql.run(con, ddl(name))


def _ours(ep: ibis.Table) -> ibis.Value:
    return (ep.episode_type_concept_id == cs.EPISODE_DERIVED) & ep.episode_concept_id.isin(
        [cs.CANCER_DRUG_TREATMENT, cs.TREATMENT_REGIMEN])


def write_episodes(cdm: Cdm, lines: ibis.Table, exposures: ibis.Table) -> EpisodeCounts:
    """Write ``lines`` (derived lines on the CDM's connection) as episodes + episode events.

    ``exposures``: the mapped drug records with their ``drug_exposure_id``
    (:attr:`~linewise.omop.mapping.OmopMapping.drug_exposures`).
    """
    con = cdm.con
    for name in ("episode", "episode_event"):
        _ensure(con, name)
    ep_t = con.table("episode")
    replaced = int(ep_t.filter(_ours(ep_t)).count().execute())
    if replaced:
        _remove_previous(con)
        ep_t = con.table("episode")
    top = ep_t.episode_id.max().execute()
    offset = 0 if top is None or top != top else int(top)
    persons = _sql.create_as(con, "_lw_episode_persons", person_map(lines))
    try:
        n_lines = int(lines.count().execute())
        con.insert("episode", episode_rows(lines, offset, persons))
        con.insert("episode_event", event_rows(lines, exposures, offset, persons))
    finally:
        _sql.drop(con, "_lw_episode_persons")
    ep_t, ev_t = con.table("episode"), con.table("episode_event")
    n_ep = int(ep_t.filter(_ours(ep_t) & (ep_t.episode_id > offset)).count().execute())
    n_ev = int(ev_t.filter(ev_t.episode_id > offset).count().execute())
    return EpisodeCounts(n_lines, n_ep, n_ev, replaced)


def _remove_previous(con: ibis.BaseBackend) -> None:
    """Delete the episodes (and their events) of an earlier linewise run; others stay."""
    ids = f"SELECT episode_id FROM episode WHERE episode_type_concept_id = {cs.EPISODE_DERIVED} " \
          f"AND episode_concept_id IN ({cs.CANCER_DRUG_TREATMENT}, {cs.TREATMENT_REGIMEN})"
    if engine_of(con) is not Engine.SPARK:
        _sql.run(con, f"DELETE FROM episode_event WHERE episode_id IN ({ids})")
        _sql.run(con, f"DELETE FROM episode WHERE episode_id IN ({ids})")
        return
    # Spark file tables have no DELETE: keep the other rows in a staging table, overwrite
    ep, ev = con.table("episode"), con.table("episode_event")
    mine = ep.filter(_ours(ep)).select("episode_id")
    for name, keep in (("episode_event", ev.anti_join(mine, "episode_id")), ("episode", ep.filter(~_ours(ep)))):
        stage = f"_lw_keep_{name}"
        _sql.create_as(con, stage, keep, temp=False)
        con.insert(name, con.table(stage), overwrite=True)
        _sql.drop(con, stage)


# --- as files, from a linewise store ----------------------------------------------------------
EXPORT_TABLES = ("episode", "episode_event", "person_map", "drug_exposure_map")


def export_episodes(con: ibis.BaseBackend, lines: ibis.Table, drug_exposures: ibis.Table, out: Path,
                    fmt: str = "csv") -> dict[str, int]:
    """Write episode, episode_event and the two id maps as ``out/<table>.<fmt>`` (csv or parquet).

    ``lines``: derived lines on ``con``; ``drug_exposures``: the store's table of drug records
    (given ids by :func:`store_exposures`). Returns rows written per file.
    """
    out.mkdir(parents=True, exist_ok=True)
    persons = _sql.create_as(con, "_lw_episode_persons", person_map(lines))
    exposures = _sql.create_as(con, "_lw_episode_exposures", store_exposures(drug_exposures).select(
        "drug_exposure_id", "patient_id", "drug_source_value", "drug", "start_date"))
    try:
        tables = {
            "episode": episode_rows(lines, 0, persons).order_by("episode_id"),
            "episode_event": event_rows(lines, exposures, 0, persons).order_by(["episode_id", "event_id"]),
            "person_map": persons.order_by("person_id"),
            "drug_exposure_map": exposures.select("drug_exposure_id", "patient_id", "drug_source_value",
                                                  "start_date").order_by("drug_exposure_id"),
        }
        rows = {name: _write(expr, out / f"{name}.{fmt}", fmt) for name, expr in tables.items()}
    finally:
        for name in ("_lw_episode_persons", "_lw_episode_exposures"):
            _sql.drop(con, name)
    return rows


def _write(expr: ibis.Table, path: Path, fmt: str) -> int:
    """Stream ``expr`` into one file (Arrow batches: the same on every engine; Spark's own
    writers make folders); returns the rows written."""
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    n = 0
    with expr.to_pyarrow_batches() as reader:
        writer = pq.ParquetWriter(path, reader.schema) if fmt == "parquet" else pcsv.CSVWriter(path, reader.schema)
        with writer:
            for batch in reader:
                writer.write_batch(batch)
                n += batch.num_rows
    return n


__all__ = ["EXPORT_TABLES", "EpisodeCounts", "episode_rows", "event_rows", "export_episodes", "person_map",
           "store_exposures", "write_episodes"]
