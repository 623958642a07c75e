"""Proportional-hazards test (R cox.zph, survival 3.x exact score test, transform = "km")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from linewise.stats.cox import cox
from linewise.stats.cox_zph import km_time_transform
from support import assert_matches_r, load_golden

GOLDEN = load_golden("cox.json")


def _zph(name):
    case = GOLDEN["fits"][name]
    res = cox(pd.DataFrame(GOLDEN["datasets"][case["data"]]), **case["python"])
    return res.proportional_hazards_test(), case


@pytest.mark.parametrize(
    "name",
    ["veteran_factor_default", "gbsg_efron", "lung_strata", "gbsg_entry_efron", "gbsg_weights_int", "heart_counting"],
)
def test_zph_matches_r(name):
    """R: cox.zph(fit, transform = "km") for
    coxph(Surv(time, status) ~ trt + karno + factor(celltype), data = vet)   (factor: one 3-df term),
    coxph(Surv(rfstime, status) ~ age + meno + size + grade + nodes + pgr + er + hormon, data = gb),
    coxph(Surv(time, status) ~ age + ph.ecog + wt.loss + strata(sex), data = lung2),
    coxph(Surv(entry, rfstime, status) ~ age + size + nodes + hormon + pgr, data = gb_entry),
    coxph(Surv(rfstime, status) ~ age + size + nodes + hormon, data = gb, weights = wt_int),
    coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = hrt).
    """
    z, case = _zph(name)
    what = f"{case['r_call']}; {case['zph_call']}"
    assert len(z.terms) == len(case["zph"]["terms"])  # names differ: R "factor(celltype)", Python "celltype"
    assert_matches_r(z.chisq, case["zph"]["chisq"], what=what)
    assert_matches_r(z.pvalue, case["zph"]["p"], what=what)
    assert list(z.df) == case["zph"]["df"]
    table = z.summary()
    assert list(table.columns) == ["term", "chisq", "df", "p"]
    assert table["term"].iloc[-1] == "GLOBAL"


def test_factor_term_has_k_minus_1_df():
    z, _ = _zph("veteran_factor_default")
    assert dict(zip(z.terms, z.df, strict=True))["celltype"] == 3


def test_single_covariate_global_equals_term():
    df = pd.DataFrame(GOLDEN["datasets"]["veteran"])
    z = cox(df, "time", "status", "karno").proportional_hazards_test()
    assert z.chisq[0] == pytest.approx(z.chisq[1], rel=1e-12)


def test_km_transform_by_hand():
    """Times 1, 2, 3, 4 with events at 1 and 3: S = 3/4 after t=1, 3/4 * 1/2 after t=3.
    1 - S(t-) at t = 1, 2, 3, 4 is 0, 1/4, 1/4, 1 - 3/8."""
    g = km_time_transform(np.array([1.0, 2, 3, 4]), np.array([1, 0, 1, 0], bool))
    np.testing.assert_allclose(g, [0, 0.25, 0.25, 0.625])
