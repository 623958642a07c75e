"""The restricted expression language of study specs, parsed here and compiled to Ibis.

Conditions and derived variables in a spec ("pertuzumab before the index line", "index line
number >= 3") are small expressions. They are parsed by the hand-written grammar below into a
tree of frozen nodes and compiled to Ibis expressions by walking that tree: nothing is ever
passed to ``eval`` and no SQL text from a spec reaches the engine, so a spec can only name
documented features and call documented functions.

Grammar (lowest precedence first)::

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := additive [ ("==" | "!=" | "<" | "<=" | ">" | ">=") additive
                           | ["not"] "in" "[" literal ("," literal)* "]"
                           | "is" ["not"] "null" ]
    additive   := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := "-" unary | primary
    primary    := NUMBER | STRING | "true" | "false" | "null" | NAME
                | NAME "(" [expr ("," expr)*] ")" | "(" expr ")"

Strings are quoted with ``'`` or ``"`` (a quote inside is doubled: ``'O''Brien'``). Names are
features (see :mod:`linewise.study.features`); functions are those of the feature catalogue
plus ``if(cond, a, b)``, ``coalesce(a, b, ...)``, ``date('2015-01-31')``,
``days_between(a, b)``, ``months_between(a, b)``, ``years_between(a, b)``, ``abs(x)``,
``min(a, b)``, ``max(a, b)``.

Examples
--------
>>> parse("index_line_number >= 3 and prior('pertuzumab')")
Binary(op='and', left=Binary(op='>=', left=Name(name='index_line_number', pos=0), right=Literal(value=3, pos=21), pos=18), right=Call(func='prior', args=(Literal(value='pertuzumab', pos=32),), pos=26), pos=23)
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import ibis
import ibis.expr.types as ir

from .errors import SpecError

#: Longest expression accepted; specs hold short conditions, and the bound keeps the parser's
#: recursion (one level per nesting) far from Python's limit.
MAX_LENGTH = 4000
#: Deepest nesting of parentheses, unary operators and calls.
MAX_DEPTH = 60
DAYS_PER_MONTH = 30.4375  # 365.25 / 12: months as calendar averages
DAYS_PER_YEAR = 365.25


class ExprError(SpecError):
    """An expression that cannot be parsed or compiled; ``pos`` is the offending offset."""

    def __init__(self, message: str, pos: int, text: str):
        self.pos = pos
        self.text = text
        super().__init__(f"{message} (at character {pos + 1} of {text!r})" if text else message)
        self.message = self.args[0]


# --- tree ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Literal:
    value: object  # int, float, str, bool, None or datetime.date
    pos: int


@dataclass(frozen=True)
class Name:
    name: str
    pos: int


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple
    pos: int


@dataclass(frozen=True)
class Unary:
    op: str  # "not" or "-"
    operand: object
    pos: int


@dataclass(frozen=True)
class Binary:
    op: str
    left: object
    right: object
    pos: int


@dataclass(frozen=True)
class InList:
    operand: object
    items: tuple  # of Literal
    negated: bool
    pos: int


@dataclass(frozen=True)
class IsNull:
    operand: object
    negated: bool
    pos: int


Node = Literal | Name | Call | Unary | Binary | InList | IsNull


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, parents before children.

    Examples
    --------
    >>> [type(n).__name__ for n in walk(parse("not a"))]
    ['Unary', 'Name']
    """
    yield node
    if isinstance(node, Call):
        for a in node.args:
            yield from walk(a)
    elif isinstance(node, Unary):
        yield from walk(node.operand)
    elif isinstance(node, Binary):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, InList):
        yield from walk(node.operand)
        yield from node.items
    elif isinstance(node, IsNull):
        yield from walk(node.operand)


# --- tokens ----------------------------------------------------------------------------------
class Tok(StrEnum):
    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    OP = "operator"
    END = "end of expression"


KEYWORDS = frozenset({"and", "or", "not", "in", "is", "null", "true", "false"})
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",")
_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Token:
    kind: Tok
    value: object
    pos: int


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens; raises :class:`ExprError` on a stray character."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "'\"":
            j, parts = i + 1, []
            while True:
                k = text.find(ch, j)
                if k < 0:
                    raise ExprError(f"unterminated string starting with {ch}", i, text)
                parts.append(text[j:k])
                if k + 1 < n and text[k + 1] == ch:  # doubled quote inside the string
                    parts.append(ch)
                    j = k + 2
                    continue
                break
            tokens.append(Token(Tok.STRING, "".join(parts), i))
            i = k + 1
            continue
        m = _NUMBER.match(text, i)
        if m and (ch.isdigit() or ch == "."):
            raw = m.group()
            value: object = float(raw) if any(c in raw for c in ".eE") else int(raw)
            if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
                raise ExprError(f"number {raw} is out of range", i, text)
            tokens.append(Token(Tok.NUMBER, value, i))
            i = m.end()
            continue
        m = _NAME.match(text, i)
        if m:
            tokens.append(Token(Tok.NAME, m.group(), i))
            i = m.end()
            continue
        for op in _OPERATORS:
            if text.startswith(op, i):
                tokens.append(Token(Tok.OP, op, i))
                i += len(op)
                break
        else:
            hint = ""
            if ch == "=":
                hint = "; compare with '=='"
            elif ch == "&":
                hint = "; write 'and'"
            elif ch == "|":
                hint = "; write 'or'"
            elif ch == "!":
                hint = "; write 'not' (or '!=' to compare)"
            raise ExprError(f"unexpected character {ch!r}{hint}", i, text)
    tokens.append(Token(Tok.END, None, n))
    return tokens


# --- parser ----------------------------------------------------------------------------------
_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    # helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def error(self, message: str, tok: Token | None = None) -> ExprError:
        return ExprError(message, (tok or self.tok).pos, self.text)

    def describe(self, tok: Token) -> str:
        if tok.kind is Tok.END:
            return "the end of the expression"
        if tok.kind is Tok.STRING:
            return f"string {tok.value!r}"
        return f"{tok.kind.value} {tok.value!r}" if tok.kind is not Tok.OP else repr(tok.value)

    def is_op(self, *ops: str) -> bool:
        return self.tok.kind is Tok.OP and self.tok.value in ops

    def is_kw(self, *words: str) -> bool:
        return self.tok.kind is Tok.NAME and self.tok.value in words

    def advance(self) -> Token:
        tok = self.tok
        self.i += 1
        return tok

    def expect_op(self, op: str, context: str) -> Token:
        if not self.is_op(op):
            raise self.error(f"expected {op!r} {context}, found {self.describe(self.tok)}")
        return self.advance()

    def nest(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression nested more than {MAX_DEPTH} levels deep")

    # grammar
    def parse(self) -> Node:
        if not self.text.strip():
            raise ExprError("empty expression", 0, self.text)
        node = self.or_expr()
        if self.tok.kind is not Tok.END:
            raise self.error(f"unexpected {self.describe(self.tok)} after a complete expression")
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.is_kw("or"):
            tok = self.advance()
            node = Binary("or", node, self.and_expr(), tok.pos)
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.is_kw("and"):
            tok = self.advance()
            node = Binary("and", node, self.not_expr(), tok.pos)
        return node

    def not_expr(self) -> Node:
        if self.is_kw("not"):
            tok = self.advance()
            self.nest()
            operand = self.not_expr()
            self.depth -= 1
            return Unary("not", operand, tok.pos)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.additive()
        if self.is_op(*_COMPARISONS):
            tok = self.advance()
            node = Binary(str(tok.value), left, self.additive(), tok.pos)
            if self.is_op(*_COMPARISONS):
                raise self.error("comparisons cannot be chained; join them with 'and'")
            return node
        if self.is_kw("not") and self.tokens[self.i + 1].kind is Tok.NAME and self.tokens[self.i + 1].value == "in":
            tok = self.advance()
            self.advance()
            return InList(left, self.literal_list(), True, tok.pos)
        if self.is_kw("in"):
            tok = self.advance()
            return InList(left, self.literal_list(), False, tok.pos)
        if self.is_kw("is"):
            tok = self.advance()
            negated = False
            if self.is_kw("not"):
                self.advance()
                negated = True
            if not self.is_kw("null"):
                raise self.error(f"expected 'null' after 'is{' not' if negated else ''}', found {self.describe(self.tok)}")
            self.advance()
            return IsNull(left, negated, tok.pos)
        return left

    def literal_list(self) -> tuple:
        self.expect_op("[", "to open the list after 'in'")
        items = []
        while True:
            node = self.unary()
            if isinstance(node, Unary) and node.op == "-" and isinstance(node.operand, Literal) \
                    and isinstance(node.operand.value, int | float) and not isinstance(node.operand.value, bool):
                node = Literal(-node.operand.value, node.pos)
            if not isinstance(node, Literal) or node.value is None:
                raise ExprError("a list after 'in' holds literal values only (numbers, strings, true, false)",
                                getattr(node, "pos", self.tok.pos), self.text)
            items.append(node)
            if self.is_op(","):
                self.advance()
                continue
            self.expect_op("]", "to close the list")
            return tuple(items)

    def additive(self) -> Node:
        node = self.term()
        while self.is_op("+", "-"):
            tok = self.advance()
            node = Binary(str(tok.value), node, self.term(), tok.pos)
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.is_op("*", "/"):
            tok = self.advance()
            node = Binary(str(tok.value), node, self.unary(), tok.pos)
        return node

    def unary(self) -> Node:
        if self.is_op("-"):
            tok = self.advance()
            self.nest()
            operand = self.unary()
            self.depth -= 1
            if isinstance(operand, Literal) and isinstance(operand.value, int | float) and not isinstance(operand.value, bool):
                return Literal(-operand.value, tok.pos)
            return Unary("-", operand, tok.pos)
        return self.primary()

    def primary(self) -> Node:
        tok = self.tok
        if tok.kind is Tok.NUMBER or tok.kind is Tok.STRING:
            self.advance()
            return Literal(tok.value, tok.pos)
        if tok.kind is Tok.NAME:
            self.advance()
            word = str(tok.value)
            if word == "true" or word == "false":
                return Literal(word == "true", tok.pos)
            if word == "null":
                return Literal(None, tok.pos)
            if word in KEYWORDS:
                raise self.error(f"unexpected keyword {word!r}", tok)
            if self.is_op("("):
                self.advance()
                self.nest()
                args = []
                if not self.is_op(")"):
                    while True:
                        args.append(self.or_expr())
                        if self.is_op(","):
                            self.advance()
                            continue
                        break
                self.expect_op(")", f"to close the call of {word}()")
                self.depth -= 1
                return Call(word, tuple(args), tok.pos)
            return Name(word, tok.pos)
        if self.is_op("("):
            self.advance()
            self.nest()
            node = self.or_expr()
            self.expect_op(")", "to close the parenthesis")
            self.depth -= 1
            return node
        raise self.error(f"expected a value, a name or '(', found {self.describe(tok)}")


def parse(text: str) -> Node:
    """Parse an expression into a tree; raises :class:`ExprError` (a ``SpecError``) on any mistake.

    Parameters
    ----------
    text : str
        The expression as written in the spec.

    Returns
    -------
    Node
        The root of the tree.

    Examples
    --------
    >>> parse("ecog in [0, 1]")
    InList(operand=Name(name='ecog', pos=0), items=(Literal(value=0, pos=9), Literal(value=1, pos=12)), negated=False, pos=5)
    >>> parse("age >")
    Traceback (most recent call last):
    ...
    linewise.study.expr.ExprError: expected a value, a name or '(', found the end of the expression (at character 6 of 'age >')
    """
    if not isinstance(text, str):
        raise ExprError(f"expected an expression string, got {type(text).__name__}", 0, "")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression is longer than {MAX_LENGTH} characters", MAX_LENGTH, text[:40] + "...")
    return _Parser(text).parse()


# --- types and compilation -------------------------------------------------------------------
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
        if op in _COMPARISONS:
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
            return Typed(ibis.cases((cond.expr, then), else_=other), kind)
        if f in ("days_between", "months_between", "years_between"):
            arity(2)
            a, b = (self.compile(x) for x in args)
            self.need(a, (VType.DATE,), f"{f}()", args[0])
            self.need(b, (VType.DATE,), f"{f}()", args[1])
            days = b.expr.delta(a.expr, unit="day").cast("float64")
            scale = {"days_between": 1.0, "months_between": DAYS_PER_MONTH, "years_between": DAYS_PER_YEAR}[f]
            return Typed(days / scale if scale != 1.0 else days, VType.NUMBER)
        if f == "abs":
            arity(1)
            a = self.compile(args[0])
            self.need(a, (VType.NUMBER,), "abs()", args[0])
            return Typed(a.expr.abs(), VType.NUMBER)
        # min / max of two values of one orderable type
        arity(2)
        a, b = (self.compile(x) for x in args)
        if a.type is not b.type or a.type not in (VType.NUMBER, VType.DATE):
            raise self.error(f"{f}() needs two numbers or two dates", node)
        fn = ibis.least if f == "min" else ibis.greatest
        return Typed(fn(a.expr, b.expr), a.type)


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
