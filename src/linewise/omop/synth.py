"""A synthetic OMOP CDM v5.4 instance, converted from the synthetic registry.

:func:`write_omop` generates the registry (:func:`linewise.synth.generate_registry`, Parquet)
and converts it with DuckDB into the CDM tables linewise reads — ``person``,
``observation_period``, ``condition_occurrence`` (breast cancer; one metastasis condition per
site), ``measurement`` (ER, PgR, HER2 IHC / ISH, ECOG), ``procedure_occurrence`` (breast
surgery), ``drug_exposure``, ``death``, an empty ``observation``, ``cdm_source`` and the
vocabulary subset (``concept``, ``concept_ancestor``) — written as a DuckDB file, a folder of
Parquet files, or straight into PostgreSQL (``COPY``).

Concept ids: the fixed standard ids linewise writes or reads as such (gender 8532/8507, type
concept 32879 *Registry*, the episode concepts) are Athena's; their ``concept_code`` is written
as ``OMOP generated`` (what the OHDSI vocabulary scripts gave such concepts when they were
created; the current release codes could not be verified — docs/omop.md, *Verification*), and
linewise reads them by id only. Every other concept of the instance gets an id in the
2,000,000,000+ range OMOP reserves for local concepts, with its real ``vocabulary_id`` and
``concept_code`` — linewise resolves concept sets by code, so the mapping is exercised exactly
as on a real instance. Trastuzumab emtansine records use a *branded* drug concept (Kadcyla)
below the ingredient, so mapping must go through ``concept_ancestor``; it is a local concept
(``RxNorm Extension``, code ``OMOP-LW-KADCYLA``) because no RXCUI of a Kadcyla branded drug
could be verified (RxNorm 1371046 is the brand name *Kadcyla* itself). Known unmappable records
are planted: every 25th patient has one acetaminophen record (a drug outside the vocabulary)
and every 40th one record with ``drug_concept_id`` 0.

Test results come as on real instances, in a mix that exercises every way
:mod:`linewise.omop.values` resolves them (by ``person_id``): HER2 IHC as ``value_as_number``
only (``% 4 == 0``), as an answer concept (``% 4 == 1``: 3+ as Athena's LOINC *Positive*
45884084 or a local concept "IHC score 3+", 2+ as the SNOMED *Equivocal* concept, 0 / 1+ as
local concepts named by their score), as ``value_source_value`` text only (``% 4 == 2``:
"IHC 3+", "2+", "HER2 score 2+", with ``value_as_concept_id`` 0 or empty), or as number and
text (``% 4 == 3``); ER / PgR as answer concepts — Athena's LOINC 45884084 / 45878583
(``% 3 == 0``), SNOMED 9191 / 9189 (``% 3 == 1``), a local concept "Receptor positive (local)"
read by its name (``% 3 == 2``) — in ``observation`` instead of ``measurement`` for every 7th
patient; HER2 ISH as an answer concept or as the text "amplified" / "not amplified". Planted
unresolvable results: every 30th patient has an extra HER2 IHC record with a local answer
concept "Not performed (local)", every 45th an extra ER record whose only value is the text
"see pathology report"; the mapping report must count exactly those.

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "cdm.duckdb"
>>> res = write_omop(out, 50, seed=1)
>>> res.rows["person"], res.rows["drug_exposure"] > 1000
(50, True)
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import duckdb

from ..errors import LinewiseError
from ..lines.vocabulary import DEFAULT
from ..synth import generate_registry
from ..synth import regimens as rg
from . import concepts as cs
from . import values as vs
from .cdm import TABLES, ddl

LOCAL = 2_000_000_000
REGISTRY_TYPE = 32879  # Type Concept: Registry
OMOP_GENERATED = "OMOP generated"  # concept_code written for the fixed OMOP-made concepts (see module docstring)
TDM1_BRANDED = LOCAL + 300_000
ACETAMINOPHEN = LOCAL + 200_999
NOISE_DRUG_EVERY, ZERO_CONCEPT_EVERY = 25, 40
#: local answer concepts (read by name): HER2 IHC scores, receptor positive / negative, and one
#: no rule reads (the planted unknown answer)
IHC_SCORE_ANSWER = {score: LOCAL + 400_000 + i for i, score in enumerate(vs.SCORES)}
RECEPTOR_ANSWER = {"positive": LOCAL + 400_010, "negative": LOCAL + 400_011}
UNKNOWN_ANSWER = LOCAL + 400_099
#: the verified Athena answer concepts by vocabulary and raw result (``("LOINC", "positive")``)
ATHENA_ANSWER = {(voc, raw): cid for cid, (raw, voc, _code, _name) in vs.VERIFIED_ANSWERS.items()}
OBSERVATION_EVERY, UNKNOWN_ANSWER_EVERY, UNPARSED_TEXT_EVERY = 7, 30, 45
UNPARSED_TEXT = "see pathology report"


class OmopTarget(StrEnum):
    DUCKDB = "duckdb"
    PARQUET = "parquet"
    POSTGRES = "postgres"


def target_of(out: str | Path) -> OmopTarget:
    """``postgresql://...`` -> PostgreSQL, ``*.duckdb`` / ``*.db`` -> a DuckDB file, else a Parquet folder."""
    text = str(out)
    if text.startswith(("postgresql:/", "postgres:/")):
        return OmopTarget.POSTGRES
    return OmopTarget.DUCKDB if Path(text).suffix in (".duckdb", ".db") else OmopTarget.PARQUET


@dataclass(frozen=True)
class OmopSynthResult:
    """What :func:`write_omop` wrote: rows per CDM table and the planted unmappable records."""

    target: str
    kind: OmopTarget
    n_patients: int
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    planted_unmapped_drug: int = 0
    planted_zero_concept: int = 0
    planted_unknown_answer: int = 0
    planted_unparsed_text: int = 0


def _concepts() -> list[tuple]:
    """(concept_id, name, domain, vocabulary, class, standard, code) of the instance's vocabulary."""
    rows = [(8532, "FEMALE", "Gender", "Gender", "Gender", "S", "F"), (8507, "MALE", "Gender", "Gender", "Gender", "S", "M"),
            (REGISTRY_TYPE, "Registry", "Type Concept", "Type Concept", "Type Concept", "S", OMOP_GENERATED),
            (cs.CANCER_DRUG_TREATMENT, "Cancer Drug Treatment", "Episode", "Episode", "Episode", "S", OMOP_GENERATED),
            (cs.TREATMENT_REGIMEN, "Treatment Regimen", "Episode", "Episode", "Episode", "S", OMOP_GENERATED),
            (cs.EPISODE_DERIVED, "Episode algorithmically derived from EHR", "Type Concept", "Type Concept",
             "Type Concept", "S", OMOP_GENERATED),
            (cs.DRUG_EXPOSURE_ID_FIELD, "drug_exposure.drug_exposure_id", "Metadata", "CDM", "Field", "S", OMOP_GENERATED)]
    athena = {(voc, code): (cid, name) for cid, (_, voc, code, name) in vs.VERIFIED_ANSWERS.items()}
    i = 1
    for s in cs.ALL_SETS:
        domain = s.domain.value
        for voc, code in s.codes:
            cls = "Clinical Finding" if voc == "SNOMED" and domain == "Condition" else (
                "Procedure" if domain == "Procedure" else "Answer" if code.startswith("LA") else
                "Qualifier Value" if domain == "Meas Value" else "Lab Test")
            # answer concepts with a verified Athena id keep it (and their name), as on a real instance
            cid, name = athena.get((voc, code), (LOCAL + i, f"{s.name} ({voc} {code})"))
            rows.append((cid, name, domain, voc, cls, "S", code))
            i += 1
    for score, cid in IHC_SCORE_ANSWER.items():
        rows.append((cid, f"IHC score {score} (local)", "Meas Value", "Local", "Answer", None, f"LW-HER2-IHC-{score}"))
    for result, cid in RECEPTOR_ANSWER.items():
        rows.append((cid, f"Receptor {result} (local)", "Meas Value", "Local", "Answer", None, f"LW-RECEPTOR-{result}"))
    rows.append((UNKNOWN_ANSWER, "Not performed (local)", "Meas Value", "Local", "Answer", None, "LW-NOT-PERFORMED"))
    for j, name in enumerate(rg.DRUG_NAMES):
        d = DEFAULT.get(name)
        voc, code = ("RxNorm", d.rxnorm) if d.rxnorm else ("RxNorm Extension", f"OMOP-LW{j:04d}")
        rows.append((LOCAL + 200_000 + j, d.name, "Drug", voc, "Ingredient", "S", code))
    rows.append((ACETAMINOPHEN, "acetaminophen", "Drug", "RxNorm", "Ingredient", "S", "161"))
    rows.append((TDM1_BRANDED, "ado-trastuzumab emtansine Injection [Kadcyla]", "Drug", "RxNorm Extension",
                 "Branded Drug", "S", "OMOP-LW-KADCYLA"))
    return rows


def _code_id(rows: list[tuple], set_name: str, voc: str, code: str) -> int:
    for r in rows:
        if r[3] == voc and r[6] == code and r[1].startswith(set_name + " ("):
            return r[0]
    raise KeyError((set_name, code))


def _convert(con: duckdb.DuckDBPyConnection, reg: Path) -> None:
    """Create the CDM tables in ``con`` from the registry's Parquet files (views ``r_*``)."""
    for name in ("patients", "metastatic_sites", "performance_status", "drug_exposures"):
        con.execute(f"CREATE VIEW r_{name} AS SELECT * FROM read_parquet('{reg / (name + '.parquet')}')")
    for table in TABLES:
        con.execute(ddl(table))
    concepts = _concepts()
    con.executemany("INSERT INTO concept VALUES (?, ?, ?, ?, ?, ?, ?, DATE '1970-01-01', DATE '2099-12-31', NULL)", concepts)
    tdm1 = next(r[0] for r in concepts if r[1] == "trastuzumab emtansine")
    con.execute("INSERT INTO concept_ancestor SELECT concept_id, concept_id, 0, 0 FROM concept WHERE domain_id = 'Drug'")
    con.execute(f"INSERT INTO concept_ancestor VALUES ({tdm1}, {TDM1_BRANDED}, 1, 1)")
    sid = {k: _code_id(concepts, *k) for k in [
        ("breast_cancer", "SNOMED", "254837009"), ("er_test", "LOINC", "16112-5"), ("pgr_test", "LOINC", "16113-3"),
        ("her2_ihc", "LOINC", "85319-2"), ("her2_ish", "LOINC", "85318-4"), ("ecog", "LOINC", "89247-1"),
        ("equivocal", "SNOMED", "42425007"), ("breast_surgery", "SNOMED", "69031006")]}
    site_ids = {site: _code_id(concepts, s.name, *s.codes[0]) for site, s in cs.METASTASIS_SITES.items()}
    pid = "CAST(substr(patient_id, 2) AS INTEGER)"
    con.execute(f"""INSERT INTO person (person_id, gender_concept_id, year_of_birth, month_of_birth, day_of_birth,
        race_concept_id, ethnicity_concept_id, person_source_value, gender_source_value)
        SELECT {pid}, CASE sex WHEN 'male' THEN 8507 ELSE 8532 END, year(birth_date), month(birth_date), day(birth_date),
               0, 0, patient_id, sex FROM r_patients""")
    con.execute(f"""INSERT INTO observation_period SELECT row_number() OVER (ORDER BY p.patient_id), {pid.replace('patient_id', 'p.patient_id')},
        least(p.primary_diagnosis_date, p.metastatic_diagnosis_date, coalesce(d.first_drug, p.primary_diagnosis_date)),
        greatest(coalesce(p.last_contact_date, p.death_date, p.metastatic_diagnosis_date), coalesce(d.last_drug, p.metastatic_diagnosis_date)),
        {REGISTRY_TYPE}
        FROM r_patients p LEFT JOIN (SELECT patient_id, min(start_date) first_drug, max(end_date) last_drug
                                     FROM r_drug_exposures GROUP BY 1) d USING (patient_id)""")
    site_case = "CASE site " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in site_ids.items()) + " END"
    con.execute(f"""INSERT INTO condition_occurrence (condition_occurrence_id, person_id, condition_concept_id,
        condition_start_date, condition_type_concept_id, condition_source_value)
        SELECT row_number() OVER (ORDER BY pid, d, c), pid, c, d, {REGISTRY_TYPE}, src FROM (
          SELECT {pid} pid, {sid[("breast_cancer", "SNOMED", "254837009")]} c, primary_diagnosis_date d, 'C50.9' src FROM r_patients
          UNION ALL
          SELECT {pid}, {site_case}, date_detected, 'C79: ' || site FROM r_metastatic_sites)""")
    con.execute(_measurements(sid))
    con.execute(_observations(sid))
    con.execute(f"""INSERT INTO procedure_occurrence (procedure_occurrence_id, person_id, procedure_concept_id,
        procedure_date, procedure_type_concept_id, procedure_source_value)
        SELECT row_number() OVER (ORDER BY patient_id), {pid}, {sid[("breast_surgery", "SNOMED", "69031006")]},
               surgery_date, {REGISTRY_TYPE}, 'breast surgery' FROM r_patients WHERE surgery_date IS NOT NULL""")
    con.execute(f"""INSERT INTO death (person_id, death_date, death_type_concept_id)
        SELECT {pid}, death_date, {REGISTRY_TYPE} FROM r_patients WHERE death_date IS NOT NULL""")
    drug_case = "CASE drug " + " ".join(f"WHEN '{r[1]}' THEN {TDM1_BRANDED if r[1] == 'trastuzumab emtansine' else r[0]}"
                                        for r in concepts if r[2] == "Drug" and r[4] == "Ingredient") + " ELSE 0 END"
    con.execute(f"""INSERT INTO drug_exposure (drug_exposure_id, person_id, drug_concept_id, drug_exposure_start_date,
        drug_exposure_end_date, drug_type_concept_id, drug_source_value, route_source_value)
        SELECT row_number() OVER (ORDER BY pid, s, src, e), pid, c, s, e, {REGISTRY_TYPE}, src, route FROM (
          SELECT {pid} pid, {drug_case} c, start_date s, coalesce(end_date, start_date) e,
                 CAST(drug_source_value AS VARCHAR) src, CAST(route AS VARCHAR) route FROM r_drug_exposures
          UNION ALL
          SELECT {pid}, {ACETAMINOPHEN}, metastatic_diagnosis_date, metastatic_diagnosis_date + 2, 'paracetamol', 'oral'
            FROM r_patients WHERE {pid} % {NOISE_DRUG_EVERY} = 0
          UNION ALL
          SELECT {pid}, 0, metastatic_diagnosis_date, metastatic_diagnosis_date, 'study drug (blinded)', 'iv'
            FROM r_patients WHERE {pid} % {ZERO_CONCEPT_EVERY} = 0)""")
    con.execute("""INSERT INTO cdm_source VALUES ('linewise synthetic HER2+ MBC registry', 'linewise-synth',
        'linewise', 'Synthetic patients generated by linewise.synth, converted to OMOP CDM v5.4.', NULL, NULL,
        current_date, current_date, 'v5.4', 756265, 'linewise-synth v1')""")


def _answer(result: str, mode: str) -> str:
    """SQL: the answer concept of receptor status column ``result`` by ``mode`` (0 / 1 / 2)."""
    ids = {0: (ATHENA_ANSWER["LOINC", "positive"], ATHENA_ANSWER["LOINC", "negative"]),
           1: (ATHENA_ANSWER["SNOMED", "positive"], ATHENA_ANSWER["SNOMED", "negative"]),
           2: (RECEPTOR_ANSWER["positive"], RECEPTOR_ANSWER["negative"])}
    cases = " ".join(f"WHEN {m} THEN CASE {result} WHEN 'positive' THEN {p} WHEN 'negative' THEN {n} END"
                     for m, (p, n) in ids.items())
    return f"CASE {mode} {cases} END"


_PID = "CAST(substr(patient_id, 2) AS INTEGER)"


def _receptors(sid: dict, observation: bool) -> str:
    """SQL rows (pid, concept, date, number, answer, source, text) of the ER / PgR results that go
    to ``observation`` (every OBSERVATION_EVERY-th patient) or else to ``measurement``."""
    where = f"{_PID} % {OBSERVATION_EVERY} {'=' if observation else '<>'} 0"
    return f"""
          SELECT {_PID} pid, {sid[("er_test", "LOINC", "16112-5")]} c, primary_diagnosis_date d, NULL::DOUBLE num,
                 {_answer("er_status", f"{_PID} % 3")} val, 'ER' src, NULL::VARCHAR vsrc
            FROM r_patients WHERE er_status IS NOT NULL AND {where}
          UNION ALL
          SELECT {_PID}, {sid[("pgr_test", "LOINC", "16113-3")]}, primary_diagnosis_date, NULL,
                 {_answer("pgr_status", f"{_PID} % 3")}, 'PgR', NULL
            FROM r_patients WHERE pgr_status IS NOT NULL AND {where}"""


def _measurements(sid: dict) -> str:
    """``INSERT`` of the measurement rows: results in the mix of the module docstring."""
    pid = _PID
    ihc, ish = sid[("her2_ihc", "LOINC", "85319-2")], sid[("her2_ish", "LOINC", "85318-4")]
    loinc_pos, loinc_neg = ATHENA_ANSWER["LOINC", "positive"], ATHENA_ANSWER["LOINC", "negative"]
    score_answer = " ".join(f"WHEN '{k}' THEN {v}" for k, v in IHC_SCORE_ANSWER.items())
    ihc_answer = f"""CASE her2_ihc WHEN '3+' THEN CASE WHEN {pid} % 8 < 4 THEN {loinc_pos} ELSE {IHC_SCORE_ANSWER['3+']} END
                     WHEN '2+' THEN {sid[("equivocal", "SNOMED", "42425007")]} ELSE CASE her2_ihc {score_answer} END END"""
    ihc_text = f"CASE {pid} % 3 WHEN 0 THEN 'IHC ' || her2_ihc WHEN 1 THEN her2_ihc ELSE 'HER2 score ' || her2_ihc END"
    number = "CAST(replace(her2_ihc, '+', '') AS DOUBLE)"
    return f"""INSERT INTO measurement (measurement_id, person_id, measurement_concept_id, measurement_date,
        measurement_type_concept_id, value_as_number, value_as_concept_id, measurement_source_value, value_source_value)
        SELECT row_number() OVER (ORDER BY pid, d, c, src, vsrc, val, num), pid, c, d, {REGISTRY_TYPE}, num, val, src, vsrc FROM (
          {_receptors(sid, observation=False)}
          UNION ALL
          SELECT {pid}, {ihc}, primary_diagnosis_date,
                 CASE WHEN {pid} % 4 IN (0, 3) THEN {number} END,
                 CASE {pid} % 4 WHEN 1 THEN {ihc_answer} WHEN 2 THEN CASE WHEN {pid} % 8 = 2 THEN 0 END END,
                 'HER2 IHC',
                 CASE {pid} % 4 WHEN 2 THEN {ihc_text} WHEN 3 THEN 'HER2 ' || her2_ihc END
            FROM r_patients WHERE her2_ihc IS NOT NULL
          UNION ALL
          SELECT {pid}, {ish}, primary_diagnosis_date, NULL,
                 CASE WHEN {pid} % 2 = 0 THEN CASE her2_ish WHEN 'amplified' THEN {loinc_pos} ELSE {loinc_neg} END ELSE 0 END,
                 'HER2 ISH', CASE WHEN {pid} % 2 = 1 THEN replace(her2_ish, '_', ' ') END
            FROM r_patients WHERE her2_ish IS NOT NULL
          UNION ALL
          SELECT {pid}, {ihc}, primary_diagnosis_date, NULL, {UNKNOWN_ANSWER}, 'HER2 IHC', NULL
            FROM r_patients WHERE {pid} % {UNKNOWN_ANSWER_EVERY} = 0
          UNION ALL
          SELECT {pid}, {sid[("er_test", "LOINC", "16112-5")]}, primary_diagnosis_date, NULL, 0, 'ER', '{UNPARSED_TEXT}'
            FROM r_patients WHERE {pid} % {UNPARSED_TEXT_EVERY} = 0
          UNION ALL
          SELECT {pid}, {sid[("ecog", "LOINC", "89247-1")]}, assessment_date, ecog, NULL, 'ECOG', CAST(ecog AS VARCHAR)
            FROM r_performance_status)"""


def _observations(sid: dict) -> str:
    """``INSERT`` of the ER / PgR results some sites keep in ``observation``."""
    return f"""INSERT INTO observation (observation_id, person_id, observation_concept_id, observation_date,
        observation_type_concept_id, value_as_concept_id, observation_source_value, value_source_value)
        SELECT row_number() OVER (ORDER BY pid, d, c), pid, c, d, {REGISTRY_TYPE}, val, src, vsrc FROM (
          {_receptors(sid, observation=True)})"""


def write_omop(out: str | Path, n_patients: int, seed: int = 0, *, chunk_size: int = 100_000,
               progress=None, profile: str = "default") -> OmopSynthResult:
    """Write a synthetic OMOP CDM v5.4 instance of ``n_patients`` (see the module docstring).

    Parameters
    ----------
    out : str or Path
        ``*.duckdb`` file, a folder (Parquet, one file per table), or ``postgresql://...``
        (tables created in the URL's database / ``?schema=``; existing CDM tables are replaced).
    n_patients, seed, chunk_size, progress, profile
        As :func:`linewise.synth.generate_registry` (``profile``: the kind of registry).
    """
    kind = target_of(out)
    with tempfile.TemporaryDirectory(prefix="linewise-omop-") as tmp:
        reg = Path(tmp) / "registry"
        generate_registry(reg, n_patients, seed=seed, fmt="parquet", chunk_size=chunk_size, progress=progress,
                          profile=profile)
        if kind is OmopTarget.DUCKDB:
            path = Path(out)
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                path.unlink()
            con = duckdb.connect(str(path))
        else:
            con = duckdb.connect(str(Path(tmp) / "cdm.duckdb"))
        try:
            _convert(con, reg)
            for name in ("patients", "metastatic_sites", "performance_status", "drug_exposures"):
                con.execute(f"DROP VIEW r_{name}")
            rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
            planted = con.execute(f"""SELECT count(*) FILTER (WHERE drug_concept_id = {ACETAMINOPHEN}),
                                             count(*) FILTER (WHERE drug_concept_id = 0) FROM drug_exposure""").fetchone()
            planted += con.execute(f"""SELECT count(*) FILTER (WHERE value_as_concept_id = {UNKNOWN_ANSWER}),
                count(*) FILTER (WHERE value_source_value = '{UNPARSED_TEXT}') FROM measurement""").fetchone()
            if kind is OmopTarget.PARQUET:
                folder = Path(out)
                folder.mkdir(parents=True, exist_ok=True)
                for t in TABLES:
                    con.execute(f"COPY {t} TO '{folder / (t + '.parquet')}' (FORMAT parquet)")
            elif kind is OmopTarget.POSTGRES:
                _to_postgres(con, str(out))
        finally:
            con.close()
    return OmopSynthResult(str(out), kind, n_patients, seed, rows, *(int(x) for x in planted))


def _to_postgres(con: duckdb.DuckDBPyConnection, url: str) -> None:
    from ..store.engines import Location, connect_postgres, copy_arrow

    pg = connect_postgres(Location.parse(url).target)
    try:
        with pg.con.transaction(), pg.con.cursor() as cur:
            for t in TABLES:
                cur.execute(f"DROP TABLE IF EXISTS {t}")
                cur.execute(ddl(t))
        for t in TABLES:
            reader = con.execute(f"SELECT * FROM {t}").to_arrow_reader(500_000)
            for batch in reader:
                import pyarrow as pa

                copy_arrow(pg, t, pa.Table.from_batches([batch]))
    except LinewiseError:
        raise
    finally:
        pg.disconnect()


def open_parquet_cdm(folder: str | Path):
    """An in-memory DuckDB :class:`~linewise.omop.cdm.Cdm` over a Parquet instance (views)."""
    import ibis

    from .cdm import Cdm

    folder = Path(folder)
    con = ibis.duckdb.connect()
    found = 0
    for t in TABLES:
        f = folder / f"{t}.parquet"
        if f.exists():
            con.read_parquet(str(f), table_name=t)
            found += 1
    if not found:
        raise LinewiseError(f"{folder}: no OMOP CDM Parquet files (person.parquet, drug_exposure.parquet, ...)")
    return Cdm(con)


__all__ = ["OmopSynthResult", "OmopTarget", "open_parquet_cdm", "target_of", "write_omop"]
