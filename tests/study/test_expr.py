"""The restricted expression grammar: parse trees, type checks, clear errors, never eval."""

from __future__ import annotations

import re

import ibis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linewise.study import SpecError, spec_from_data
from linewise.study.cohort import PatientScope
from linewise.study.compiler import Compiler, Typed, VType
from linewise.study.expr import (
    MAX_DEPTH,
    Binary,
    Call,
    ExprError,
    InList,
    IsNull,
    Literal,
    Name,
    Unary,
    parse,
)
from linewise.study.features import feature_of

TABLE = ibis.table({"n": "float64", "s": "string", "b": "boolean", "d": "date"}, name="t")
TYPES = {"n": VType.NUMBER, "s": VType.STRING, "b": VType.BOOLEAN, "d": VType.DATE}


def names(node: Name) -> Typed:
    if node.name not in TYPES:
        raise ExprError(f"unknown feature {node.name!r}", node.pos, "")
    return Typed(TABLE[node.name], TYPES[node.name], ("x", "y") if node.name == "s" else None)


def compile_text(text: str) -> Typed:
    return Compiler(text, names, None).compile(parse(text))


def test_precedence_and_structure():
    tree = parse("not a or b and c == 1")
    assert isinstance(tree, Binary) and tree.op == "or"
    assert isinstance(tree.left, Unary) and tree.left.op == "not"
    assert isinstance(tree.right, Binary) and tree.right.op == "and"
    assert isinstance(tree.right.right, Binary) and tree.right.right.op == "=="
    arith = parse("1 + 2 * 3 - -4")
    assert arith.op == "-" and arith.right == Literal(-4, 12)
    assert arith.left.op == "+" and arith.left.right.op == "*"


def test_literals_lists_and_null_tests():
    assert parse("'O''Brien'") == Literal("O'Brien", 0)
    assert parse('"x"') == Literal("x", 0)
    assert parse("1.5e2") == Literal(150.0, 0)
    tree = parse("x not in ['a', 'b']")
    assert isinstance(tree, InList) and tree.negated and [i.value for i in tree.items] == ["a", "b"]
    assert isinstance(parse("x is not null"), IsNull) and parse("x is not null").negated
    call = parse("in_line(1, 'pertuzumab')")
    assert isinstance(call, Call) and call.func == "in_line" and [a.value for a in call.args] == [1, "pertuzumab"]


@pytest.mark.parametrize("text, message", [
    ("", "empty expression"),
    ("a = 1", "compare with '=='"),
    ("a && b", "write 'and'"),
    ("a ||b", "write 'or'"),
    ("!a", "write 'not'"),
    ("a >", "expected a value"),
    ("(a", "expected ')'"),
    ("'abc", "unterminated string"),
    ("1 < a < 3", "cannot be chained"),
    ("a in [b]", "literal values only"),
    ("a b", "after a complete expression"),
    ("a is 3", "expected 'null'"),
    ("__import__('os').system('rm')", "unexpected character '.'"),
    ("f(" * (MAX_DEPTH + 5), "nested more than"),
])
def test_parse_errors_are_clear(text, message):
    with pytest.raises(ExprError, match=re.escape(message)) as info:
        parse(text)
    assert isinstance(info.value, SpecError)


@pytest.mark.parametrize("text, vtype", [
    ("n >= 3 and b", VType.BOOLEAN),
    ("n * 2 + 1", VType.NUMBER),
    ("d - d", VType.NUMBER),
    ("months_between(d, date('2020-01-01'))", VType.NUMBER),
    ("if(b, 'x', null)", VType.STRING),
    ("coalesce(n, 0)", VType.NUMBER),
    ("s in ['x', 'y']", VType.BOOLEAN),
    ("d is null", VType.BOOLEAN),
    ("max(n, 3)", VType.NUMBER),
])
def test_compile_types(text, vtype):
    assert compile_text(text).type is vtype


@pytest.mark.parametrize("text, message", [
    ("n and b", "'and' needs a boolean value, got a number"),
    ("s == 1", "cannot compare a string with a number"),
    ("n == null", "write 'is null'"),
    ("s == 'z'", "'z' is not an allowed value here"),
    ("s in ['x', 'q']", "'q' is not an allowed value"),
    ("b > b", "does not apply to true/false"),
    ("date('2020-13-01')", "not a date"),
    ("if(n, 1, 2)", "condition of if() needs a boolean"),
    ("if(b, 1, 'x')", "branches must have one type"),
    ("coalesce(n)", "takes 2 to 16 argument"),
    ("not n", "'not' needs a boolean"),
    ("nope(1)", "unknown function 'nope'"),
    ("s - 1", "'-' needs a number"),
])
def test_compile_errors_are_clear(text, message):
    with pytest.raises(ExprError, match=re.escape(message)):
        compile_text(text)


def test_division_by_zero_is_missing_not_an_error():
    t = ibis.memtable({"n": [1.0, 2.0]})
    text = "n / (n - n)"
    out = Compiler(text, lambda node: Typed(t[node.name], VType.NUMBER), None).compile(parse(text))
    assert t.select(v=out.expr).execute()["v"].isna().all()


# --- fuzzing: any text gives a tree or a SpecError, never another exception ----------------------
TOKENS = st.sampled_from([
    "a", "n", "s", "b", "d", "index_line_number", "prior", "in_line", "if", "date", "coalesce", "not", "and", "or",
    "in", "is", "null", "true", "false", "(", ")", "[", "]", ",", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*",
    "/", "'x'", "'pertuzumab'", "\"y\"", "1", "2.5", "0", "'", "=", "!", "&", ".", "1e400",
])
TOKEN_TEXT = st.lists(TOKENS, max_size=25).map(" ".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=80), TOKEN_TEXT))
def test_arbitrary_text_parses_or_fails_clearly(text):
    try:
        tree = parse(text)
    except SpecError as err:
        assert str(err)
        return
    assert isinstance(tree, Literal | Name | Call | Unary | Binary | InList | IsNull)


SCOPE_SPEC = spec_from_data({"schema_version": 1, "name": "fuzz", "title": "fuzz",
                             "index": {"label": "x", "line": "has('T-DM1')"}})


IBIS_TYPES = {VType.NUMBER: "float64", VType.STRING: "string", VType.BOOLEAN: "boolean", VType.DATE: "date"}


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=60), TOKEN_TEXT))
def test_arbitrary_text_compiles_or_fails_clearly(text):
    """Through the whole path a spec expression takes: parse, resolve features, type-check and
    compile on a frame holding the requested feature columns."""
    try:
        compile_text(text)
    except SpecError:
        pass
    scope = PatientScope(SCOPE_SPEC)
    try:
        parsed = scope.parse(text, ("cohort", 0, "include"))
    except SpecError as err:
        assert "cohort[0].include" in str(err)
        return
    frame = ibis.table({r.column: IBIS_TYPES[feature_of(r).vtype] for r in parsed.requests} or {"x": "int64"},
                       name="frame")
    try:
        scope.compile(parsed, frame, {})
    except SpecError as err:
        assert "cohort[0].include" in str(err)


def test_never_evaluates_python():
    scope = PatientScope(SCOPE_SPEC)
    for text in ("__import__('os')", "exec('1')", "eval('1')", "open('x')", "globals()"):
        with pytest.raises(SpecError, match="unknown function"):
            scope.parse(text, ("cohort", 0, "include"))
