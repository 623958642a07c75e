"""Building blocks of the registry data model: column kinds, columns, tables, rules.

The model is declared once (:mod:`linewise.model.registry`) with these frozen objects; the
importer, the validator, the store DDL and ``docs/data-model.md`` are all derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """The logical type of a column; each has one parser in :mod:`linewise.io.normalize`."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    CODE = "code"  # one value of a closed code list
    DRUG = "drug"  # a drug name, normalised through the drug vocabulary
    DRUG_LIST = "drug_list"  # several drug names ("trastuzumab + pertuzumab + docetaxel")
    RECEPTOR = "receptor"  # hormone-receptor status in its many spellings


class Severity(StrEnum):
    """An error rejects the row; a warning keeps it and is reported."""

    ERROR = "error"
    WARNING = "warning"


class DatePrecision(StrEnum):
    """How much of a date the source gave; partial dates are imputed by a chosen rule."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class Column:
    """One column of a registry table.

    Parameters
    ----------
    name : str
        The model's column name (snake_case), used in the store and in study specs.
    kind : Kind
        Logical type; decides the parser and the store type.
    description : str
        What the column means, shown in ``docs/data-model.md``.
    required : bool
        A row without a value is rejected (rule ``required``).
    codes : tuple of str
        Allowed values of a ``CODE`` column, in their canonical spelling.
    minimum, maximum : float, optional
        Inclusive range of a numeric column (rule ``range``).
    aliases : tuple of str
        Source column names recognised without a mapping file (compared case- and
        punctuation-insensitively).
    code_aliases : dict
        Source spellings of codes (lower-case) mapped to the canonical code.
    """

    name: str
    kind: Kind
    description: str
    required: bool = False
    codes: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    aliases: tuple[str, ...] = ()
    code_aliases: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def is_date(self) -> bool:
        return self.kind is Kind.DATE


@dataclass(frozen=True)
class Rule:
    """A validation rule with a stable id, used in error reports and the rejects file."""

    id: str
    severity: Severity
    description: str


@dataclass(frozen=True)
class Table:
    """A registry table: its columns, key and the cross-field rules that apply to its rows."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rules: tuple[Rule, ...] = ()
    aliases: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def date_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.is_date)
