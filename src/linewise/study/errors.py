"""The one error a study spec can raise: where in the YAML, which field, what is wrong."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import LinewiseError

#: A field's place in the spec, e.g. ``("cohort", 1, "exclude")``.
Path = tuple[str | int, ...]


def format_path(path: Sequence[str | int]) -> str:
    """``("cohort", 1, "exclude")`` -> ``cohort[1].exclude``.

    Examples
    --------
    >>> format_path(("endpoints", "pfs", "events", 0))
    'endpoints.pfs.events[0]'
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "<spec>"


class SpecError(LinewiseError):
    """A mistake in a study spec, located by file, line and field.

    Attributes
    ----------
    message : str
        What is wrong (without the location).
    path : tuple
        The field, e.g. ``("cohort", 1, "exclude")``.
    source : str or None
        The spec file (or ``"<string>"``).
    line, column : int or None
        1-based position in the file when the spec came from YAML.

    Examples
    --------
    >>> str(SpecError("unknown feature 'agee'", path=("covariates", "age", "expr"),
    ...               source="study.yaml", line=12, column=11))
    "study.yaml:12:11: covariates.age.expr: unknown feature 'agee'"
    """

    def __init__(self, message: str, *, path: Sequence[str | int] = (), source: str | None = None,
                 line: int | None = None, column: int | None = None):
        self.message = message
        self.path = tuple(path)
        self.source = source
        self.line = line
        self.column = column
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.source is not None or self.line is not None:
            where = self.source or "<spec>"
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{format_path(self.path)}: " if self.path else ""
        return f"{where}{field}{self.message}"
