"""Cox proportional hazards regression that matches R ``survival::coxph`` (survival 3.5).

Public entry point: :func:`cox`.  The numerical engine is :mod:`.cox_fit`; robust variance
:mod:`.cox_resid`; concordance :mod:`.concordance`; the PH test :mod:`.cox_zph`.
"""

from __future__ import annotations

import warnings as _warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, get_args

import numpy as np
import pandas as pd
from scipy import stats

from ._parallel import map_rows
from ._result import TidyResult
from ._validate import StatsInputError
from .concordance import ConcordanceResult, concordance_counts, concordance_from_counts
from .cox_design import _design, _float_block, _formula_variables, _plain_numeric_names
from .cox_fit import build_risk_sets, newton_raphson, quadratic_test
from .cox_resid import robust_variance
from .cox_zph import ProportionalHazardsTest, cox_zph
from .timefix import timefix_with_unique

Ties = Literal["efron", "breslow"]
_Z975 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class ChiSquareTest:
    """A chi-square test: statistic, degrees of freedom and p-value (as R prints them)."""

    statistic: float
    df: int
    pvalue: float


def _chi2(stat: float, df: int) -> ChiSquareTest:
    return ChiSquareTest(float(stat), int(df), float(stats.chi2.sf(stat, df)) if df > 0 else float("nan"))


@dataclass(frozen=True, eq=False)
class CoxResult(TidyResult):
    """A fitted Cox model; the numbers are those of R's ``summary(coxph(...))``.

    Attributes
    ----------
    coefficients : pandas.DataFrame
        One row per model-matrix column: ``term, coef, hr, se, robust_se, z, p,
        hr_lower, hr_upper`` (95% CI).  ``se`` is the model-based standard error;
        ``robust_se`` the sandwich one (NaN when not robust); ``z``, ``p`` and the CI
        use the robust one when it is present, as R does.  Aliased columns have NaN.
    loglik : tuple of float
        Log partial likelihood at beta = 0 and at the estimate.
    wald_test, likelihood_ratio_test, score_test : ChiSquareTest
        As R's summary (Wald uses the robust variance when robust).
    robust_score_test : ChiSquareTest or None
        R's "Robust" score test, when robust.
    concordance : ConcordanceResult
        Harrell's C with R's standard error (as R's ``fit$concordance``).  Computed on
        first access and then kept: it is an O(n log n) count over all pairs that a fit
        does not need, so code that never reads it does not pay for it.
    n, n_events, n_dropped : int
        Rows used, events, rows dropped for missing values (R's ``na.omit``).
    warnings : tuple of str
        Warnings R would give (e.g. a coefficient that may be infinite).
    """

    coefficients: pd.DataFrame
    loglik: tuple[float, float]
    wald_test: ChiSquareTest
    likelihood_ratio_test: ChiSquareTest
    score_test: ChiSquareTest
    robust_score_test: ChiSquareTest | None
    n: int
    n_events: int
    n_dropped: int
    ties: str
    robust: bool
    iterations: int
    converged: bool
    var: np.ndarray
    warnings: tuple[str, ...]
    title: str = "Cox proportional hazards model"
    _zph_inputs: tuple = field(default=(), repr=False)
    _concordance_inputs: tuple = field(default=(), repr=False)
    _lp_inputs: tuple = field(default=(), repr=False)

    @cached_property
    def _eta(self) -> np.ndarray:
        """The linear predictor (original row order), computed when first needed."""
        eta, rs, fit, coef = self._lp_inputs
        return eta if eta is not None else _linear_predictor(rs, fit, coef)

    @cached_property
    def concordance(self) -> ConcordanceResult:
        """Harrell's C of the linear predictor, as ``coxph``'s ``concordance`` component."""
        t, ev, en, strata, w, cluster = self._concordance_inputs
        counts, infl = concordance_counts(t, ev, self._eta, entry=en, strata=strata, weights=w)
        c, c_se, cnt = concordance_from_counts(counts, infl, w, cluster=cluster, reverse=True)
        return ConcordanceResult(c, c_se, cnt[0], cnt[1], cnt[2], t.size)

    def summary(self) -> pd.DataFrame:
        """The coefficient table (one tidy row per term)."""
        return self.coefficients.copy()

    def proportional_hazards_test(self) -> ProportionalHazardsTest:
        """Score test of proportional hazards per term and GLOBAL (R ``cox.zph``, transform "km")."""
        rs, fit, terms, keep = self._zph_inputs
        x = _original_x(rs, fit)
        if not keep.any():
            raise StatsInputError("proportional_hazards_test: the model has no estimable coefficient")
        # cox.zph drops aliased (NA) coefficients and renumbers the term columns.
        new_index = np.cumsum(keep) - 1
        kept_terms = []
        for name, cols in terms:
            cols = np.asarray([new_index[c] for c in cols if keep[c]], dtype=int)
            if cols.size:
                kept_terms.append((name, cols))
        return cox_zph(rs, x[:, keep], self._eta, kept_terms)

    def _repr_html_(self) -> str:
        head = (
            f"n = {self.n}, events = {self.n_events}"
            + (f" ({self.n_dropped} observations deleted due to missingness)" if self.n_dropped else "")
            + f"; ties = {self.ties}; concordance = {self.concordance.concordance:.3f} "
            f"(se = {self.concordance.std_err:.3f})"
        )
        tests = pd.DataFrame(
            {
                "test": ["Likelihood ratio", "Wald", "Score (logrank)"],
                "statistic": [t.statistic for t in (self.likelihood_ratio_test, self.wald_test, self.score_test)],
                "df": [t.df for t in (self.likelihood_ratio_test, self.wald_test, self.score_test)],
                "p": [t.pvalue for t in (self.likelihood_ratio_test, self.wald_test, self.score_test)],
            }
        )
        import html

        warn = "".join(f"<p><em>Warning: {html.escape(w)}</em></p>" for w in self.warnings)
        return (
            super()._repr_html_()
            + f"<p>{html.escape(head)}</p>"
            + tests.to_html(index=False, float_format=lambda v: f"{v:.4g}")
            + warn
        )


def _require_column(data: pd.DataFrame, arg: str, name) -> pd.Series:
    if not isinstance(name, str):
        raise StatsInputError(f"{arg}: expected a column name (str), got {type(name).__name__}")
    if name not in data.columns:
        raise StatsInputError(f"{arg}: column {name!r} is not in data (columns: {list(data.columns)})")
    return data[name]


def _numeric(arg: str, name: str, s: pd.Series) -> np.ndarray:
    try:
        # a copy, never a view of the caller's data: the result keeps these arrays for
        # the parts it computes lazily (concordance, cox.zph)
        values = np.array(pd.to_numeric(s, errors="raise").to_numpy(dtype=float), copy=True)
    except (TypeError, ValueError):
        bad = pd.to_numeric(s, errors="coerce").isna() & s.notna()
        row = _py(s.index[np.flatnonzero(bad.to_numpy())[0]]) if bad.any() else "?"
        value = _py(s.loc[row]) if bad.any() else "?"
        raise StatsInputError(f"{arg}: column {name!r} must be numeric; row {row!r} has value {value!r}") from None
    return values


def _py(value):
    """A plain Python scalar for messages (``4`` rather than ``np.int64(4)``)."""
    return value.item() if isinstance(value, np.generic) else value


def _first_bad(mask: np.ndarray, index: pd.Index):
    i = int(np.flatnonzero(mask)[0])
    return i, _py(index[i])


def cox(
    data: pd.DataFrame,
    time: str,
    event: str,
    covariates: str,
    entry: str | None = None,
    strata: str | None = None,
    ties: Ties = "efron",
    robust: bool | None = None,
    cluster: str | None = None,
    weights: str | None = None,
) -> CoxResult:
    """Fit a Cox proportional hazards model, matching R's ``survival::coxph``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subject (or per counting-process interval with ``entry``).
    time : str
        Column with the exit (event or censoring) time.
    event : str
        Column with the event indicator, 0/1 or boolean.
    covariates : str
        Right-hand side of a model formula (`formulaic` syntax), e.g.
        ``"age + sex + C(ecog, contr.treatment(0))"``.  Numeric columns enter as they are;
        string / categorical columns become treatment contrasts with the first sorted level
        as reference, as R does for factors (columns named ``x[T.level]``).  Choose the
        reference with ``C(x, contr.treatment("level"))`` (``contr.treatment(0)`` for an
        integer-coded column) -- R's ``relevel(factor(x), ref = "level")``.  Column names
        that are not Python identifiers need backticks: ``"`ph.ecog` + age"``.
        Interactions ``a:b`` / ``a*b`` and transforms ``np.log(x)`` work as in formulaic.
        The intercept is implicit and dropped (a Cox model has none); as in ``coxph``,
        ``0 +`` does not change the contrast coding.  Note: levels are sorted by code
        point, R sorts strings by locale, so for mixed-case or symbol-led labels state
        the reference (or R's ``levels=``) explicitly.
    entry : str, optional
        Column with the delayed-entry time: counting-process data
        ``Surv(entry, time, event)``; a row is at risk on ``(entry, time]``.
    strata : str, optional
        Column defining strata (a separate baseline hazard per stratum; R ``strata()``).
    ties : {"efron", "breslow"}, default "efron"
        Handling of tied event times.
    robust : bool, optional
        Sandwich (dfbeta-based) variance as ``coxph(robust=TRUE)``.  ``None`` follows R:
        robust when ``cluster`` is given or the weights are not all integers.
    cluster : str, optional
        Column of cluster labels: robust variance sums dfbeta residuals by cluster.
    weights : str, optional
        Column of case weights (> 0), as ``coxph(weights=)``.

    Returns
    -------
    CoxResult

    Raises
    ------
    StatsInputError
        Missing column, bad formula, non-numeric or infinite values, event not 0/1,
        ``entry >= time``, weights <= 0, no events.  Rows with missing values in any used
        column are dropped (R's ``na.omit``) and counted in ``n_dropped``.

    Notes
    -----
    Convergence follows ``coxph.control()``: start at 0, Newton-Raphson with R's step
    halving, stop when ``|1 - loglik_old/loglik_new| <= 1e-9`` (at most 20 iterations).
    Near-equal times are merged first with R's ``timefix`` rule (:func:`.timefix.timefix`).
    A coefficient whose estimate is running to infinity (monotone likelihood) yields R's
    warning "Loglik converged before variable j; coefficient may be infinite", both in
    ``result.warnings`` and through :func:`warnings.warn`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "e": [1, 1, 0, 1, 1, 0],
    ...                    "arm": ["a", "b", "a", "b", "a", "b"]})
    >>> fit = cox(df, "t", "e", "arm")
    >>> fit.coefficients["term"].tolist()
    ['arm[T.b]']
    >>> round(float(fit.coefficients["coef"].iloc[0]), 4)  # R: coef(coxph(Surv(t, e) ~ arm, df))
    -0.2739
    """
    if not isinstance(data, pd.DataFrame):
        raise StatsInputError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    if ties not in get_args(Ties):
        raise StatsInputError(f"ties: must be one of {get_args(Ties)}, got {ties!r}")
    if robust is not None and not isinstance(robust, bool | np.bool_):
        raise StatsInputError(f"robust: must be True, False or None, got {robust!r}")
    if not isinstance(covariates, str) or not covariates.strip():
        raise StatsInputError("covariates: expected a non-empty formula string such as 'age + sex'")
    try:
        lookups, extra = _formula_variables(covariates)
    except Exception as exc:  # formulaic raises many types for a bad formula
        raise StatsInputError(f"covariates: cannot parse formula {covariates!r}: {exc}") from None
    roles = {"time": time, "event": event}
    for arg, name in (("entry", entry), ("strata", strata), ("cluster", cluster), ("weights", weights)):
        if name is not None:
            roles[arg] = name
    for arg, name in roles.items():
        _require_column(data, arg, name)
    for var in lookups:
        if var not in data.columns:
            raise StatsInputError(
                f"covariates: variable {var!r} of formula {covariates!r} is not a column of data"
            )
    # Names inside expressions (C(x, ...), np.log(x)) that are columns; unknown ones make
    # the model matrix fail below with formulaic's message naming them.
    needed = lookups + [v for v in extra if v in data.columns and v not in lookups]

    used_cols = list(dict.fromkeys([*roles.values(), *needed]))
    # Plain numeric covariates: one isfinite pass over their float block replaces the
    # per-column missing-value checks (and the infinite-value check below) when all are
    # finite, the usual case; the block is only read here (Newton copies it, sorted).
    plain = _plain_numeric_names(data, covariates)
    x_plain = None
    check_cols = used_cols
    if plain is not None:
        x_plain = _float_block(data, plain[0])
        if all(map_rows(lambda a, b: bool(np.isfinite(x_plain[a:b]).all()), x_plain.shape[0])):
            check_cols = list(dict.fromkeys(roles.values()))
        else:
            x_plain = None
    complete = np.logical_and.reduce([data[c].notna().to_numpy() for c in check_cols])
    n_dropped = int((~complete).sum())
    df = data if complete.all() else data.loc[complete]
    if df is not data:
        x_plain = None if x_plain is None else x_plain[complete]
    if df.shape[0] == 0:
        raise StatsInputError("data: no rows left after dropping rows with missing values")

    t = _numeric("time", time, df[time])
    ev = _numeric("event", event, df[event].astype(float) if df[event].dtype == bool else df[event])
    for arg, arr, name in (("time", t, time), ("event", ev, event)):
        if not np.isfinite(arr).all():
            i, row = _first_bad(~np.isfinite(arr), df.index)
            raise StatsInputError(f"{arg}: column {name!r} row {row!r} is {float(arr[i])!r}; must be finite")
    ev_bool = ev.astype(bool)
    if not np.array_equal(ev_bool, ev):  # some value other than 0 / 1
        i, row = _first_bad((ev != 0) & (ev != 1), df.index)
        raise StatsInputError(
            f"event: column {event!r} row {row!r} is {float(ev[i])!r}; an event indicator must be 0 or 1"
        )
    ev = ev_bool
    en = None
    if entry is not None:
        en = _numeric("entry", entry, df[entry])
        bad = ~np.isfinite(en) | (en >= t)
        if bad.any():
            i, row = _first_bad(bad, df.index)
            raise StatsInputError(
                f"entry: column {entry!r} row {row!r} is {float(en[i])!r} with time {float(t[i])!r}; entry must be finite "
                "and less than time"
            )
    w = np.ones(df.shape[0])
    if weights is not None:
        w = _numeric("weights", weights, df[weights])
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            i, row = _first_bad(bad, df.index)
            raise StatsInputError(
                f"weights: column {weights!r} row {row!r} is {float(w[i])!r}; weights must be finite and > 0"
            )
    if not ev.any():
        raise StatsInputError(f"event: column {event!r} has no events; a Cox model needs at least one")

    if x_plain is not None:
        x, (names, terms) = x_plain, plain  # all finite (checked above)
        bad = np.zeros(0, dtype=bool)
    else:
        x, names, terms = _design(df, covariates)
        bad = ~np.isfinite(x)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise StatsInputError(
            f"covariates: column {names[j]!r} row {_py(df.index[i])!r} is {float(x[i, j])!r}; "
            "infinite predictors are not allowed"
        )

    strata_codes = None
    if strata is not None:
        strata_codes = pd.factorize(df[strata], sort=True)[0].astype(np.int64)
    cluster_labels = np.array(df[cluster].to_numpy(), copy=True) if cluster is not None else None

    notes: list[str] = []
    has_frac_weights = weights is not None and bool(np.any(w != np.floor(w)))
    if robust is None:
        robust = cluster is not None or has_frac_weights
    if cluster is not None and not robust:
        notes.append("cluster specified with robust=FALSE, cluster ignored")
        cluster_labels = None

    # R's timefix (coxph.control(timefix=TRUE)): merge near-equal times first.
    if en is None:
        (t,), uniq = timefix_with_unique(t)
    else:
        (en, t), uniq = timefix_with_unique(en, t)

    rs = build_risk_sets(t, ev, w, strata_codes, en, ties, uniq=uniq)
    fit = newton_raphson(rs, x)
    keep = ~np.isnan(fit.coef)
    coef0 = np.where(keep, fit.coef, 0.0)

    for j in np.flatnonzero(fit.infinite):
        notes.append(f"Loglik converged before variable {j + 1} ({names[j]}); coefficient may be infinite.")
    if not fit.converged and fit.iterations > 0:
        notes.append("Ran out of iterations and did not converge")
    if (~keep).any():
        notes.append(
            "X matrix deemed to be singular; variable "
            + " ".join(f"{j + 1} ({names[j]})" for j in np.flatnonzero(~keep))
            + " has coefficient NA"
        )

    var = fit.var
    eta = None  # the linear predictor, computed here only when the robust variance needs it
    robust_var = None
    robust_score = None
    if robust:
        eta = _linear_predictor(rs, fit, coef0)
        robust_var, rscore = robust_variance(rs, _original_x(rs, fit), eta, fit.var, cluster_labels)
        robust_score = _chi2(rscore, int(keep.sum()))
    used_var = robust_var if robust_var is not None else var
    df_model = int(keep.sum())
    wald_stat, _ = quadratic_test(used_var[np.ix_(keep, keep)], fit.coef[keep])
    lr = -2 * (fit.loglik_init - fit.loglik)

    # R's robust concordance variance sums the influence within clusters; without a
    # cluster every observation is its own, i.e. no summing at all
    cl_for_c = cluster_labels if robust else None

    coefficients = _coef_table(names, fit.coef, var, robust_var)
    for msg in notes:
        _warnings.warn(msg, RuntimeWarning, stacklevel=2)
    title = f"Cox proportional hazards model ({ties} ties{', robust SE' if robust else ''})"
    return CoxResult(
        coefficients=coefficients,
        loglik=(float(fit.loglik_init), float(fit.loglik)),
        wald_test=_chi2(wald_stat, df_model),
        likelihood_ratio_test=_chi2(lr, df_model),
        score_test=_chi2(fit.score_test, df_model),
        robust_score_test=robust_score,
        n=int(df.shape[0]),
        n_events=int(ev.sum()),
        n_dropped=n_dropped,
        ties=ties,
        robust=bool(robust),
        iterations=fit.iterations,
        converged=fit.converged,
        var=used_var,
        warnings=tuple(notes),
        title=title,
        _zph_inputs=(rs, fit, terms, keep),
        _concordance_inputs=(t, ev, en, strata_codes, w, cl_for_c),
        _lp_inputs=(eta, rs, fit, coef0),
    )


def _linear_predictor(rs, fit, coef: np.ndarray) -> np.ndarray:
    """``x @ coef - sum(coef * means)`` in the original row order, from the fit's sorted,
    centred covariates (``x - center``; the fit keeps no other copy of x).

    Column-by-column accumulation (not a BLAS matvec) so that rows with identical
    covariates get bit-identical linear predictors, as ties in the concordance require.
    """
    xc = fit.xc
    eta_sorted = np.zeros(xc.shape[0])
    for j in range(xc.shape[1]):
        eta_sorted += xc[:, j] * coef[j]
    # x @ coef - coef.means = (x - center) @ coef + coef.(center - means); 0 unless the
    # centre is not the mean (counting-process data, centred at a row as agfit4 does)
    eta_sorted += float(np.sum(coef * (fit.center - fit.means)))
    eta = np.empty_like(eta_sorted)
    eta[rs.order] = eta_sorted
    return eta


def _original_x(rs, fit) -> np.ndarray:
    """The covariates in the original row order, rebuilt from the fit's sorted, centred
    copy (rows with equal covariates stay exactly equal)."""
    x = np.empty_like(fit.xc)
    x[rs.order] = fit.xc + fit.center
    return x


def _coef_table(names, coef, var, robust_var) -> pd.DataFrame:
    se = np.sqrt(np.maximum(np.diag(var), 0.0))
    rse = np.sqrt(np.maximum(np.diag(robust_var), 0.0)) if robust_var is not None else np.full(coef.size, np.nan)
    used = rse if robust_var is not None else se
    se = np.where(np.isnan(coef), np.nan, se)
    # exp() may overflow to inf for a diverging coefficient, as in R
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = coef / used
        return pd.DataFrame(
            {
                "term": names,
                "coef": coef,
                "hr": np.exp(coef),
                "se": se,
                "robust_se": np.where(np.isnan(coef), np.nan, rse),
                "z": z,
                "p": stats.chi2.sf(z**2, 1),
                "hr_lower": np.exp(coef - _Z975 * used),
                "hr_upper": np.exp(coef + _Z975 * used),
            }
        )


__all__ = ["ChiSquareTest", "CoxResult", "cox"]
