"""Biomarker results of OMOP records: answer concepts, answer names, source text, numbers.

On real instances ER / PgR / HER2 results seldom come as numbers: the result is an *answer
concept* in ``value_as_concept_id`` (a LOINC answer such as *Positive*, a SNOMED qualifier, or
a site's own concept), sometimes only text in ``value_source_value`` (``"IHC 2+"``, ``"pos"``),
and HER2 IHC sometimes the score in ``value_as_number``. :func:`resolved_results` turns each
record of the ER / PgR / HER2 test sets into the registry value, trying in order

1. the answer concept's id: :data:`VERIFIED_ANSWERS` (Athena ids checked against public
   sources, docs/omop.md *Verification*), and the *positive* / *negative* / *equivocal*
   concept sets resolved by code through the instance's ``concept`` table;
2. the answer concept's ``concept_name``, read by the text grammar below (so a local answer
   concept named "Negative (Score 1+)" or "Oestrogen receptor positive" still maps);
3. ``value_source_value`` (and, for ``observation``, ``value_as_string``) by the same grammar;
4. ``value_as_number`` (HER2 IHC only: the score 0-3).

Each source is first read as a *raw result* (``0``, ``1+``, ``2+``, ``3+``, ``positive``,
``negative``, ``equivocal``), then interpreted for the test (:func:`interpret`); the first
source whose interpretation is a registry value wins, so a "Negative" answer concept of a HER2
IHC test (0 or 1+?) with ``value_as_number`` 1 still gives ``1+``. A record none of the
sources resolves keeps a reason (:data:`REASONS`) for the mapping report.

Text grammar (:func:`read_text` / :func:`read_text_expr`; the text is lower-cased, every run of
characters other than ``a-z``, ``0-9`` and ``+`` becomes one space, and the result is
trimmed and padded with one space on each side). Rules, first match wins:

* amplification: ``not`` / ``non`` / ``no`` / ``negative for`` before ``amplif`` ->
  ``negative`` (ISH "not amplified", "non-amplified", "no amplification"); else a word
  starting ``amplif`` -> ``positive``;
* scores: a digit 0-3 followed by ``+`` and preceded by a space or ``ihc`` (``3+``,
  ``IHC 2 +``, ``ihc2+``; not ``HER2+``), ``score`` then a digit 0-3, or
  the whole text one digit 0-3 after an optional ``her2`` / ``ihc`` -> that score (``0`` for 0);
* words: any other ``not`` / ``no`` / ``non`` -> nothing ("not done", "not positive");
  ``equivocal`` / ``equiv`` / ``borderline`` -> ``equivocal``; ``negative`` / ``neg`` ->
  ``negative``; ``positive`` / ``pos`` -> ``positive``.

HER2 IHC applies amplification, scores, words in that order ("Negative (Score 1+)" is 1+); the
other tests amplification, words, scores ("ER positive, 3+ intensity" is positive). Anything
else (empty, "see report", "pending") resolves to nothing.

The rules are regular expressions with no word-boundary or look-around syntax, so DuckDB (RE2),
PostgreSQL (ARE) and Spark (Java) read them alike; :func:`read_text` is the same grammar in
Python (``re``), and the tests check both agree.

Interpretation (ASCO/CAP 2018 HER2 testing guideline, Wolff et al., J Clin Oncol 2018;36:2105):
ER / PgR: ``positive`` / ``negative``. HER2 IHC: a score as is; ``positive`` = ``3+``;
``equivocal`` = ``2+``; ``negative`` is 0 *or* 1+ and so not a registry value (HER2-low studies
need the difference). HER2 ISH: ``positive`` = ``amplified``, ``negative`` = ``not_amplified``,
``equivocal`` has no registry value. Values outside these are reported, never guessed.

Examples
--------
>>> [read_text(t) for t in ("IHC 2+", "pos", "Not amplified", "HER2 score 0", "see report")]
['2+', 'positive', 'negative', '0', None]
>>> interpret("her2_ihc", "equivocal"), interpret("her2_ihc", "negative"), interpret("her2_ish", "positive")
('2+', None, 'amplified')
"""

from __future__ import annotations

import re

import ibis

#: Athena concept ids of answer concepts read without the ``concept`` table: id -> (raw result,
#: vocabulary, code, name). Each checked against public sources (docs/omop.md, *Verification*).
VERIFIED_ANSWERS: dict[int, tuple[str, str, str, str]] = {
    45884084: ("positive", "LOINC", "LA6576-8", "Positive"),
    45878583: ("negative", "LOINC", "LA6577-6", "Negative"),
    9191: ("positive", "SNOMED", "10828004", "Positive"),
    9189: ("negative", "SNOMED", "260385009", "Negative"),
}

#: concept set of an answer (resolved by code) -> raw result.
ANSWER_SETS = {"positive": "positive", "negative": "negative", "equivocal": "equivocal"}

#: the test sets whose records carry a result, and the registry column each fills.
RESULT_SETS = {"er_test": "er_status", "pgr_test": "pgr_status", "her2_ihc": "her2_ihc", "her2_ish": "her2_ish"}

SCORES = ("0", "1+", "2+", "3+")

#: raw result -> registry value, per test set (a missing pair: not a registry value).
_MEANING: dict[str, dict[str, str]] = {
    "er_test": {"positive": "positive", "negative": "negative"},
    "pgr_test": {"positive": "positive", "negative": "negative"},
    "her2_ihc": {**{s: s for s in SCORES}, "positive": "3+", "equivocal": "2+"},
    "her2_ish": {"positive": "amplified", "negative": "not_amplified"},
}

#: why a record of a result set was not mapped (report outcome suffixes).
REASONS = {
    "unknown_concept": "unknown answer concept",
    "unparsed_text": "value_source_value not understood",
    "not_in_model": "result has no registry value (e.g. equivocal ER, HER2 IHC negative without a score)",
    "bad_number": "value_as_number outside 0-3",
    "no_value": "no value",
}

_NEG = "(not|non|no)"
_AMPLIFICATION = ((f" ({_NEG} ?|negative for )amplif", "negative"), (" amplif", "positive"))
_SCORES = (*((f"( |ihc){d} ?\\+", "0" if d == 0 else f"{d}+") for d in range(4)),
           *((f"( score {d} |^ (her2 )?(ihc )?{d} $)", "0" if d == 0 else f"{d}+") for d in range(4)))
_WORDS = ((f" {_NEG} ", None), (" (equivocal|equiv|borderline) ", "equivocal"), (" (negative|neg) ", "negative"),
          (" (positive|pos) ", "positive"))

#: (regular expression on the normalised, space-padded text, raw result); first match wins.
#: HER2 IHC reads scores before words ("Negative (Score 1+)" is 1+); the other tests words
#: before scores ("ER positive, 3+" is positive).
GRAMMAR: dict[bool, tuple[tuple[str, str | None], ...]] = {
    True: (*_AMPLIFICATION, *_SCORES, *_WORDS),
    False: (*_AMPLIFICATION, *_WORDS, *_SCORES),
}


def _normalise(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9+]+", " ", text.lower()).strip() + " "


def read_text(text: str | None, scores_first: bool = True) -> str | None:
    """The raw result a text states by the grammar (module docstring), else ``None``."""
    if text is None:
        return None
    t = _normalise(text)
    for pattern, result in GRAMMAR[scores_first]:
        if re.search(pattern, t):
            return result
    return None


def read_text_expr(text: ibis.StringValue, scores_first: bool = True) -> ibis.StringValue:
    """:func:`read_text` as an Ibis expression (run by the database)."""
    t = " " + text.lower().re_replace("[^a-z0-9+]+", " ").strip() + " "
    rules = GRAMMAR[scores_first]
    return ibis.cases(*((t.re_search(p), ibis.literal(r, "string") if r else ibis.null("string")) for p, r in rules),
                      else_=ibis.null("string"))


def interpret(set_name: str, raw: str | None) -> str | None:
    """The registry value of raw result ``raw`` of a ``set_name`` test, or ``None``."""
    return _MEANING.get(set_name, {}).get(raw) if raw is not None else None


def interpret_expr(set_name: ibis.StringValue, raw: ibis.StringValue) -> ibis.StringValue:
    """:func:`interpret` as an Ibis expression."""
    return ibis.cases(*(((set_name == s) & (raw == r), v) for s, m in _MEANING.items() for r, v in m.items()),
                      else_=ibis.null("string"))


def verified_expr(concept_id: ibis.IntegerValue) -> ibis.StringValue:
    """The raw result of a :data:`VERIFIED_ANSWERS` id, else null (an expression, no table:
    nothing to upload to the database)."""
    return ibis.cases(*((concept_id == i, raw) for i, (raw, *_) in VERIFIED_ANSWERS.items()), else_=ibis.null("string"))


def answers(sets: ibis.Table) -> ibis.Table:
    """``(answer_id, answer_raw)``: the answer concepts of the *positive* / *negative* /
    *equivocal* sets resolved by code (``sets`` from :func:`concepts.resolve`); an id in two
    of them (a contradiction) is left out."""
    coded = sets.filter(sets.set_name.isin(list(ANSWER_SETS)))
    coded = coded.select(concept_id=coded.concept_id.cast("int64"), raw=coded.set_name.substitute(ANSWER_SETS))
    agg = coded.group_by("concept_id").aggregate(answer_raw=coded.raw.max(), n=coded.raw.nunique())
    return agg.filter(agg.n == 1).select(answer_id=agg.concept_id, answer_raw=agg.answer_raw)


def resolved_results(records: ibis.Table, sets: ibis.Table, concept: ibis.Table | None) -> ibis.Table:
    """``records`` of the result sets with ``value`` (registry value or null) and ``reason``.

    ``records`` needs ``set_name``, ``value_as_concept_id``, ``value_text`` and
    ``value_as_number``; ``concept`` (``concept_id``, ``concept_name``) is the instance's
    concept table, or ``None`` when it has none (then answer names are not read).
    """
    known = answers(sets)
    r = records.mutate(answer_id=ibis.ifelse(records.value_as_concept_id == 0, ibis.null("int64"),
                                             records.value_as_concept_id.cast("int64")))
    r = r.left_join(known, r.answer_id == known.answer_id).drop("answer_id_right")
    r = r.mutate(answer_raw=ibis.coalesce(verified_expr(r.answer_id), r.answer_raw))
    if concept is not None:
        names = concept.select(name_id=concept.concept_id.cast("int64"), answer_name=concept.concept_name)
        r = r.left_join(names, r.answer_id == names.name_id).drop("name_id")
    else:
        r = r.mutate(answer_name=ibis.null("string"))
    num = r.value_as_number.cast("float64").round()
    number_raw = ibis.cases(*((num == score, raw) for score, raw in enumerate(SCORES)), else_=ibis.null("string"))
    ihc = r.set_name == "her2_ihc"

    def read(col):
        return ibis.ifelse(ihc, read_text_expr(col, True), read_text_expr(col, False))

    r = r.mutate(name_raw=read(r.answer_name), text_raw=read(r.value_text),
                 number_raw=ibis.ifelse(ihc, number_raw, ibis.null("string")))
    value = ibis.coalesce(*(interpret_expr(r.set_name, r[c]) for c in ("answer_raw", "name_raw", "text_raw", "number_raw")))
    any_raw = r.answer_raw.notnull() | r.name_raw.notnull() | r.text_raw.notnull() | r.number_raw.notnull()
    reason = ibis.cases(
        (value.notnull(), ibis.null("string")),
        (r.answer_id.notnull() & r.answer_raw.isnull() & r.name_raw.isnull(), "unknown_concept"),
        (r.value_text.notnull() & (r.value_text.strip() != "") & r.text_raw.isnull(), "unparsed_text"),
        (any_raw, "not_in_model"),
        (ihc & r.value_as_number.notnull(), "bad_number"),
        else_="no_value")
    return r.mutate(value=value, reason=reason)


__all__ = ["ANSWER_SETS", "GRAMMAR", "REASONS", "RESULT_SETS", "SCORES", "VERIFIED_ANSWERS", "answers", "interpret",
           "interpret_expr", "read_text", "read_text_expr", "resolved_results", "verified_expr"]
