"""OMOP CDM -> the linewise registry model, as Ibis expressions run by the CDM's engine.

:func:`map_cdm` returns the registry tables (``patients``, ``metastatic_sites``,
``performance_status``, ``drug_exposures``) as expressions over the CDM — nothing is fetched —
and :meth:`OmopMapping.report` counts, per source table, the records read, mapped and left out
with the reason, so nothing is dropped silently. :func:`load_into_store` writes the mapped
tables into a linewise store (``INSERT ... SELECT`` inside the database when the store lives
there too), after which ``linewise lines`` and ``linewise run`` work on OMOP data unchanged.

Who is a patient: a person with a condition in the breast-cancer concept set. Their
metastatic diagnosis is the first metastasis condition; ER / PgR / HER2 the latest test
result that resolves to a registry value (:mod:`linewise.omop.values`: answer concept id,
answer name, source text, number; records of ``measurement`` and ``observation``); drug records map to a vocabulary drug through their RxNorm ingredient (RXCUI), or
when the vocabulary has no RXCUI for the drug, through the ingredient's name.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field

import ibis
import pandas as pd

from .. import __version__
from ..errors import LinewiseError
from ..lines.vocabulary import DEFAULT, Vocabulary
from . import concepts as cs
from . import values as vs
from .cdm import Cdm

_EPOCH = _dt.date(1970, 1, 1)


@dataclass(frozen=True)
class MappingReport:
    """What the mapping did with every record: ``counts`` (one row per table and outcome),
    ``unmapped_drugs`` (the most frequent drug concepts that matched no vocabulary drug),
    ``empty_sets`` (concept sets that resolved to no concept of this instance) and
    ``unmapped_values`` (the most frequent ER / PgR / HER2 results that resolved to no
    registry value: table, test set, reason, answer concept id and name, source text,
    number, records)."""

    counts: pd.DataFrame
    unmapped_drugs: pd.DataFrame
    empty_sets: tuple[str, ...]
    cdm_version: str | None = None
    problems: tuple[str, ...] = ()
    unmapped_values: pd.DataFrame | None = None

    def count(self, table: str, outcome: str) -> int:
        sel = self.counts[(self.counts["table"] == table) & (self.counts["outcome"] == outcome)]
        return int(sel["records"].sum())

    def lines(self) -> list[str]:
        out = []
        for table, grp in self.counts.groupby("table", sort=False):
            parts = ", ".join(f"{r.outcome} {r.records:,}" for r in grp.itertuples())
            out.append(f"{table}: {parts}")
        if self.empty_sets:
            out.append("concept sets with no concept in this instance: " + ", ".join(self.empty_sets))
        out.extend(self.problems)
        return out


@dataclass
class OmopMapping:
    """The mapped registry tables (Ibis expressions over the CDM) and the sets they used."""

    cdm: Cdm
    patients: ibis.Table
    metastatic_sites: ibis.Table
    performance_status: ibis.Table
    drug_exposures: ibis.Table
    concepts: ibis.Table = field(repr=False)
    drug_map: ibis.Table = field(repr=False)
    _persons: ibis.Table = field(repr=False, default=None)
    problems: tuple[str, ...] = ()
    results: ibis.Table | None = field(repr=False, default=None)

    def report(self, top: int = 20) -> MappingReport:
        """Count records read / mapped / left out per table (a few aggregate queries)."""
        cdm = self.cdm
        person = cdm.table("person", ("person_id",))
        cohort = self._persons
        rows: list[tuple[str, str, int]] = []
        n_person = int(person.count().execute())
        n_cohort = int(cohort.count().execute())
        rows += [("person", "mapped (breast cancer)", n_cohort), ("person", "not mapped: no breast-cancer condition", n_person - n_cohort)]
        cond = cdm.table("condition_occurrence", ("person_id", "condition_concept_id"))
        sets = self.concepts
        c = cond.left_join(sets, cond.condition_concept_id == sets.concept_id)
        c = c.mutate(kind=ibis.cases((c.set_name == "breast_cancer", "mapped (breast cancer)"),
                                     (c.set_name.startswith("metastasis_"), "mapped (metastatic site)"),
                                     else_="not mapped: outside the concept sets"))
        rows += _grouped(c, "condition_occurrence", "kind")
        res = self.results
        res = res.mutate(kind=ibis.ifelse(res.value.notnull(), "mapped (" + res.set_name + ")",
                                          "not mapped: " + res.set_name + ", " + res.reason.substitute(vs.REASONS)))
        meas = cdm.table("measurement", ("person_id", "measurement_concept_id"))
        m = meas.left_join(sets, meas.measurement_concept_id == sets.concept_id)
        m = m.filter(m.set_name.isnull() | ~m.set_name.isin(list(vs.RESULT_SETS)))
        m = m.mutate(kind=ibis.ifelse(m.set_name == "ecog", "mapped (ecog)", "not mapped: outside the concept sets"))
        rows += sorted(_grouped(m, "measurement", "kind") + _grouped(res.filter(res.source == "measurement"), "measurement", "kind"),
                       key=lambda r: r[1])
        drug = cdm.table("drug_exposure", ("person_id", "drug_concept_id"))
        d = drug.left_join(self.drug_map, drug.drug_concept_id == self.drug_map.concept_id)
        d = d.left_join(cohort.mutate(in_cohort=ibis.literal(True)), d.person_id == cohort.person_id)
        d = d.mutate(kind=ibis.cases(
            (d.in_cohort.isnull() & d.drug.notnull(), "not mapped: person without breast cancer (a vocabulary drug)"),
            (d.in_cohort.isnull(), "not mapped: person without breast cancer"),
            (d.drug_concept_id == 0, "not mapped: drug_concept_id 0 (no standard concept)"),
            (d.drug.isnull(), "not mapped: not a drug of the vocabulary"),
            else_="mapped"))
        rows += _grouped(d, "drug_exposure", "kind")
        unusable = {p.split(":", 1)[0] for p in self.problems}
        if cdm.has("observation") and "observation" not in unusable:
            obs = res.filter(res.source == "observation")
            got = _grouped(obs, "observation", "kind")
            rest = int(cdm.table("observation").count().execute()) - sum(r[2] for r in got)
            rows += got + [("observation", "read, not used (outside the ER / PgR / HER2 sets)", rest)]
        for name in ("procedure_occurrence", "death", "observation_period"):
            if cdm.has(name) and name not in unusable:
                n = int(cdm.table(name).count().execute())
                used = {"death": "mapped (death date)", "observation_period": "mapped (last contact)",
                        "procedure_occurrence": "read (breast surgery date)"}[name]
                rows.append((name, used, n))
        for name in ("episode", "episode_event"):
            if cdm.has(name):
                rows.append((name, "present, not read (linewise derives its own lines)", int(cdm.table(name).count().execute())))
        unmapped = d.filter(d.kind == "not mapped: not a drug of the vocabulary")
        top_rows = (unmapped.group_by("drug_concept_id").aggregate(records=unmapped.count())
                    .order_by([ibis.desc("records"), "drug_concept_id"]).limit(top))
        concept = cdm.table("concept", ("concept_id", "concept_name", "vocabulary_id", "concept_code"))
        top_rows = top_rows.left_join(concept, top_rows.drug_concept_id == concept.concept_id).drop("concept_id")
        top_df = top_rows.order_by([ibis.desc("records"), "drug_concept_id"]).execute()
        used_sets = set(self.concepts.select("set_name").distinct().execute()["set_name"])
        empty = tuple(s.name for s in cs.ALL_SETS if s.name not in used_sets)
        counts = pd.DataFrame(rows, columns=["table", "outcome", "records"])
        counts["records"] = counts["records"].astype("int64")
        return MappingReport(counts, top_df, empty, cdm.version(), self.problems, _unmapped_values(res, top))


def _unmapped_values(res: ibis.Table, top: int) -> pd.DataFrame:
    """The most frequent unresolved results, by what they held (the answer concept, the text)."""
    bad = res.filter(res.value.isnull())
    keys = ["source", "set_name", "reason", "value_as_concept_id", "answer_name", "value_text", "value_as_number"]
    bad = bad.select(*keys[:3], value_as_concept_id=bad.value_as_concept_id.cast("int64"), answer_name=bad.answer_name,
                     value_text=bad.value_text, value_as_number=bad.value_as_number.cast("float64"))
    agg = bad.group_by(keys).aggregate(records=bad.count())
    df = agg.order_by([ibis.desc("records"), *keys]).limit(top).execute()
    df["reason"] = df["reason"].map(vs.REASONS)
    return df.rename(columns={"source": "table", "set_name": "test"}).reset_index(drop=True)


def _grouped(t: ibis.Table, table: str, col: str) -> list[tuple[str, str, int]]:
    df = t.group_by(col).aggregate(n=t.count()).order_by(col).execute()
    return [(table, str(r[col]), int(r["n"])) for _, r in df.iterrows()]


def drug_map(cdm: Cdm, vocabulary: Vocabulary = DEFAULT) -> ibis.Table:
    """``(concept_id, drug)``: every drug concept of the instance that is (or descends from) a
    vocabulary drug's RxNorm ingredient — by RXCUI, else by the ingredient's name."""
    concept = cdm.table("concept", ("concept_id", "concept_name", "vocabulary_id", "concept_code", "concept_class_id"))
    by_code = cs.drug_codes(vocabulary)
    codes = ibis.memtable({"concept_code": list(by_code), "drug": list(by_code.values()),
                           "vocabulary_id": ["RxNorm"] * len(by_code)})
    ingredients = concept.filter(concept.concept_class_id == "Ingredient")
    coded = ingredients.join(codes, ["vocabulary_id", "concept_code"]).select("concept_id", "drug")
    # drugs without an RXCUI in the vocabulary: the ingredient's name through the vocabulary's synonyms
    names = {}
    for d in vocabulary.drugs:
        if d.rxnorm:
            continue
        for text in (d.name, *d.synonyms):
            names.setdefault(text.lower(), d.name)
    named_t = ibis.memtable({"lname": list(names), "drug": list(names.values())})
    ing = ingredients.mutate(lname=ingredients.concept_name.lower())
    named = ing.join(named_t, "lname").select("concept_id", "drug")
    roots = coded.union(named)
    if cdm.has("concept_ancestor"):
        a = cdm.table("concept_ancestor", ("ancestor_concept_id", "descendant_concept_id"))
        wide = roots.join(a, roots.concept_id == a.ancestor_concept_id)
        roots = roots.union(wide.select(concept_id=wide.descendant_concept_id, drug=wide.drug))
    return roots.distinct()


def _days(d: ibis.Value) -> ibis.Value:
    return d.epoch_days()


def map_cdm(cdm: Cdm, vocabulary: Vocabulary = DEFAULT) -> OmopMapping:
    """The registry tables of an OMOP CDM instance, as Ibis expressions (nothing is run)."""
    concept = cdm.table("concept", ("concept_id", "vocabulary_id", "concept_code"))
    ancestor = cdm.table("concept_ancestor", ("ancestor_concept_id", "descendant_concept_id")) if cdm.has("concept_ancestor") else None
    sets = cs.resolve(concept, ancestor, cs.codes_table(cs.ALL_SETS))
    cond = cdm.table("condition_occurrence", ("person_id", "condition_concept_id", "condition_start_date"))
    c = cond.join(sets, cond.condition_concept_id == sets.concept_id)
    bc = c.filter(c.set_name == "breast_cancer")
    persons = bc.group_by("person_id").aggregate(primary_diagnosis_date=bc.condition_start_date.min())
    met = c.filter(c.set_name.startswith("metastasis_"))
    site_of = {s.name: site for site, s in cs.METASTASIS_SITES.items()}
    met = met.mutate(site=met.set_name.substitute(site_of))
    met_first = met.group_by("person_id").aggregate(metastatic_diagnosis_date=met.condition_start_date.min())
    sites = met.group_by(["person_id", "site"]).aggregate(date_detected=met.condition_start_date.min())
    sites = sites.semi_join(persons, "person_id")

    problems: list[str] = []
    results = _results(cdm, sets, problems)
    ok = results.filter(results.value.notnull())
    # the latest result per test; on the same day measurement before observation, then the
    # highest record id (the rule the numeric HER2 score always followed)
    latest = ibis.window(group_by=[ok.person_id, ok.set_name],
                         order_by=[ibis.desc(ok.result_date), ok.source, ibis.desc(ok.record_id)])
    ok = ok.mutate(rank=ibis.row_number().over(latest))
    last = ok.filter(ok.rank == 0)
    tests = last.group_by("person_id").aggregate(
        **{col: last.value.max(where=last.set_name == name) for name, col in vs.RESULT_SETS.items()})
    meas = cdm.table("measurement", ("person_id", "measurement_concept_id", "measurement_date", "value_as_number"))
    m = meas.join(sets, meas.measurement_concept_id == sets.concept_id)
    ecog = m.filter(m.set_name == "ecog")
    ps = ecog.select(patient_id=ecog.person_id.cast("string"), assessment_date=ecog.measurement_date,
                     ecog=ecog.value_as_number.cast("float64").round().cast("int32"))
    ps = ps.semi_join(persons.select(patient_id=persons.person_id.cast("string")), "patient_id").distinct()

    person = cdm.table("person", ("person_id", "gender_concept_id", "year_of_birth", "month_of_birth", "day_of_birth"))
    birth = ibis.date(person.year_of_birth, ibis.coalesce(person.month_of_birth, 7), ibis.coalesce(person.day_of_birth, 1))
    person = person.select("person_id", birth_date=birth,
                           sex=ibis.cases((person.gender_concept_id == 8532, "female"), (person.gender_concept_id == 8507, "male"),
                                          else_=ibis.null("string")))
    extras = [person, met_first, tests]
    death = _optional(cdm, "death", ("person_id", "death_date"), problems)
    if death is not None:
        extras.append(death.group_by("person_id").aggregate(death_date=death.death_date.min()))
    op = _optional(cdm, "observation_period", ("person_id", "observation_period_end_date"), problems)
    if op is not None:
        extras.append(op.group_by("person_id").aggregate(last_contact_date=op.observation_period_end_date.max()))
    proc = _optional(cdm, "procedure_occurrence", ("person_id", "procedure_concept_id", "procedure_date"), problems)
    if proc is not None:
        p = proc.join(sets.filter(sets.set_name == "breast_surgery"), proc.procedure_concept_id == sets.concept_id)
        extras.append(p.group_by("person_id").aggregate(surgery_date=p.procedure_date.min()))

    pt = persons
    for extra in extras:
        pt = pt.left_join(extra, "person_id")
        pt = pt.drop([col for col in pt.columns if col.endswith("_right")])
    for col, typ in (("death_date", "date"), ("last_contact_date", "date"), ("surgery_date", "date")):
        if col not in pt.columns:
            pt = pt.mutate(**{col: ibis.null(typ)})
    de_novo = (pt.metastatic_diagnosis_date.epoch_days() - pt.primary_diagnosis_date.epoch_days()) <= 90
    patients = pt.select(
        patient_id=pt.person_id.cast("string"), birth_date=pt.birth_date, sex=pt.sex,
        primary_diagnosis_date=pt.primary_diagnosis_date, surgery_date=pt.surgery_date,
        metastatic_diagnosis_date=pt.metastatic_diagnosis_date,
        de_novo_metastatic=ibis.ifelse(pt.metastatic_diagnosis_date.isnull(), ibis.null("boolean"), de_novo),
        er_status=pt.er_status, pgr_status=pt.pgr_status, her2_ihc=pt.her2_ihc, her2_ish=pt.her2_ish,
        last_contact_date=ibis.coalesce(pt.death_date, pt.last_contact_date), death_date=pt.death_date,
    )
    metastatic_sites = sites.select(patient_id=sites.person_id.cast("string"), site=sites.site, date_detected=sites.date_detected)

    dmap = drug_map(cdm, vocabulary)
    drug = cdm.table("drug_exposure", ("drug_exposure_id", "person_id", "drug_concept_id", "drug_exposure_start_date",
                                       "drug_exposure_end_date", "drug_source_value"))
    d = drug.semi_join(persons, "person_id").join(dmap, drug.drug_concept_id == dmap.concept_id)
    drug_exposures = d.select(
        drug_exposure_id=d.drug_exposure_id.cast("int64"), patient_id=d.person_id.cast("string"),
        drug_source_value=ibis.coalesce(d.drug_source_value, d.drug), drug=d.drug,
        start_date=d.drug_exposure_start_date, end_date=d.drug_exposure_end_date,
    )
    return OmopMapping(cdm, patients, metastatic_sites, ps, drug_exposures, sets, dmap, persons, tuple(problems), results)


def _results(cdm: Cdm, sets: ibis.Table, problems: list[str]) -> ibis.Table:
    """Every ``measurement`` (and ``observation``) record of the ER / PgR / HER2 sets with its
    resolved ``value`` or the ``reason`` it has none (:func:`values.resolved_results`)."""
    result_sets = sets.filter(sets.set_name.isin(list(vs.RESULT_SETS)))
    parts = []
    for table, concept_col, date_col, id_col, texts in (
            ("measurement", "measurement_concept_id", "measurement_date", "measurement_id", ("value_source_value",)),
            ("observation", "observation_concept_id", "observation_date", "observation_id",
             ("value_source_value", "value_as_string"))):
        need = ("person_id", concept_col, date_col, id_col, "value_as_number", "value_as_concept_id")
        t = _optional(cdm, table, need, problems) if table == "observation" else cdm.table(table, need)
        if t is None:
            continue
        full = cdm.table(table)
        # value_source_value is new in observation with v5.4; value_as_string is its v5.3 text
        found = [full[c].cast("string") for c in texts if c in full.columns]
        text = (ibis.coalesce(*found) if len(found) > 1 else found[0]) if found else ibis.null("string")
        t = full.select(*need, _text=text)
        j = t.join(result_sets, t[concept_col] == result_sets.concept_id)
        parts.append(j.select(
            source=ibis.literal(table, "string"), person_id=j.person_id.cast("int64"), set_name=j.set_name,
            result_date=j[date_col].cast("date"), record_id=j[id_col].cast("int64"),
            value_as_concept_id=j.value_as_concept_id.cast("int64"), value_as_number=j.value_as_number.cast("float64"),
            value_text=j._text))
    records = parts[0]
    for p in parts[1:]:
        records = records.union(p, distinct=False)
    concept = cdm.table("concept", ("concept_id", "concept_name"))
    return vs.resolved_results(records, sets, concept)


def _optional(cdm: Cdm, name: str, columns: tuple[str, ...], problems: list[str]) -> ibis.Table | None:
    """A table the mapping can do without: missing or malformed, it is reported and skipped."""
    if not cdm.has(name):
        problems.append(f"{name}: not in this instance, not read")
        return None
    try:
        return cdm.table(name, columns)
    except LinewiseError as exc:
        problems.append(f"{name}: not read ({exc})")
        return None


#: mapped table -> (model table, its key for ``_source_row``)
_TARGETS = {"patients": "patient_id", "metastatic_sites": "patient_id", "performance_status": "patient_id",
            "drug_exposures": "drug_exposure_id"}


def load_into_store(mapping: OmopMapping, store) -> dict[str, int]:
    """Replace the store's patients, sites, performance status and drug records with the mapped
    OMOP data, logged as one import per table; returns rows stored per table.

    When the store is on the CDM's own connection, rows go ``INSERT ... SELECT`` inside the
    database; otherwise they stream through Arrow.
    """
    from ..model.registry import get_table
    from ..store.store import table_schema

    same = store.con is mapping.cdm.con
    stored: dict[str, int] = {}
    with store.transaction():
        import_id = store.next_import_id()
        for name in _TARGETS:
            model = get_table(name)
            target = table_schema(model)
            expr = getattr(mapping, name)
            cols = {}
            for col, typ in target.items():
                if col == "_import_id":
                    cols[col] = ibis.literal(import_id, "int64")
                elif col == "_source_row":
                    key = expr.drug_exposure_id if name == "drug_exposures" else ibis.row_number().over(order_by=expr.patient_id) + 1
                    cols[col] = key.cast("int64")
                elif col.endswith("_precision") and col.removesuffix("_precision") in expr.columns:
                    base = col.removesuffix("_precision")
                    cols[col] = ibis.ifelse(expr[base].isnull(), ibis.null("string"), "day")
                elif col == "route":
                    cols[col] = ibis.null("string")
                elif col in expr.columns:
                    cols[col] = expr[col].cast(typ)
                else:
                    cols[col] = ibis.null(typ)
            rows = expr.select(**cols)
            store.delete_all(name)
            if same:
                store.con.insert(store.table(name).get_name(), rows)
            else:
                store.insert(name, rows.to_pyarrow())
            n = int(store.table(name).count().execute())
            stored[name] = n
            store.insert("imports", _import_row(store, import_id, name, n))
            import_id += 1
    store.analyze(stored)
    return stored


def _import_row(store, import_id: int, name: str, n: int):
    import pyarrow as pa

    return pa.Table.from_pylist([{
        "import_id": import_id, "table_name": name, "source": f"omop:{name}", "content_hash": "",
        "mode": "replace", "rows_read": n, "rows_stored": n, "rows_rejected": 0, "warnings": 0,
        "imported_at": _dt.datetime.now(_dt.UTC).replace(tzinfo=None), "linewise_version": __version__,
        "options": json.dumps({"source": "omop"}),
    }], schema=store.table("imports").schema().to_pyarrow())


__all__ = ["MappingReport", "OmopMapping", "drug_map", "load_into_store", "map_cdm"]
