"""Covariates: bins as R's cut, types and levels, reference checks."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from linewise.study import SpecError
from linewise.study.compiler import Typed, VType
from linewise.study.covariates import NO, YES, compile_covariate, cut, standard_covariate
from linewise.study.features import BASELINE
from linewise.study.spec import BinsSpec, CovariateSpec, VarKind

T = ibis.memtable({"x": [0.0, 1.0, 1.5, 2.0, 7.0, None], "s": ["a", "b", None, "a", "b", "a"],
                   "b": [True, False, None, True, True, False], "d": ["2020-01-01"] * 6}).mutate(
    d=lambda t: t.d.cast("date"))


def values(expr):
    return T.select(v=expr).execute()["v"].tolist()


def test_bins_are_closed_on_the_right_like_r_cut():
    out = values(cut(T.x, BinsSpec(breaks=[1, 2], labels=["<=1", "(1,2]", ">2"])))
    assert out[:5] == ["<=1", "<=1", "(1,2]", "(1,2]", ">2"]
    assert pd.isna(out[5])  # missing stays missing (None or NaN depending on the pandas version)
    left = values(cut(T.x, BinsSpec(breaks=[1, 2], labels=["<1", "[1,2)", ">=2"], right=False)))
    assert left[:5] == ["<1", "[1,2)", "[1,2)", ">=2", ">=2"]


def test_bins_validation():
    with pytest.raises(ValueError, match="need 3 labels"):
        BinsSpec(breaks=[1, 2], labels=["a", "b"])
    with pytest.raises(ValueError, match="breaks must increase"):
        BinsSpec(breaks=[2, 1], labels=["a", "b", "c"])


def test_types_levels_and_references():
    _, var = compile_covariate("x", CovariateSpec(expr="x"), Typed(T.x, VType.NUMBER), BASELINE)
    assert var.kind is VarKind.CONTINUOUS and var.reference is None
    _, var = compile_covariate("b", CovariateSpec(expr="b"), Typed(T.b, VType.BOOLEAN), BASELINE)
    assert var.kind is VarKind.CATEGORICAL and var.levels == (NO, YES) and var.reference == NO
    _, var = compile_covariate("s", CovariateSpec(expr="s", reference="b"), Typed(T.s, VType.STRING, ("a", "b")),
                               BASELINE)
    assert var.levels == ("a", "b") and var.reference == "b"
    expr, var = compile_covariate("x", CovariateSpec(expr="x", bins={"breaks": [1], "labels": ["lo", "hi"]}),
                                  Typed(T.x, VType.NUMBER), BASELINE)
    assert var.levels == ("lo", "hi") and var.kind is VarKind.CATEGORICAL and values(expr)[4] == "hi"


@pytest.mark.parametrize("spec, typed, message", [
    (CovariateSpec(expr="d"), Typed(T.d, VType.DATE), "a date cannot be a covariate"),
    (CovariateSpec(expr="s", type="continuous"), Typed(T.s, VType.STRING), "cannot be continuous"),
    (CovariateSpec(expr="s", bins={"breaks": [1], "labels": ["a", "b"]}), Typed(T.s, VType.STRING), "bins need a number"),
    (CovariateSpec(expr="s", reference="z"), Typed(T.s, VType.STRING, ("a", "b")), "reference 'z' is not one of"),
    (CovariateSpec(expr="x", reference="1"), Typed(T.x, VType.NUMBER), "no reference level"),
    (CovariateSpec(expr="b", levels=["n", "y"]), Typed(T.b, VType.BOOLEAN), "levels 'no' and 'yes'"),
])
def test_covariate_mistakes(spec, typed, message):
    with pytest.raises(SpecError, match=message):
        compile_covariate("c", spec, typed, BASELINE)


def test_standard_covariates():
    assert standard_covariate("ecog").type is VarKind.CATEGORICAL
    with pytest.raises(SpecError, match="no standard covariate"):
        standard_covariate("nope")
