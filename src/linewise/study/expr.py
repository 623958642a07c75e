"""The restricted expression language of study specs: tokens, tree and parser.

Conditions and derived variables in a spec ("pertuzumab before the index line", "index line
number >= 3") are small expressions. They are parsed by the hand-written grammar below into a
tree of frozen nodes, which :mod:`linewise.study.compiler` turns into Ibis expressions by
walking it: nothing is ever passed to ``eval`` and no SQL text from a spec reaches the engine,
so a spec can only name documented features and call documented functions.

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
Binary(op='and', left=Binary(op='>=', left=Name(name='index_line_number', pos=0), right=Literal(value=3, pos=21), pos=18), right=Call(func='prior', args=(Literal(value='pertuzumab', pos=33),), pos=27), pos=23)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from .errors import SpecError

#: Longest expression accepted; specs hold short conditions, and the bound keeps the parser's
#: recursion (one level per nesting) far from Python's limit.
MAX_LENGTH = 4000
#: Deepest nesting of parentheses, unary operators and calls.
MAX_DEPTH = 60


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
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


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
        if self.is_op(*COMPARISONS):
            tok = self.advance()
            node = Binary(str(tok.value), left, self.additive(), tok.pos)
            if self.is_op(*COMPARISONS):
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
