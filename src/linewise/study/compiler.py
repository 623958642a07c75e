"""Compile expression trees (:mod:`linewise.study.expr`) to Ibis values, checking types.

The walk knows four value types (boolean, number, text, date) and null; a name or a feature
function is resolved by the caller (the feature catalogue, covariates, the group). Missing
values propagate as in SQL. Mistakes raise :class:`~linewise.study.expr.ExprError` with the
position of the offending token.

Examples
--------
>>> import ibis
>>> from linewise.study.expr import parse
>>> t = ibis.table({"age": "float64"}, name="t")
>>> Compiler("age >= 18", lambda n: Typed(t[n.name], VType.NUMBER), None).compile(parse("age >= 18")).type
<VType.BOOLEAN: 'boolean'>
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import ibis
import ibis.expr.types as ir

from .expr import COMPARISONS, Binary, Call, ExprError, InList, IsNull, Literal, Name, Node, Unary

DAYS_PER_MONTH = 30.4375  # 365.25 / 12: months as calendar averages
DAYS_PER_YEAR = 365.25


class VType(StrEnum):
    """The value types of the expression language."""

    BOOLEAN = "boolean"
    NUMBER = "number"
    STRING = "string"
    DATE = "date"
    NULL = "null"


@dataclass(frozen=True)
class Typed:
    """An Ibis value with its expression-language type and, for coded strings, allowed codes."""

    expr: ir.Value
    type: VType
    codes: tuple[str, ...] | None = None


_IBIS_TYPES = {VType.BOOLEAN: "boolean", VType.NUMBER: "float64", VType.STRING: "string", VType.DATE: "date"}


def literal_type(value: object) -> VType:
    if value is None:
        return VType.NULL
    if isinstance(value, bool):
        return VType.BOOLEAN
    if isinstance(value, int | float):
        return VType.NUMBER
    if isinstance(value, dt.date):
        return VType.DATE
    return VType.STRING


def _lit(value: object, vtype: VType) -> ir.Value:
    if vtype is VType.NULL:
        return ibis.null()
    if vtype is VType.NUMBER:
        return ibis.literal(float(value), type="float64")
    return ibis.literal(value, type=_IBIS_TYPES[vtype])


def suggest(word: str, known: Sequence[str]) -> str:
    """'; did you mean X?' for the closest known name, or an empty string."""
    match = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


#: Resolves a name or a (non-generic) function call against a scope.
NameResolver = Callable[[Name], Typed]
CallResolver = Callable[[Call], Typed]

GENERIC_FUNCTIONS: Mapping[str, str] = {
    "if": "if(condition, value_if_true, value_if_false)",
    "coalesce": "coalesce(a, b, ...): the first non-missing value",
    "date": "date('YYYY-MM-DD'): a date literal",
    "days_between": "days_between(start, end): end - start in days",
    "months_between": "months_between(start, end): in months of 30.4375 days",
    "years_between": "years_between(start, end): in years of 365.25 days",
    "abs": "abs(x)",
    "min": "min(a, b): the smaller value",
    "max": "max(a, b): the larger value",
}


class Compiler:
    """Compile an expression tree to an Ibis value, checking types on the way.

    Parameters
    ----------
    text : str
        The expression text (for error positions).
    resolve_name, resolve_call : callables
        Give the :class:`Typed` value of a feature name / feature function call; raise
        :class:`ExprError` for unknown ones.

    Examples
    --------
    >>> import ibis
    >>> from linewise.study.expr import parse
    >>> t = ibis.table({"age": "float64"}, name="t")
    >>> names = lambda n: Typed(t[n.name], VType.NUMBER)
    >>> out = Compiler("age >= 18", names, None).compile(parse("age >= 18"))
    >>> out.type
    <VType.BOOLEAN: 'boolean'>
    """

    def __init__(self, text: str, resolve_name: NameResolver, resolve_call: CallResolver | None):
        self.text = text
        self.resolve_name = resolve_name
        self.resolve_call = resolve_call

    def error(self, message: str, node) -> ExprError:
        return ExprError(message, node.pos, self.text)

    def compile(self, node: Node) -> Typed:
        if isinstance(node, Literal):
            if isinstance(node.value, str):
                # a bare string literal keeps its text for code checks in comparisons
                return Typed(_lit(node.value, VType.STRING), VType.STRING)
            vt = literal_type(node.value)
            return Typed(_lit(node.value, vt), vt)
        if isinstance(node, Name):
            return self.resolve_name(node)
        if isinstance(node, Call):
            if node.func in GENERIC_FUNCTIONS:
                return self.generic(node)
            if self.resolve_call is None:
                raise self.error(f"unknown function {node.func!r}{suggest(node.func, list(GENERIC_FUNCTIONS))}", node)
            return self.resolve_call(node)
        if isinstance(node, Unary):
            operand = self.compile(node.operand)
            if node.op == "not":
                self.need(operand, (VType.BOOLEAN,), "'not'", node.operand)
                return Typed(~operand.expr if operand.type is not VType.NULL else ibis.null("boolean"), VType.BOOLEAN)
            self.need(operand, (VType.NUMBER,), "unary '-'", node.operand)
            if operand.type is VType.NULL:
                return Typed(ibis.null("float64"), VType.NUMBER)
            return Typed(-operand.expr, VType.NUMBER)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, InList):
            return self.in_list(node)
        if isinstance(node, IsNull):
            operand = self.compile(node.operand)
            expr = operand.expr.notnull() if node.negated else operand.expr.isnull()
            return Typed(expr, VType.BOOLEAN)
        raise self.error("unsupported expression", node)  # pragma: no cover - parser makes none

    def need(self, value: Typed, allowed: tuple[VType, ...], what: str, node) -> None:
        if value.type not in allowed and value.type is not VType.NULL:
            names = " or ".join(a.value for a in allowed)
            raise self.error(f"{what} needs a {names} value, got a {value.type.value}", node)

    def check_code(self, coded: Typed, literal_node, other: Typed) -> None:
        """A string literal compared with a coded feature must be one of its codes."""
        if coded.codes is None or not isinstance(literal_node, Literal) or not isinstance(literal_node.value, str):
            return
        if literal_node.value not in coded.codes:
            raise self.error(
                f"{literal_node.value!r} is not an allowed value here; allowed: "
                + ", ".join(repr(c) for c in coded.codes) + suggest(literal_node.value, coded.codes),
                literal_node,
            )

    def binary(self, node: Binary) -> Typed:
        left, right = self.compile(node.left), self.compile(node.right)
        op = node.op
        if op in ("and", "or"):
            self.need(left, (VType.BOOLEAN,), f"'{op}'", node.left)
            self.need(right, (VType.BOOLEAN,), f"'{op}'", node.right)
            lv = left.expr if left.type is not VType.NULL else ibis.null("boolean")
            rv = right.expr if right.type is not VType.NULL else ibis.null("boolean")
            return Typed(lv & rv if op == "and" else lv | rv, VType.BOOLEAN)
        if op in COMPARISONS:
            if VType.NULL in (left.type, right.type):
                raise self.error(f"comparing with null is never true; write 'is null' or 'is not null' instead of '{op} null'", node)
            if left.type is not right.type:
                raise self.error(f"cannot compare a {left.type.value} with a {right.type.value} using '{op}'", node)
            if left.type is VType.BOOLEAN and op not in ("==", "!="):
                raise self.error(f"'{op}' does not apply to true/false values", node)
            self.check_code(left, node.right, right)
            self.check_code(right, node.left, left)
            ops = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
                   "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
            return Typed(ops[op](left.expr, right.expr), VType.BOOLEAN)
        # arithmetic
        if op == "-" and left.type is VType.DATE and right.type is VType.DATE:
            return Typed(left.expr.delta(right.expr, unit="day").cast("float64"), VType.NUMBER)
        self.need(left, (VType.NUMBER,), f"'{op}'", node.left)
        self.need(right, (VType.NUMBER,), f"'{op}'", node.right)
        if VType.NULL in (left.type, right.type):  # arithmetic with a missing value is missing
            return Typed(ibis.null("float64"), VType.NUMBER)
        a, b = left.expr.cast("float64"), right.expr.cast("float64")
        if op == "+":
            return Typed(a + b, VType.NUMBER)
        if op == "-":
            return Typed(a - b, VType.NUMBER)
        if op == "*":
            return Typed(a * b, VType.NUMBER)
        # division by zero gives a missing value (SQL engines differ: error, NULL or inf)
        return Typed(ibis.cases((b == 0, ibis.null("float64")), else_=a / b), VType.NUMBER)

    def in_list(self, node: InList) -> Typed:
        operand = self.compile(node.operand)
        if operand.type is VType.NULL:
            raise self.error("'in' needs a value on its left, not null", node)
        values = []
        for item in node.items:
            vt = literal_type(item.value)
            if vt is not operand.type:
                raise self.error(f"list item {item.value!r} is a {vt.value}, but the value tested is a {operand.type.value}", item)
            self.check_code(operand, item, operand)
            values.append(float(item.value) if vt is VType.NUMBER else item.value)
        expr = operand.expr.isin(values)
        return Typed(~expr if node.negated else expr, VType.BOOLEAN)

    def generic(self, node: Call) -> Typed:
        f, args = node.func, node.args

        def arity(n: int | tuple[int, int]) -> None:
            lo, hi = (n, n) if isinstance(n, int) else n
            if not lo <= len(args) <= hi:
                want = str(lo) if lo == hi else f"{lo} to {hi}"
                raise self.error(f"{f}() takes {want} argument(s), got {len(args)}: {GENERIC_FUNCTIONS[f]}", node)

        if f == "date":
            arity(1)
            arg = args[0]
            if not isinstance(arg, Literal) or not isinstance(arg.value, str):
                raise self.error("date() takes a quoted ISO date such as '2015-01-31'", node)
            try:
                value = dt.date.fromisoformat(arg.value)
            except ValueError:
                raise self.error(f"{arg.value!r} is not a date in the form YYYY-MM-DD", arg) from None
            return Typed(ibis.literal(value, type="date"), VType.DATE)
        if f == "coalesce":
            arity((2, 16))
            vals = [self.compile(a) for a in args]
            kinds = {v.type for v in vals} - {VType.NULL}
            if len(kinds) > 1:
                raise self.error(f"coalesce() needs values of one type, got {sorted(k.value for k in kinds)}", node)
            kind = kinds.pop() if kinds else VType.NULL
            return Typed(ibis.coalesce(*[v.expr for v in vals]), kind, vals[0].codes)
        if f == "if":
            arity(3)
            cond, a, b = (self.compile(x) for x in args)
            self.need(cond, (VType.BOOLEAN,), "the condition of if()", args[0])
            kinds = {a.type, b.type} - {VType.NULL}
            if len(kinds) > 1:
                raise self.error(f"if() branches must have one type, got {a.type.value} and {b.type.value}", node)
            kind = kinds.pop() if kinds else VType.NULL
            if kind is VType.NULL:
                raise self.error("if() needs at least one branch that is not null", node)
            target = _IBIS_TYPES[kind]
            then = a.expr.cast(target) if a.type is not VType.NULL else ibis.null(target)
            other = b.expr.cast(target) if b.type is not VType.NULL else ibis.null(target)
            if cond.type is VType.NULL:  # an unknown condition is not true
                return Typed(other, kind)
            return Typed(ibis.cases((cond.expr, then), else_=other), kind)
        if f in ("days_between", "months_between", "years_between"):
            arity(2)
            a, b = (self.compile(x) for x in args)
            self.need(a, (VType.DATE,), f"{f}()", args[0])
            self.need(b, (VType.DATE,), f"{f}()", args[1])
            if VType.NULL in (a.type, b.type):
                return Typed(ibis.null("float64"), VType.NUMBER)
            days = b.expr.delta(a.expr, unit="day").cast("float64")
            scale = {"days_between": 1.0, "months_between": DAYS_PER_MONTH, "years_between": DAYS_PER_YEAR}[f]
            return Typed(days / scale if scale != 1.0 else days, VType.NUMBER)
        if f == "abs":
            arity(1)
            a = self.compile(args[0])
            self.need(a, (VType.NUMBER,), "abs()", args[0])
            return Typed(ibis.null("float64") if a.type is VType.NULL else a.expr.abs(), VType.NUMBER)
        # min / max of two values of one orderable type (a missing one gives a missing result)
        arity(2)
        a, b = (self.compile(x) for x in args)
        kinds = {a.type, b.type} - {VType.NULL}
        if len(kinds) != 1 or not kinds <= {VType.NUMBER, VType.DATE}:
            raise self.error(f"{f}() needs two numbers or two dates", node)
        kind = kinds.pop()
        if VType.NULL in (a.type, b.type):
            return Typed(ibis.null(_IBIS_TYPES[kind]), kind)
        fn = ibis.least if f == "min" else ibis.greatest
        return Typed(fn(a.expr, b.expr), kind)


def literal_args(call: Call, text: str, kinds: Sequence[tuple[str, type | tuple[type, ...]]],
                 optional: int = 0) -> list:
    """The literal arguments of a feature-function call, checked against ``(name, type)`` pairs.

    Feature functions take constants only (a drug name, a line number), so they can be
    computed once per study as columns; an expression there is an error.
    """
    required = len(kinds) - optional
    if not required <= len(call.args) <= len(kinds):
        want = str(len(kinds)) if not optional else f"{required} to {len(kinds)}"
        sig = ", ".join(n for n, _ in kinds)
        raise ExprError(f"{call.func}() takes {want} argument(s) ({sig}), got {len(call.args)}", call.pos, text)
    out = []
    for arg, (name, kind) in zip(call.args, kinds, strict=False):
        if not isinstance(arg, Literal) or arg.value is None:
            raise ExprError(f"argument {name!r} of {call.func}() must be a literal value", getattr(arg, "pos", call.pos), text)
        value = arg.value
        ok = isinstance(value, kind) and not (isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)))
        if not ok:
            want = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            want = {"str": "quoted text", "int": "whole number"}.get(want, want)
            raise ExprError(f"argument {name!r} of {call.func}() must be {want}, got {value!r}", arg.pos, text)
        out.append(value)
    return out
