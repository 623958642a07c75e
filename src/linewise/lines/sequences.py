"""Per-patient treatment-sequence features, from recorded or derived lines, in the database.

Every function takes a *line table*: an Ibis table with ``patient_id, setting, line_number,
start_date, end_date, agents`` and ``drugs`` (every drug given in the line: the agents plus, for
derived lines, substitutes and add-ons); :func:`line_table` makes one from a store. An *agent*
argument is a generic drug name, a :class:`~linewise.lines.vocabulary.DrugClass` value
(``"her2_adc"``) or ``"her2_targeted"``.

The features are written once, as aggregate expressions (:func:`exposed_before`,
:func:`drug_in_line`, :func:`line_of_first`, :func:`count_lines_before`,
:func:`her2_therapy_days`); the table functions here and the study engine's features
(``prior()``, ``in_line()``, ``line_of_first()``, ``n_prior_lines``, ...) both use them. Study C's
recipe writes its groups in the spec grammar; a test holds them equal to :func:`study_c_group`.

Examples
--------
>>> study_c_group(index_line=2, marker_in_line1=True)
3
>>> study_c_group(index_line=1, marker_in_line1=False)
5
>>> study_c_group(index_line=None, marker_in_line1=True) is None
True
"""

from __future__ import annotations

from enum import StrEnum

import ibis
import ibis.expr.types as ir

from ..errors import LinewiseError
from .vocabulary import DEFAULT, DrugClass, Vocabulary

METASTATIC_SETTING = "metastatic"
EARLY_SETTINGS = ("neoadjuvant", "adjuvant")
#: Settings a prior-exposure feature can be restricted to.
SETTING_CHOICES = ("any", METASTATIC_SETTING, "early")
#: Pseudo-class accepted where a drug class is: every HER2-targeted drug.
HER2_TARGETED = "her2_targeted"


class LineSource(StrEnum):
    """Which lines a study uses: as recorded, as derived, or recorded where present."""

    RECORDED = "recorded"
    DERIVED = "derived"
    AUTO = "auto"


def line_table(store, source: LineSource = LineSource.AUTO) -> ibis.Table:
    """Lines of a store in the shape every function here reads.

    ``auto``: a patient's recorded lines when the registry has any for them (registries that
    record lines keep them), otherwise the derived ones.
    """
    from .storage import DERIVED_LINES, derived_lines

    source = LineSource(source)
    cols = ["patient_id", "setting", "line_number", "start_date", "end_date", "agents"]
    rec = store.table("therapy_lines")
    rec = rec.select(*cols, drugs=rec.agents, source=ibis.literal(LineSource.RECORDED.value))
    if source is LineSource.RECORDED:
        return rec
    has_derived = DERIVED_LINES in store.con.list_tables()
    if source is LineSource.DERIVED or has_derived:
        der = derived_lines(store)
        der = der.select(*cols, drugs=der.drugs_given, source=ibis.literal(LineSource.DERIVED.value))
    if source is LineSource.DERIVED:
        return der
    if not has_derived:
        return rec
    return rec.union(der.anti_join(rec.select("patient_id").distinct(), "patient_id"))


def drugs_of(agent: str, vocabulary: Vocabulary = DEFAULT) -> list[str]:
    """Generic names an agent argument stands for (a drug or synonym first, then a class).

    >>> drugs_of("her2_adc")
    ['trastuzumab emtansine', 'trastuzumab deruxtecan']
    >>> drugs_of("Kadcyla")
    ['trastuzumab emtansine']
    """
    name = vocabulary.normalize_drug(agent)
    if name is not None:
        return [name]
    key = agent.strip().lower().replace(" ", "_").replace("-", "_")
    if key == HER2_TARGETED:
        return [d.name for d in vocabulary.drugs if d.drug_class.is_her2_targeted]
    if key in {c.value for c in DrugClass}:
        return [d.name for d in vocabulary.drugs if d.drug_class.value == key]
    hint = vocabulary.closest_drug(agent)
    raise LinewiseError(f"unknown agent {agent!r}" + (f" (did you mean {hint!r}?)" if hint else "")
                        + "; give a drug name, a drug class or 'her2_targeted'")


# --- the features, as expressions over a line table ----------------------------------------------
# Every function below returns an Ibis value: a per-line condition or a per-patient aggregate (to
# use in ``group_by("patient_id").aggregate``). ``drugs`` names the array column of generic drug
# names read; ``anchor`` is a date column of the same relation (the index start, the start of
# line k). These are the only implementations: the study engine's features call them too.
def has_any(drugs: ir.ArrayValue, names) -> ir.BooleanValue:
    """Does an array of generic drug names hold any of ``names``? (False for a missing array.)"""
    out = ibis.literal(False)
    for d in names:
        out |= ibis.coalesce(drugs.contains(d), False)
    return out


def in_setting(lines: ibis.Table, setting: str = "any") -> ir.BooleanValue:
    """Is the line of ``setting``: ``any``, ``metastatic`` or ``early`` (neoadjuvant / adjuvant)?"""
    if setting == "any":
        return ibis.literal(True)
    if setting == METASTATIC_SETTING:
        return lines.setting == METASTATIC_SETTING
    if setting == "early":
        return lines.setting.isin(EARLY_SETTINGS)
    raise LinewiseError(f"setting must be one of {', '.join(SETTING_CHOICES)}, got {setting!r}")


def exposed_before(lines: ibis.Table, names, anchor: ir.DateValue, setting: str = "any",
          drugs: str = "drugs") -> ir.BooleanValue:
    """Aggregate: a line with any of ``names`` started before ``anchor`` (in ``setting``)."""
    return (has_any(lines[drugs], names) & (lines.start_date < anchor) & in_setting(lines, setting)).any()


def count_lines_before(lines: ibis.Table, anchor: ir.DateValue, names=None, setting: str = METASTATIC_SETTING,
                       drugs: str = "drugs") -> ir.IntegerValue:
    """Aggregate: lines of ``setting`` that started before ``anchor`` (with any of ``names`` if
    given): the number of prior lines, of prior chemotherapy regimens, ..."""
    where = (lines.start_date < anchor) & in_setting(lines, setting)
    if names is not None:
        where &= has_any(lines[drugs], names)
    return lines.patient_id.count(where=where)


def drug_in_line(lines: ibis.Table, names, k: int, drugs: str = "drugs") -> ir.BooleanValue:
    """Aggregate: metastatic line ``k`` has any of ``names`` (missing when there is no line ``k``)."""
    return has_any(lines[drugs], names).any(where=(lines.setting == METASTATIC_SETTING) & (lines.line_number == k))


def line_of_first(lines: ibis.Table, names, drugs: str = "drugs") -> ir.IntegerValue:
    """Aggregate: the metastatic line number of the first line with any of ``names`` (missing if none)."""
    return lines.line_number.min(where=has_any(lines[drugs], names) & (lines.setting == METASTATIC_SETTING))


def her2_therapy_days(lines: ibis.Table, anchor: ir.DateValue, drugs: str = "drugs",
                      vocabulary: Vocabulary = DEFAULT) -> ir.FloatingValue:
    """Aggregate: days of HER2-targeted therapy before ``anchor``, any setting; each line counts
    from its start to its end or ``anchor``, whichever is first (an open end counts to ``anchor``);
    0 when there is none."""
    stop = ibis.least(lines.end_date.fill_null(anchor), anchor)
    days = ibis.greatest(stop.delta(lines.start_date, unit="day").cast("float64"), ibis.literal(0.0))
    cond = has_any(lines[drugs], drugs_of(HER2_TARGETED, vocabulary)) & (lines.start_date < anchor)
    return days.sum(where=cond).fill_null(0.0)


# --- the same features as tables, one row per patient ---------------------------------------------
def agents_by_line(lines: ibis.Table) -> ibis.Table:
    """One row per patient, line and drug given (long form)."""
    return lines.select("patient_id", "setting", "line_number", "start_date", drug=lines.drugs.unnest())


def index_line(lines: ibis.Table, agent: str, vocabulary: Vocabulary = DEFAULT) -> ibis.Table:
    """The first metastatic line with ``agent``: ``patient_id, index_line, index_start``."""
    names = drugs_of(agent, vocabulary)
    met = lines.filter((lines.setting == METASTATIC_SETTING) & lines.line_number.notnull() & has_any(lines.drugs, names))
    return met.group_by("patient_id").agg(index_line=line_of_first(met, names), index_start=met.start_date.min())


def first_line_with(lines: ibis.Table, agent: str, vocabulary: Vocabulary = DEFAULT) -> ibis.Table:
    """Line of first exposure to ``agent``: ``patient_id, first_line`` (metastatic line number)."""
    return index_line(lines, agent, vocabulary).select("patient_id", first_line="index_line")


def in_line(lines: ibis.Table, agent: str, k: int, vocabulary: Vocabulary = DEFAULT) -> ibis.Table:
    """"``agent`` in line ``k``": ``patient_id, present`` for every patient with a line ``k``."""
    t = lines.group_by("patient_id").agg(present=drug_in_line(lines, drugs_of(agent, vocabulary), k))
    return t.filter(t.present.notnull())


def exposed_before_line(lines: ibis.Table, agent: str, k: int, *, include_early: bool = True,
                        vocabulary: Vocabulary = DEFAULT) -> ibis.Table:
    """"Prior exposure to ``agent`` before line ``k``": ``patient_id, exposed`` for patients with a
    metastatic line ``k`` (a line that started before line ``k`` started).

    With ``include_early`` neoadjuvant / adjuvant lines count as prior exposure.
    """
    lk = lines.filter((lines.setting == METASTATIC_SETTING) & (lines.line_number == k))
    lk = lk.group_by("patient_id").agg(k_start=lk.start_date.min())
    j = lines.join(lk, "patient_id")
    setting = "any" if include_early else METASTATIC_SETTING
    return j.group_by("patient_id").agg(exposed=exposed_before(j, drugs_of(agent, vocabulary), j.k_start, setting))


def prior_counts(lines: ibis.Table, index_agent: str, vocabulary: Vocabulary = DEFAULT) -> ibis.Table:
    """Before each patient's first ``index_agent`` line: number of metastatic lines, of
    chemotherapy-containing metastatic lines, and days of HER2-targeted therapy
    (:func:`her2_therapy_days`).
    """
    idx = index_line(lines, index_agent, vocabulary)
    j = lines.join(idx, "patient_id")
    return j.group_by("patient_id").agg(
        index_line=j.index_line.max(),
        n_prior_lines=count_lines_before(j, j.index_start).cast("int32"),
        n_prior_chemo=count_lines_before(j, j.index_start, drugs_of(DrugClass.CHEMOTHERAPY.value, vocabulary)).cast("int32"),
        her2_days_before=her2_therapy_days(j, j.index_start, vocabulary=vocabulary),
    )


def study_c_group(index_line: int | None, marker_in_line1: bool | None) -> int | None:
    """Study C's five sequence groups (STUDIES.md) for one patient.

    1: line 1 without the marker (pertuzumab), index (T-DM1) in line 2; 2: without, index in
    line 3 or later; 3: with, line 2; 4: with, line 3+; 5: index in line 1. ``None`` when the
    patient never had the index drug (or line 1 is unknown).
    """
    if index_line is None or index_line != index_line:
        return None
    if index_line == 1:
        return 5
    if marker_in_line1 is None:
        return None
    return (3 if marker_in_line1 else 1) if index_line == 2 else (4 if marker_in_line1 else 2)


def study_c_groups(lines: ibis.Table, index_agent: str = "trastuzumab emtansine", marker: str = "pertuzumab",
                   vocabulary: Vocabulary = DEFAULT) -> ibis.Table:
    """:func:`study_c_group` for every patient with the index drug: ``patient_id, index_line,
    marker_in_line1, group`` (as SQL, the same rule)."""
    idx = index_line(lines, index_agent, vocabulary)
    first = in_line(lines, marker, 1, vocabulary).select("patient_id", marker_in_line1="present")
    j = idx.left_join(first, "patient_id").drop("patient_id_right")
    group = ibis.cases(
        (j.index_line == 1, 5),
        (j.marker_in_line1.isnull(), ibis.null("int32")),
        ((j.index_line == 2) & j.marker_in_line1, 3),
        (j.index_line == 2, 1),
        (j.marker_in_line1, 4),
        else_=2,
    )
    return j.select("patient_id", "index_line", "marker_in_line1", group=group.cast("int32"))


def sequence_features(lines: ibis.Table, index_agent: str = "trastuzumab emtansine",
                      agents: tuple[str, ...] = ("trastuzumab", "pertuzumab", "lapatinib", "trastuzumab emtansine"),
                      marker: str = "pertuzumab", vocabulary: Vocabulary = DEFAULT) -> ibis.Table:
    """One row per patient with lines: index line, prior counts, Study C group and, per agent,
    first line, presence in line 1 and exposure before the index line.

    Columns per agent use its name with spaces as underscores (``first_line_trastuzumab_emtansine``).
    """
    patients = lines.select("patient_id").distinct()
    out = patients.left_join(prior_counts(lines, index_agent, vocabulary), "patient_id").drop("patient_id_right")
    groups = study_c_groups(lines, index_agent, marker, vocabulary).select("patient_id", "marker_in_line1", "group")
    out = out.left_join(groups, "patient_id").drop("patient_id_right")
    idx = index_line(lines, index_agent, vocabulary).select("patient_id", idx_start="index_start")
    for agent in agents:
        col = agent.replace(" ", "_").replace("-", "_")
        first = first_line_with(lines, agent, vocabulary).rename({f"first_line_{col}": "first_line"})
        l1 = in_line(lines, agent, 1, vocabulary).rename({f"{col}_in_line1": "present"})
        j = lines.join(idx, "patient_id")
        before = j.group_by("patient_id").agg(**{f"{col}_before_index": exposed_before(j, drugs_of(agent, vocabulary), j.idx_start)})
        for t in (first, l1, before):
            out = out.left_join(t, "patient_id").drop("patient_id_right")
    return out
