"""Drug vocabulary: classes, codes, synonyms and the user YAML."""

from __future__ import annotations

import re

import pytest

from linewise.errors import LinewiseError
from linewise.lines.vocabulary import (
    DEFAULT,
    DRUGS,
    Drug,
    DrugClass,
    closest_drug,
    normalize_drug,
    normalize_regimen,
)


def test_every_class_of_the_issue_is_present():
    classes = {d.drug_class for d in DRUGS}
    assert classes == set(DrugClass)


def test_names_and_synonyms_are_unique_keys():
    seen = {}
    for d in DRUGS:
        for key in (d.name, *d.synonyms):
            assert seen.setdefault(key.lower(), d.name) == d.name, key


def test_codes_have_the_right_shape_and_are_unique():
    rx = [d.rxnorm for d in DRUGS if d.rxnorm]
    assert all(re.fullmatch(r"\d+", r) for r in rx) and len(rx) == len(set(rx))
    assert all(re.fullmatch(r"[A-Z]\d\d[A-Z][A-Z]\d\d", d.atc) for d in DRUGS if d.atc)
    assert DEFAULT.get("trastuzumab").atc == "L01FD01"  # 2022 ATC: HER2 antibodies in L01FD
    assert DEFAULT.get("trastuzumab emtansine").atc == "L01FD03"
    assert DEFAULT.get("pertuzumab").rxnorm == "1298944"
    # supportive and bone-targeted drugs are outside L01/L02
    assert all(not d.atc.startswith(("L01", "L02")) for d in DRUGS if not d.drug_class.is_anticancer and d.atc
               and d.drug_class is not DrugClass.SUPPORTIVE)


@pytest.mark.parametrize(("text", "name"), [("Kanjinti", "trastuzumab"), ("Herceptin SC", "trastuzumab"),
                                            ("Abraxane", "nab-paclitaxel"), ("zoledronate", "zoledronic acid")])
def test_synonyms(text, name):
    assert normalize_drug(text) == name


def test_module_functions_keep_their_signatures():
    assert normalize_regimen("THP") == (("docetaxel", "trastuzumab", "pertuzumab"), ())
    assert closest_drug("trastuzumav") == "trastuzumab"


def test_user_yaml_adds_and_overrides(tmp_path):
    p = tmp_path / "drugs.yaml"
    p.write_text(
        "drugs:\n"
        "  - name: inavolisib\n    class: pi3k_mtor_inhibitor\n    family: pi3k\n    synonyms: [Itovebi]\n    atc: L01EM04\n"
        "  - name: bevacizumab\n    class: supportive\n"
        "regimens:\n  xh: [capecitabine, trastuzumab]\n", encoding="utf-8")
    voc = DEFAULT.with_yaml(p)
    assert voc.normalize_drug("itovebi") == "inavolisib"
    assert voc.get("bevacizumab").drug_class is DrugClass.SUPPORTIVE
    assert voc.get("bevacizumab").synonyms == DEFAULT.get("bevacizumab").synonyms  # kept
    assert voc.normalize_regimen("XH") == (("capecitabine", "trastuzumab"), ())
    assert DEFAULT.normalize_drug("itovebi") is None  # the default is untouched


@pytest.mark.parametrize(("text", "message"), [
    ("drugs:\n  - name: newdrug\n", "needs a 'class'"),
    ("drugs:\n  - name: x\n    class: magic\n", "unknown class"),
    ("drugs:\n  - name: x\n    class: endocrine\n    atc: L1\n", "not a 7-character ATC"),
    ("drugs:\n  - name: x\n    class: endocrine\n    colour: red\n", "unknown field"),
    ("drugs: 3\n", "expected a mapping"),
    ("regimens:\n  ab: [nothing]\n", "unknown drug"),
    ("drugs: [\n", "not valid YAML"),
])
def test_user_yaml_mistakes_are_one_line_errors(tmp_path, text, message):
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(LinewiseError, match=message):
        DEFAULT.with_yaml(p)


def test_with_drugs_replaces_by_name():
    voc = DEFAULT.with_drugs([Drug("letrozole", DrugClass.ENDOCRINE, "ai", ())])
    assert voc.get("letrozole").family == "ai" and len(voc.drugs) == len(DRUGS)
    with pytest.raises(KeyError, match="did you mean"):
        voc.get("letrozol")
