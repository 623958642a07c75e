"""Generated parts of ``docs/study-spec.md``: the endpoint presets and the feature catalogue.

The document keeps them between ``<!-- generated: NAME -->`` and ``<!-- end: NAME -->``
markers; :func:`refresh` rewrites them from the code and a test fails when they are stale.

Examples
--------
>>> "pfs_radiological" in sections()["presets"]
True
"""

from __future__ import annotations

import re
from pathlib import Path

from .endpoints import PRESET_DOCS, PRESETS
from .features import catalogue_markdown


def presets_markdown() -> str:
    rows = ["| preset | definition |", "|---|---|"]
    for preset, fields in PRESETS.items():
        events = ", ".join(e.value for e in fields["events"])
        extra = f"; death window {fields['death_window_days']} days" if fields.get("death_window_days") else ""
        rows.append(f"| `{preset.value}` | {PRESET_DOCS[preset]} Origin `{fields['origin'].value}`, events {events}, "
                    f"censor `{fields['censor'].value}`{extra}. |")
    return "\n".join(rows)


def sections() -> dict[str, str]:
    return {"presets": presets_markdown(), "features": catalogue_markdown()}


def refresh(text: str) -> str:
    """``text`` with every generated section replaced by its current content."""
    for name, body in sections().items():
        pattern = re.compile(rf"(<!-- generated: {name} -->\n)(?:.*?\n)?(<!-- end: {name} -->)", re.DOTALL)
        if not pattern.search(text):
            raise ValueError(f"the document has no generated section {name!r}")
        text = pattern.sub(lambda m, b=body: m.group(1) + b + "\n" + m.group(2), text)
    return text


def refresh_file(path: str | Path) -> bool:
    """Rewrite the generated sections of a file; True when something changed."""
    p = Path(path)
    old = p.read_text(encoding="utf-8")
    new = refresh(old)
    if new != old:
        p.write_text(new, encoding="utf-8")
    return new != old
