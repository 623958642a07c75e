"""Column mapping: a user's column names and codes to the registry model.

Common names are recognised without a mapping file (each model column lists its aliases);
a YAML mapping file names the rest::

    table: patients            # optional: which model table the file holds
    date_format: "%d/%m/%Y"    # optional: for ambiguous dates
    columns:                   # source column -> model column
      Pat-Nr: patient_id
      Geburtsjahr: birth_date
    codes:                     # per model column: source code -> model code
      sex: {1: female, 2: male}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import LinewiseError
from ..model.registry import TABLES, get_table
from ..model.types import Table


class MappingSpec(BaseModel):
    """A validated column-mapping file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str | None = None
    date_format: str | None = None
    columns: dict[str, str] = {}
    codes: dict[str, dict[str, str]] = {}


def load_mapping(path: str | Path) -> MappingSpec:
    """Read and validate a YAML mapping file; mistakes name the file and the field."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise LinewiseError(f"{path}: mapping file not found") from None
    except yaml.YAMLError as exc:
        raise LinewiseError(f"{path}: not valid YAML ({exc})") from None
    if isinstance(raw, dict) and isinstance(raw.get("codes"), dict):
        raw["codes"] = {k: {str(a): str(b) for a, b in (v or {}).items()} for k, v in raw["codes"].items()}
    try:
        spec = MappingSpec.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise LinewiseError(f"{path}: field {where!r}: {err['msg']}") from None
    if spec.table is not None:
        try:
            table = get_table(spec.table)
        except KeyError as exc:
            raise LinewiseError(f"{path}: {exc.args[0]}") from None
        for source, target in spec.columns.items():
            if target not in table.column_names:
                raise LinewiseError(f"{path}: column {source!r} maps to {target!r}, which table {table.name!r} does not have")
        for target in spec.codes:
            if target not in table.column_names:
                raise LinewiseError(f"{path}: codes given for {target!r}, which table {table.name!r} does not have")
    return spec


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


@dataclass(frozen=True)
class ColumnMatch:
    """How a source file's columns map onto a table: model name per source column."""

    table: Table
    renames: dict[str, str]
    ignored: tuple[str, ...] = ()
    missing_required: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


def match_columns(table: Table, header: list[str], mapping: MappingSpec | None = None) -> ColumnMatch:
    """Match source column names to ``table``'s columns: mapping file first, then names and aliases."""
    explicit = dict(mapping.columns) if mapping else {}
    # A model column's own name wins over another column's alias ("drug" is the normalised
    # drug column, and also an alias of drug_source_value for files that have only one).
    lookup: dict[str, str] = {_norm(col.name): col.name for col in table.columns}
    for col in table.columns:
        for alias in col.aliases:
            lookup.setdefault(_norm(alias), col.name)
    renames: dict[str, str] = {}
    taken: set[str] = set()
    for source in header:
        target = explicit.get(source) or lookup.get(_norm(source))
        if target and target not in taken:
            renames[source] = target
            taken.add(target)
    ignored = tuple(h for h in header if h not in renames)
    missing = tuple(c.name for c in table.columns if c.required and c.name not in taken
                    and not (table.name == "drug_exposures" and c.name == "drug"))
    return ColumnMatch(table, renames, ignored, missing)


def guess_table(path: Path, header: list[str], mapping: MappingSpec | None = None) -> Table:
    """The table a file holds: the mapping's ``table``, else its file name, else its columns."""
    if mapping and mapping.table:
        return get_table(mapping.table)
    stem = _norm(path.stem)
    for table in TABLES:
        if stem == table.name or stem in table.aliases:
            return table
    scored = []
    for table in TABLES:
        m = match_columns(table, header, mapping)
        if m.missing_required:
            continue
        scored.append((len(m.renames) / len(table.columns), table.name, table))
    if not scored:
        raise LinewiseError(
            f"{path}: cannot tell which registry table this file holds; name it after the table "
            f"(e.g. patients.csv) or give --table"
        )
    return max(scored)[2]
