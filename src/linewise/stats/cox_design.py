"""The model matrix of a Cox formula: formulaic with R's treatment contrasts, and a fast
path for the common ``a + b + c`` of numeric columns.

Used by :func:`linewise.stats.cox.cox`; formulas are parsed once per string (a study fits
the same formula many times).
"""

from __future__ import annotations

import functools
import re

import formulaic
import numpy as np
import pandas as pd

from ._validate import StatsInputError


def _formula_variables(covariates: str) -> tuple[list[str], list[str]]:
    """Column names a formula uses: plain look-ups, and names inside expressions."""
    lookups, extra = _parse_variables(covariates)
    return list(lookups), list(extra)


@functools.lru_cache(maxsize=256)
def _parse_variables(covariates: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # parsed once per formula string: a study fits the same formula many times, and
    # formulaic's parser costs milliseconds
    formula = formulaic.Formula(covariates)
    lookups: list[str] = []
    extra: set[str] = set(formula.required_variables)
    for term in formula:
        for factor in term.factors:
            kind = str(factor.eval_method).rsplit(".", 1)[-1].upper()
            if kind == "LOOKUP":
                if factor.expr not in lookups:
                    lookups.append(factor.expr)
            elif kind == "PYTHON":
                extra.update(re.findall(r"`([^`]+)`", factor.expr))
    return tuple(lookups), tuple(sorted(extra))


def _plain_numeric_design(df: pd.DataFrame, covariates: str):
    """The model matrix of a sum of plain numeric columns, without formulaic; else None.

    For ``a + b + c`` of int / float columns formulaic's matrix is just those columns as
    float, one term each in formula order; building it directly avoids formulaic's
    per-column machinery (most of the cost of a 1e6-row fit).  Anything else -- factors,
    bools, transforms, interactions, ``0 +`` -- returns None and goes through formulaic.
    """
    plain = _plain_numeric_names(df, covariates)
    if plain is None:
        return None
    names, terms = plain
    x = df[names].to_numpy(dtype=float, copy=True)  # a snapshot, as formulaic's matrix
    return x, names, terms


def _root(a: np.ndarray) -> np.ndarray:
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _float_block(df: pd.DataFrame, names: list[str]) -> np.ndarray:
    """The float64 columns ``names`` as one read-only (n, k) array, without a copy when it can.

    pandas keeps same-dtype columns in one 2-D block; when the columns are equally spaced
    views of one such array (in formula order), a strided view over exactly their elements
    reads them in place -- a million-row model matrix is otherwise an 80 MB copy.  Else
    a copy (``DataFrame.to_numpy``).  The caller must not keep the result: it may be the
    caller's data.
    """
    cols = [df[name].to_numpy() for name in names]
    first = cols[0]
    if all(
        c.dtype == np.float64 and c.ndim == 1 and c.shape == first.shape and c.strides == first.strides
        for c in cols
    ) and all(_root(c) is _root(first) for c in cols):
        addr = [c.__array_interface__["data"][0] for c in cols]
        step = addr[1] - addr[0] if len(cols) > 1 else first.itemsize
        if step > 0 and all(a - addr[0] == j * step for j, a in enumerate(addr)):
            # element (i, j) is addr[0] + i * stride + j * step = cols[j][i]: the view covers
            # the columns' own elements and nothing else
            return np.lib.stride_tricks.as_strided(
                first, shape=(first.shape[0], len(cols)), strides=(first.strides[0], step), writeable=False
            )
    return df[names].to_numpy(dtype=float)


def _plain_numeric_names(df: pd.DataFrame, covariates: str):
    """Column names and terms of :func:`_plain_numeric_design`, without building the matrix."""
    lookups = _lookup_terms(covariates)
    if lookups is None:
        return None
    for name in lookups:
        dtype = df[name].dtype if name in df.columns and df.columns.is_unique else None
        if not isinstance(dtype, np.dtype) or dtype.kind not in "iuf":
            return None
    names = list(lookups)
    return names, [(name, np.asarray([j])) for j, name in enumerate(names)]


@functools.lru_cache(maxsize=256)
def _lookup_terms(covariates: str) -> tuple[str, ...] | None:
    """The columns of a formula that is a plain sum of column look-ups (``a + b``), else None."""
    try:
        terms = list(formulaic.Formula(f"1 + ({covariates})"))
    except Exception:  # formulaic raises many types for a bad formula
        return None
    if not terms or str(terms[0]) != "1" or len(terms) < 2:
        return None
    names = []
    for term in terms[1:]:
        factors = list(term.factors)
        if len(factors) != 1 or str(factors[0].eval_method).rsplit(".", 1)[-1].upper() != "LOOKUP":
            return None
        name = str(factors[0].expr)
        if str(term) != name:
            return None
        names.append(name)
    return tuple(names)


def _design(df: pd.DataFrame, covariates: str):
    """Model matrix with R's treatment contrasts (intercept used for coding, then dropped)."""
    plain = _plain_numeric_design(df, covariates)
    if plain is not None:
        return plain
    try:
        mm = formulaic.model_matrix(f"1 + ({covariates})", df, na_action="raise")
    except Exception as exc:
        raise StatsInputError(f"covariates: cannot build the model matrix for {covariates!r}: {exc}") from None
    names = list(mm.columns)
    if "Intercept" not in names:
        raise StatsInputError("covariates: do not remove the intercept ('0 +' / '- 1'); a Cox model drops it itself")
    icol = names.index("Intercept")
    x = np.ascontiguousarray(mm.drop(columns="Intercept").to_numpy(dtype=float))
    names.pop(icol)
    if not names:
        raise StatsInputError(f"covariates: formula {covariates!r} has no covariate")
    terms = []
    for term, sl in mm.model_spec.term_slices.items():
        cols = [c - (c > icol) for c in range(sl.start, sl.stop) if c != icol]
        if cols:
            terms.append((str(term), np.asarray(cols, dtype=int)))
    return x, names, terms
