"""Covariates: named variables of the analysis table, with type, levels and reference.

A covariate is an expression over features (``age_at_index``, ``ecog_at_index``,
``ihc_subtype``, ``prior('lapatinib')`` ...) with a label; numbers can be cut into categories
(``bins``). Its *kind* decides how analyses use it: categorical variables are Table 1 counts
and Cox factors (treatment contrasts against ``reference``), continuous ones are Table 1
medians and linear Cox terms. True/false covariates are shown as yes/no and enter Cox models
as 0/1 ("yes vs no").

:data:`STANDARD` lists the covariates the issue names as derived at the index date, so a spec
can write ``covariates: {age: age_at_index}`` or borrow a ready definition with
``standard_covariate("ecog")``.

Examples
--------
>>> standard_covariate("ihc_subtype").expr
'ihc_subtype'
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from .compiler import Typed, VType
from .errors import SpecError
from .features import Anchor
from .spec import BinsSpec, CovariateSpec, GroupsSpec, VarKind

YES, NO = "yes", "no"


@dataclass(frozen=True)
class Variable:
    """What an analysis needs to know about a column of the analysis table."""

    name: str
    label: str
    kind: VarKind
    vtype: VType
    levels: tuple[str, ...] | None = None  # display order of categories (None: sorted values)
    reference: str | None = None
    anchor: Anchor | None = None

    @property
    def is_boolean(self) -> bool:
        return self.vtype is VType.BOOLEAN


def cut(value: ir.NumericValue, bins: BinsSpec) -> ir.StringValue:
    """Numbers to category labels, intervals closed on the right by default (R ``cut``)."""
    branches = []
    for i, edge in enumerate(bins.breaks):
        cond = value <= edge if bins.right else value < edge
        branches.append((cond, bins.labels[i]))
    return ibis.cases(*branches, else_=ibis.cases((value.notnull(), bins.labels[-1]), else_=ibis.null("string")))


def compile_covariate(name: str, spec: CovariateSpec, typed: Typed, anchor: Anchor) -> tuple[ir.Value, Variable]:
    """The column expression and the :class:`Variable` of one covariate.

    Raises
    ------
    SpecError
        A date covariate, bins on a non-number, a continuous text covariate, or a reference /
        level list that does not fit.
    """
    path = ("covariates", name)
    expr, vtype = typed.expr, typed.type
    if vtype is VType.NULL:
        raise SpecError("the expression is always null", path=(*path, "expr"))
    if vtype is VType.DATE:
        raise SpecError("a date cannot be a covariate; use months_between(a, b) or a comparison", path=(*path, "expr"))
    levels = tuple(spec.levels) if spec.levels else None
    if spec.bins is not None:
        if vtype is not VType.NUMBER:
            raise SpecError(f"bins need a number, the expression is {vtype.value}", path=(*path, "bins"))
        expr, vtype = cut(expr, spec.bins), VType.STRING
        levels = levels or tuple(spec.bins.labels)
    kind = spec.type or (VarKind.CONTINUOUS if vtype is VType.NUMBER else VarKind.CATEGORICAL)
    if kind is VarKind.CONTINUOUS and vtype is not VType.NUMBER:
        raise SpecError(f"a {vtype.value} expression cannot be continuous", path=(*path, "type"))
    if vtype is VType.BOOLEAN:
        levels = levels or (NO, YES)
        if set(levels) != {NO, YES}:
            raise SpecError(f"a true/false covariate has the levels 'no' and 'yes', got {list(levels)}", path=(*path, "levels"))
    if levels is None and vtype is VType.STRING and typed.codes:
        levels = tuple(typed.codes)
    reference = spec.reference
    if reference is not None:
        if kind is VarKind.CONTINUOUS:
            raise SpecError("a continuous covariate has no reference level", path=(*path, "reference"))
        if levels is not None and reference not in levels:
            raise SpecError(f"reference {reference!r} is not one of the levels {list(levels)}", path=(*path, "reference"))
    elif vtype is VType.BOOLEAN:
        reference = NO
    label = spec.label or name.replace("_", " ")
    return expr, Variable(name, label, kind, vtype, levels, reference, anchor)


def group_variable(groups: GroupsSpec, anchor: Anchor) -> Variable:
    """The :class:`Variable` of the exposure groups (levels in spec order)."""
    return Variable(groups.name, groups.label, VarKind.CATEGORICAL, VType.STRING,
                    tuple(lv.name for lv in groups.levels), groups.reference_level, anchor)


#: Covariates at the index date that the reference studies use, ready to borrow.
STANDARD: dict[str, CovariateSpec] = {
    "age": CovariateSpec(expr="age_at_index", label="Age at index, years"),
    "ecog": CovariateSpec(expr="ecog_at_index", label="ECOG performance status", type=VarKind.CATEGORICAL),
    "ecog_1plus": CovariateSpec(expr="ecog_at_index >= 1", label="ECOG PS >= 1"),
    "visceral": CovariateSpec(expr="visceral", label="Visceral metastases"),
    "brain": CovariateSpec(expr="brain", label="Brain metastases"),
    "bone_only": CovariateSpec(expr="bone_only", label="Bone-only disease"),
    "n_sites": CovariateSpec(expr="n_metastatic_sites", label="Number of metastatic sites",
                             bins=BinsSpec(breaks=[1, 2], labels=["1", "2", ">2"])),
    "multiple_sites": CovariateSpec(expr="multiple_sites", label="More than one metastatic site"),
    "hr_status": CovariateSpec(expr="hr_status", label="Hormone-receptor status", reference="negative"),
    "ihc_subtype": CovariateSpec(expr="ihc_subtype", label="IHC subtype", reference="HR-negative"),
    "ki67": CovariateSpec(expr="ki67_category", label="Ki-67"),
    "grade": CovariateSpec(expr="grade", label="Grade"),
    "de_novo": CovariateSpec(expr="de_novo", label="Metastatic at diagnosis"),
    "dfi": CovariateSpec(expr="disease_free_interval", label="Disease-free interval, months"),
    "prior_chemo": CovariateSpec(expr="prior_chemotherapy_regimens", label="Prior chemotherapy regimens"),
    "her2_months": CovariateSpec(expr="her2_therapy_months", label="Duration of HER2 therapy, months"),
}


def standard_covariate(name: str) -> CovariateSpec:
    """A ready covariate definition from :data:`STANDARD`."""
    try:
        return STANDARD[name]
    except KeyError:
        raise SpecError(f"no standard covariate {name!r}; known: {', '.join(sorted(STANDARD))}") from None
