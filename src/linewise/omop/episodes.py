"""Derived lines written back to the CDM as OMOP oncology-extension episodes (CDM v5.4).

For every derived line two ``episode`` rows (the layout of :func:`linewise.lines.episodes.episodes`):

* the line of therapy: ``episode_concept_id`` 32941 *Cancer Drug Treatment*,
  ``episode_number`` = metastatic line number (empty for neo/adjuvant lines),
  ``episode_source_value`` ``"line 2: trastuzumab emtansine"`` (cut to the DDL's 50 characters);
* its regimen, a child (``episode_parent_id``) with ``episode_concept_id`` 32531 *Treatment
  Regimen*;

both with ``episode_type_concept_id`` 32545 *Episode algorithmically derived from EHR* and
``episode_object_concept_id`` 0 (no HemOnc regimen concept is assigned). ``episode_event``
links each of the two episodes to every ``drug_exposure_id`` of the line, with
``episode_event_field_concept_id`` 1147094 (``drug_exposure.drug_exposure_id``). A record
belongs to the line of its patient whose dates contain its start and whose drugs include its
drug; records the line algorithm ignores (supportive drugs, unknown drugs) link to nothing.

Rewriting replaces the episodes of an earlier linewise run (type 32545, source values starting
with ``line`` or a regimen) and keeps every other episode; new ids continue after the
largest existing ``episode_id``. Tables missing are created with the v5.4 DDL.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis

from ..lines import _sql
from ..lines.episodes import episodes as _episode_rows
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


def episode_rows(lines: ibis.Table, offset: int = 0) -> ibis.Table:
    """EPISODE rows of derived lines, typed as the v5.4 DDL (ids start after ``offset``)."""
    ep = _episode_rows(lines, line_concept_id=cs.CANCER_DRUG_TREATMENT, regimen_concept_id=cs.TREATMENT_REGIMEN,
                       type_concept_id=cs.EPISODE_DERIVED)
    s = schema("episode")
    cols = {}
    for name, typ in s.items():
        if name == "episode_id":
            cols[name] = (ep.episode_id + offset).cast(typ)
        elif name == "episode_parent_id":
            cols[name] = (ep.episode_parent_id + offset).cast(typ)
        elif name == "episode_source_value":
            cols[name] = ep.episode_source_value.substr(0, _MAX_SOURCE)
        elif name in ep.columns:
            cols[name] = ep[name].cast(typ)
        else:
            cols[name] = ibis.null(typ)
    return ep.select(**cols)


def event_rows(lines: ibis.Table, exposures: ibis.Table, offset: int = 0) -> ibis.Table:
    """EPISODE_EVENT rows: each line's and regimen's drug_exposure ids (field concept 1147094)."""
    order = ibis.window(order_by=[lines.patient_id, lines.line_seq])
    ln = lines.select("patient_id", "start_date", "end_date", "drugs_given",
                      n=(ibis.row_number().over(order) + 1).cast("int64"))
    e = exposures.select("drug_exposure_id", "patient_id", "drug", "start_date")
    j = e.join(ln, [e.patient_id == ln.patient_id, e.start_date >= ln.start_date, e.start_date <= ln.end_date])
    j = j.filter(j.drugs_given.contains(j.drug))
    field_id = ibis.literal(cs.DRUG_EXPOSURE_ID_FIELD, "int32")
    line_ev = j.select(episode_id=(j.n * 2 - 1 + offset).cast("int32"), event_id=j.drug_exposure_id.cast("int32"),
                       episode_event_field_concept_id=field_id)
    reg_ev = j.select(episode_id=(j.n * 2 + offset).cast("int32"), event_id=j.drug_exposure_id.cast("int32"),
                      episode_event_field_concept_id=field_id)
    return line_ev.union(reg_ev)


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
    ep_t, ev_t = con.table("episode"), con.table("episode_event")
    old = ep_t.filter(_ours(ep_t))
    replaced = int(old.count().execute())
    if replaced:
        _remove_previous(con)
        ep_t, ev_t = con.table("episode"), con.table("episode_event")
    top = ep_t.episode_id.max().execute()
    offset = 0 if top is None or top != top else int(top)
    n_lines = int(lines.count().execute())
    con.insert("episode", episode_rows(lines, offset))
    con.insert("episode_event", event_rows(lines, exposures, offset))
    ep_t, ev_t = con.table("episode"), con.table("episode_event")
    mine = ep_t.filter(_ours(ep_t) & (ep_t.episode_id > offset))
    n_ep = int(mine.count().execute())
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


__all__ = ["EpisodeCounts", "episode_rows", "event_rows", "write_episodes"]
