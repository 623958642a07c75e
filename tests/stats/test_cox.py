"""Cox proportional hazards: golden values from R survival 3.5 (tests/golden/cox.R).

Every golden case records its R call next to the values (``fits[name]["r_call"]``) and the
matching ``linewise.stats.cox`` arguments (``fits[name]["python"]``); the R calls are
repeated in the docstrings below.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from linewise.stats.cox import cox
from support import assert_matches_r, load_golden

GOLDEN = load_golden("cox.json")
FITS = GOLDEN["fits"]


def _data(name: str) -> pd.DataFrame:
    return pd.DataFrame(GOLDEN["datasets"][name])


def _fit(name: str):
    case = FITS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return cox(_data(case["data"]), **case["python"])


def _r_warnings(case) -> list[str]:
    w = case["warnings"]
    return [w] if isinstance(w, str) else list(w or [])


def _vec(values) -> np.ndarray:
    # jsonlite's auto_unbox writes length-1 vectors as scalars
    # (and writes R's Inf as the string "Inf", which float() reads)
    return np.atleast_1d(np.asarray(values, dtype=float))


def _check_against_r(name: str) -> None:
    case = FITS[name]
    what = f"{name}: {case['r_call']}"
    res = _fit(name)
    ct = res.coefficients
    assert len(ct) == np.atleast_1d(case["terms"]).size, what
    for col in ("coef", "hr", "se", "z", "p", "hr_lower", "hr_upper"):
        assert_matches_r(ct[col].to_numpy(), _vec(case[col]), what=f"{what} [{col}]")
    if case["robust_se"] is not None:
        assert_matches_r(ct["robust_se"].to_numpy(), _vec(case["robust_se"]), what=f"{what} [robust_se]")
        assert res.robust
        assert_matches_r(res.robust_score_test.statistic, case["robust_score"]["statistic"], what=what)
        assert_matches_r(res.robust_score_test.pvalue, case["robust_score"]["pvalue"], what=what)
    else:
        assert not res.robust
        assert ct["robust_se"].isna().all()
    assert_matches_r(res.var, _vec(case["var"]).reshape(res.var.shape), what=f"{what} [var]")
    assert_matches_r(res.loglik, case["loglik"], what=f"{what} [loglik]")
    for attr, key in (("wald_test", "wald"), ("likelihood_ratio_test", "lr"), ("score_test", "score")):
        test = getattr(res, attr)
        assert_matches_r(test.statistic, case[key]["statistic"], what=f"{what} [{key}]")
        assert_matches_r(test.pvalue, case[key]["pvalue"], what=f"{what} [{key} p]")
        assert test.df == case[key]["df"], what
    assert_matches_r(res.concordance.concordance, case["concordance"], what=f"{what} [C]")
    assert_matches_r(res.concordance.std_err, case["concordance_se"], what=f"{what} [se(C)]")
    assert (res.n, res.n_events, res.n_dropped) == (case["n"], case["n_events"], case["n_dropped"]), what
    assert res.iterations == case["iter"], what
    if "zph" in case:
        z = res.proportional_hazards_test()
        assert_matches_r(z.chisq, _vec(case["zph"]["chisq"]), what=f"{what}; {case['zph_call']} [chisq]")
        assert_matches_r(z.pvalue, _vec(case["zph"]["p"]), what=f"{what}; {case['zph_call']} [p]")
        assert list(z.df) == _vec(case["zph"]["df"]).astype(int).tolist(), what
        assert z.terms[-1] == "GLOBAL"


@pytest.mark.parametrize("name", sorted(FITS))
def test_every_golden_fit_matches_r(name):
    """All R fits in tests/golden/cox.R: coefficients table, variance, loglik, Wald / LR /
    score (and robust score) tests, concordance, counts and cox.zph(fit, transform="km")."""
    _check_against_r(name)


def test_lung_efron():
    """R: coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung2)  (lung2$status - 1)."""
    _check_against_r("lung_efron")
    res = _fit("lung_efron")
    assert res.n_dropped == 1  # ph.ecog is NA in one row: na.omit, as R
    assert list(res.summary().columns) == [
        "term", "coef", "hr", "se", "robust_se", "z", "p", "hr_lower", "hr_upper",
    ]


def test_factor_reference_level():
    """R: coxph(Surv(time, status) ~ trt + karno + relevel(factor(celltype), ref = "squamous"), data = vet)
    Python: covariates="trt + karno + C(celltype, contr.treatment(\"squamous\"))"."""
    _check_against_r("veteran_factor_ref")
    terms = _fit("veteran_factor_ref").coefficients["term"].tolist()
    assert not any(t.endswith("[T.squamous]") for t in terms)
    # default coding: first sorted level ("adeno") is the reference, as R's factor()
    default_terms = _fit("veteran_factor_default").coefficients["term"].tolist()
    assert not any(t.endswith("[T.adeno]") for t in default_terms)


def test_strata_and_delayed_entry_and_weights():
    """R: coxph(Surv(entry, rfstime, status) ~ age + size + nodes + pgr + strata(hormon),
    data = gb_entry, ties = "breslow", weights = wt_int)."""
    _check_against_r("gbsg_entry_breslow_strata_weights")


def test_cluster_robust_counting_process():
    """R: coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = hrt, cluster = id)."""
    _check_against_r("heart_counting_cluster")


def test_fractional_weights_default_to_robust_as_r():
    """R: coxph(Surv(rfstime, status) ~ age + size + nodes + hormon, data = gb, weights = wt_frac)
    -- R switches to the robust variance for non-integer case weights."""
    assert _fit("gbsg_weights_frac").robust
    assert not _fit("gbsg_weights_breslow_norobust").robust


def test_score_test_is_logrank():
    """R: coxph(Surv(time_untied, status) ~ trt, data = vet)$score equals
    survdiff(Surv(time_untied, status) ~ trt, data = vet)$chisq (no tied event times)."""
    res = _fit("veteran_logrank")
    assert_matches_r(res.score_test.statistic, GOLDEN["logrank"]["chisq"], what=GOLDEN["logrank"]["r_call"])


def test_separation_warns_instead_of_crashing():
    """R: coxph(Surv(time, status) ~ x + z, data = sep) warns
    "Loglik converged before variable  1 ; coefficient may be infinite."."""
    case = FITS["separation"]
    assert any("coefficient may be infinite" in w for w in _r_warnings(case))
    with pytest.warns(RuntimeWarning, match="coefficient may be infinite"):
        res = cox(_data("separation"), **case["python"])
    assert len(res.warnings) == 1
    assert "variable 1 (x)" in res.warnings[0]
    assert np.isfinite(res.coefficients["coef"]).all()
    # the returned iterate is R's (coef of x is large, about 20, not a crash or inf)
    assert_matches_r(res.coefficients["coef"].to_numpy(), _vec(case["coef"]), what=case["r_call"])


def test_near_equal_times_are_tied_as_r_timefix():
    """R: coxph(Surv(time, status) ~ x, data = near) -- 10 and 10 + 1e-10 are one time."""
    _check_against_r("near_ties")


def test_no_warnings_on_regular_fits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = cox(_data("lung"), "time", "status", "age + sex")
    assert res.warnings == ()
    assert res.converged


# ---------------------------------------------------------------------------------------
# Hand-derivable micro examples
# ---------------------------------------------------------------------------------------
def test_breslow_micro_example_by_hand():
    """Four subjects, one binary covariate x, no ties (Efron = Breslow).

    (t, event, x) = (1,1,1), (2,1,0), (3,1,1), (4,0,0).  With y = exp(beta):
      t=1: risk set x = 1,0,1,0 -> term y / (2y + 2)
      t=2: risk set x = 0,1,0   -> term 1 / (y + 2)
      t=3: risk set x = 1,0     -> term y / (y + 1)
    loglik(beta) = 2 beta - log(2y + 2) - log(y + 2) - log(y + 1)
    loglik(0) = -log 24;  U(0) = 2 - 1/2 - 1/3 - 1/2 = 2/3;
    I(0) = 1/4 + 2/9 + 1/4 = 13/18;  score test = U^2 / I = 8/13.
    U(beta) = 0  <=>  2/(y+1) = y/(y+2)  <=>  y^2 - y - 4 = 0  ->  y = (1 + sqrt(17)) / 2.
    I(beta_hat) = 2y/(y+1)^2 + 2y/(y+2)^2.
    """
    df = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 1, 1, 0], "x": [1, 0, 1, 0]})
    y = (1 + math.sqrt(17)) / 2
    info = 2 * y / (y + 1) ** 2 + 2 * y / (y + 2) ** 2
    loglik_hat = 2 * math.log(y) - math.log(2 * y + 2) - math.log(y + 2) - math.log(y + 1)
    for ties in ("breslow", "efron"):
        res = cox(df, "t", "e", "x", ties=ties)
        assert res.loglik[0] == pytest.approx(-math.log(24), rel=1e-12)
        assert res.score_test.statistic == pytest.approx(8 / 13, rel=1e-12)
        assert res.coefficients["coef"].iloc[0] == pytest.approx(math.log(y), rel=1e-8)
        assert res.coefficients["se"].iloc[0] == pytest.approx(1 / math.sqrt(info), rel=1e-6)
        assert res.loglik[1] == pytest.approx(loglik_hat, rel=1e-12)


def test_efron_vs_breslow_tie_micro_example():
    """Two deaths tied at t=1 (x = 1 and 0) and one subject censored at t=2 (x = 0).

    Risk set at t=1 has weights y, 1, 1 (y = exp(beta)); the deaths' total is y + 1.
      Breslow: loglik = beta - 2 log(y + 2)                 -> at 0: -2 log 3
      Efron:   loglik = beta - log(y + 2) - log((y + 3)/2)   -> at 0: -log 3 - log 2
    """
    df = pd.DataFrame({"t": [1, 1, 2], "e": [1, 1, 0], "x": [1, 0, 0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        bres = cox(df, "t", "e", "x", ties="breslow")
        efr = cox(df, "t", "e", "x", ties="efron")
    assert bres.loglik[0] == pytest.approx(-2 * math.log(3), rel=1e-12)
    assert efr.loglik[0] == pytest.approx(-math.log(3) - math.log(2), rel=1e-12)


# ---------------------------------------------------------------------------------------
# Invariance
# ---------------------------------------------------------------------------------------
def _coef(res):
    return res.coefficients["coef"].to_numpy()


def test_invariant_to_row_order():
    base = cox(_data("gbsg"), "rfstime", "status", "age + size + nodes + hormon")
    shuffled = _data("gbsg").sample(frac=1.0, random_state=7).reset_index(drop=True)
    res = cox(shuffled, "rfstime", "status", "age + size + nodes + hormon")
    np.testing.assert_allclose(_coef(res), _coef(base), rtol=1e-10)
    np.testing.assert_allclose(res.concordance.std_err, base.concordance.std_err, rtol=1e-10)


def test_invariant_to_time_scale():
    df = _data("gbsg")
    base = cox(df, "rfstime", "status", "age + size + nodes + hormon", ties="breslow")
    scaled = df.assign(rfstime=df["rfstime"] / 365.25)
    res = cox(scaled, "rfstime", "status", "age + size + nodes + hormon", ties="breslow")
    np.testing.assert_allclose(_coef(res), _coef(base), rtol=1e-9)


def test_invariant_to_covariate_shift():
    df = _data("lung")
    base = cox(df, "time", "status", "age + sex")
    res = cox(df.assign(age=df["age"] + 1000.0), "time", "status", "age + sex")
    np.testing.assert_allclose(_coef(res), _coef(base), rtol=1e-9)
    assert res.concordance.concordance == pytest.approx(base.concordance.concordance, rel=1e-12)


def test_invariant_to_strata_relabelling():
    df = _data("lung")
    base = cox(df, "time", "status", "age + `ph.ecog`", strata="sex")
    res = cox(df.assign(sex=df["sex"].map({1: "zz", 2: "aa"})), "time", "status", "age + `ph.ecog`", strata="sex")
    np.testing.assert_allclose(_coef(res), _coef(base), rtol=1e-12)


# ---------------------------------------------------------------------------------------
# Result object
# ---------------------------------------------------------------------------------------
def test_result_is_frozen_with_html_repr():
    res = _fit("lung_robust")
    with pytest.raises(AttributeError):
        res.n = 3  # type: ignore[misc]
    html = res._repr_html_()
    assert "Cox proportional hazards" in html and "robust" in html
    assert "observations deleted due to missingness" in html
    zph_html = res.proportional_hazards_test()._repr_html_()
    assert "GLOBAL" in zph_html
