"""Load a study spec from YAML with errors that name the file, line and field.

YAML is composed into nodes first (which carry their line and column), turned into plain
data while recording where every value sits, and then validated by the pydantic models; a
validation error's location (``("analyses", 2, "endpoint")``) is mapped back to the YAML line
through that record. Duplicate keys are an error (YAML would silently keep the last one).

Examples
--------
>>> text = '''
... schema_version: 1
... name: demo
... title: Demo
... index: {label: first T-DM1 line, line: "has('T-DM1')"}
... endpoints:
...   os: {preset: os_indx}
... '''
>>> spec_from_yaml(text, "demo.yaml")
Traceback (most recent call last):
...
linewise.study.errors.SpecError: demo.yaml:7:16: endpoints.os.preset: 'os_indx' is not allowed; use one of 'pfs_radiological', 'pfs_composite', 'os_metastatic', 'os_index', 'ttnt', 'ttd', 'dot', 'rwpfs' (did you mean 'os_index'?)
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Path as FieldPath
from .errors import SpecError
from .expr import ExprError
from .spec import StudySpec, check_references

RECIPES_PACKAGE = "linewise.recipes"
#: A spec larger than this is not a study spec (and would make YAML parsing slow).
MAX_SPEC_BYTES = 2_000_000


@dataclass(frozen=True)
class Mark:
    """Where a value starts in the YAML file (1-based) and how its scalar is written."""

    line: int
    column: int
    style: str | None = None  # None plain, "'" / '"' quoted, "|" / ">" block


@dataclass
class SpecSource:
    """The file a spec came from and the position of each of its fields."""

    name: str
    marks: dict[FieldPath, Mark] = field(default_factory=dict)

    def locate(self, error: SpecError, text: str | None = None) -> SpecError:
        """Fill in line and column of ``error`` (nearest known parent when the field is missing)."""
        path = error.path
        mark = None
        for cut in range(len(path), -1, -1):
            mark = self.marks.get(tuple(path[:cut]))
            if mark is not None:
                break
        if mark is None:
            return SpecError(error.message, path=path, source=self.name)
        line, column = mark.line, mark.column
        pos = getattr(error, "pos", None)
        if isinstance(error, ExprError) and pos is not None and mark.style not in (">",):
            expr_text = error.text or text or ""
            before = expr_text[:pos]
            if mark.style == "|":
                line += before.count("\n") + 1
                column = len(before) - (before.rfind("\n") + 1) + 1
            elif "\n" not in before:
                column += pos + (1 if mark.style in ("'", '"') else 0)
        return SpecError(error.message, path=path, source=self.name, line=line, column=column)


class _Builder:
    """Nodes -> plain Python data, recording the mark of every value by its path."""

    def __init__(self, source: SpecSource):
        self.source = source
        self.scalars = SafeConstructor()

    def build(self, node: Node, path: FieldPath = ()):
        start = node.start_mark
        style = getattr(node, "style", None) if isinstance(node, ScalarNode) else None
        self.source.marks[path] = Mark(start.line + 1, start.column + 1, style)
        if isinstance(node, MappingNode):
            out: dict = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    raise SpecError("a key must be a plain name", path=path, source=self.source.name,
                                    line=key_node.start_mark.line + 1, column=key_node.start_mark.column + 1)
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise SpecError("YAML merge keys (<<) are not supported in study specs", path=path,
                                    source=self.source.name, line=key_node.start_mark.line + 1)
                key = self.scalars.construct_object(key_node)
                if isinstance(key, bool | int | float) and not isinstance(key, bool):
                    key = str(key)
                if not isinstance(key, str):
                    raise SpecError(f"key {key!r} must be text", path=path, source=self.source.name,
                                    line=key_node.start_mark.line + 1, column=key_node.start_mark.column + 1)
                if key in out:
                    raise SpecError(f"key {key!r} appears twice", path=(*path, key), source=self.source.name,
                                    line=key_node.start_mark.line + 1, column=key_node.start_mark.column + 1)
                out[key] = self.build(value_node, (*path, key))
            return out
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        try:
            return self.scalars.construct_object(node)
        except yaml.YAMLError as exc:
            raise SpecError(f"cannot read the value: {exc}", path=path, source=self.source.name,
                            line=start.line + 1, column=start.column + 1) from None


def _data_path(data, loc: tuple) -> tuple[FieldPath, str | None]:
    """Map a pydantic error location onto the data: drop union-member tags; a last element that
    is not in the data is a missing field (returned separately)."""
    path: list = []
    cur = data
    missing = None
    for i, part in enumerate(loc):
        if isinstance(cur, dict) and part in cur:
            path.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            path.append(part)
            cur = cur[part]
        elif i == len(loc) - 1 and isinstance(part, str) and isinstance(cur, dict):
            missing = part
        # else: a discriminator or union member name ("kaplan_meier", "str"): not in the data
    return tuple(path), missing


def _message(err: dict, missing: str | None, data_at) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return f"missing required field {missing!r}" if missing else "a required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (not part of the study spec schema; check the spelling)"
    if kind == "enum" and "expected" in ctx:
        allowed = ctx["expected"]
        options = [s.strip().strip("'") for s in allowed.replace(" or ", ", ").split(",")]
        hint = difflib.get_close_matches(str(err.get("input")), options, n=1, cutoff=0.5)
        return (f"{err.get('input')!r} is not allowed; use one of {allowed.replace(' or ', ', ')}"
                + (f" (did you mean {hint[0]!r}?)" if hint else ""))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = ctx.get("expected_tags", "")
        found = ctx.get("tag")
        return f"kind {found!r} is not an analysis kind; use one of {tags}" if found else f"missing 'kind' (one of {tags})"
    msg = err.get("msg", "invalid value")
    return msg.removeprefix("Value error, ")


def spec_from_data(data, source: SpecSource | None = None) -> StudySpec:
    """Validate plain data (from YAML or Python) as a study spec; errors located via ``source``."""
    if not isinstance(data, dict):
        err = SpecError(f"a study spec is a mapping of fields (schema_version, name, index, ...), got {type(data).__name__}")
        raise source.locate(err) if source else err
    try:
        spec = StudySpec.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = errors[0]
        path, missing = _data_path(data, tuple(first["loc"]))
        msg = _message(first, missing, data)
        full = (*path, missing) if missing else path
        if len(errors) > 1:
            msg += f" (and {len(errors) - 1} more problem(s))"
        err = SpecError(msg, path=full)
        raise (source.locate(err) if source else err) from None
    if source is not None:
        spec._source = source
    try:
        check_references(spec)
    except SpecError as err:
        raise spec.locate(err) from None
    return spec


def spec_from_yaml(text: str, source_name: str = "<string>") -> StudySpec:
    """Parse and validate a YAML study spec.

    Parameters
    ----------
    text : str
        The YAML text.
    source_name : str
        File name used in error messages.

    Returns
    -------
    StudySpec

    Raises
    ------
    SpecError
        YAML syntax errors, schema violations and unknown references, each with
        ``file:line:column: field: message``.
    """
    if len(text.encode("utf-8", errors="replace")) > MAX_SPEC_BYTES:
        raise SpecError(f"the spec is larger than {MAX_SPEC_BYTES // 1_000_000} MB", source=source_name)
    source = SpecSource(source_name)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        raise SpecError(f"not valid YAML: {problem}", source=source_name,
                        line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}", source=source_name) from None
    if node is None:
        raise SpecError("the spec is empty", source=source_name)
    data = _Builder(source).build(node)
    return spec_from_data(data, source)


def list_recipes() -> list[str]:
    """Names of the built-in recipes (the reference studies).

    Examples
    --------
    >>> "tdm1_treatment_sequences" in list_recipes()
    True
    """
    root = resources.files(RECIPES_PACKAGE)
    return sorted(p.name.removesuffix(".yaml") for p in root.iterdir() if p.name.endswith(".yaml"))


def recipe_text(name: str) -> str:
    """The YAML text of a built-in recipe."""
    root = resources.files(RECIPES_PACKAGE)
    target = root / f"{name}.yaml"
    if not target.is_file():
        known = list_recipes()
        hint = difflib.get_close_matches(name, known, n=1)
        raise SpecError(f"no spec file or recipe called {name!r}"
                        + (f"; did you mean {hint[0]!r}?" if hint else "")
                        + f" (recipes: {', '.join(known)})")
    return target.read_text(encoding="utf-8")


def load_spec(spec: str | Path) -> StudySpec:
    """Load a study spec from a YAML file or a built-in recipe name.

    Parameters
    ----------
    spec : str or pathlib.Path
        A path to a ``.yaml`` file, or a recipe name such as ``"tdm1_tmab_vs_tmab_pmab"``.

    Examples
    --------
    >>> load_spec("tdm1_tmab_vs_tmab_pmab").name
    'tdm1_tmab_vs_tmab_pmab'
    """
    path = Path(spec)
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecError(f"cannot read the spec: {exc}", source=str(path)) from None
        return spec_from_yaml(text, str(path))
    if path.suffix in (".yaml", ".yml") or len(path.parts) > 1:
        raise SpecError("no such spec file", source=str(path))
    name = str(spec)
    return spec_from_yaml(recipe_text(name), f"recipe {name}")
