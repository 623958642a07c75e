"""Calibration check: the recipes on a synthetic registry against the published figures.

For each registry profile (:mod:`linewise.synth.profile`) generates a seeded registry,
imports it, runs the recipes its figures need and checks every figure of
:func:`linewise.synth.figures.figures_for` (direction, and the synthetic estimate within the
published figure's sampling error). The combined ``default`` registry runs Study A, B and C's
recipes against all figures; ``study-a``, ``study-b``, ``study-c`` each run their study's
recipe against its figures. The tables of docs/calibration.md are this module's output::

    python -m linewise.synth.calibration                               # print every profile's table
    python -m linewise.synth.calibration --profile study-b             # one profile
    python -m linewise.synth.calibration --write docs/calibration.md   # refresh the doc
"""

from __future__ import annotations

import argparse
import math
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from .figures import figures_for
from .profile import ProfileName, RegistryProfile, resolve_profile
from .published import STUDY_A, STUDY_B, STUDY_C, Figure, Results, Value

#: Registry of the default profile's check: ~4,200 T-DM1 patients, Study C's 2nd-line groups
#: ~1,400 each — sampling error well inside the published figures' — generated, imported and
#: analysed in about 20 seconds.
DEFAULT_PATIENTS = 5000
DEFAULT_SEED = 1
#: Patients and seed of each profile's check. A study profile runs one recipe; its registry
#: is as large as the default's, so its own sampling error stays small against the published.
CALIBRATION_RUNS: Mapping[ProfileName, tuple[int, int]] = MappingProxyType({
    ProfileName.DEFAULT: (DEFAULT_PATIENTS, DEFAULT_SEED),
    ProfileName.STUDY_A: (5000, 1),
    ProfileName.STUDY_B: (5000, 1),
    ProfileName.STUDY_C: (5000, 1),
})
RECIPES = (STUDY_A, STUDY_B, STUDY_C)
STUDY_RECIPE = {"A": STUDY_A, "B": STUDY_B, "C": STUDY_C}
BEGIN, END = "<!-- calibration:begin -->", "<!-- calibration:end -->"


def recipes_for(profile: RegistryProfile) -> tuple[str, ...]:
    """The recipes whose results ``profile``'s figures need (all three for ``default``)."""
    return RECIPES if profile.study is None else (STUDY_RECIPE[profile.study],)


@dataclass(frozen=True)
class Check:
    """One figure checked: the synthetic value, within the tolerance?, direction holds?"""

    figure: Figure
    value: Value
    within: bool
    side: str  # "within", "above", "below", "reached" (a "not reached" figure whose median is)
    direction_ok: bool | None  # None when the figure states no direction

    @property
    def passed(self) -> bool:
        """Direction holds, and the value is within the tolerance — or, for a figure documented
        as not jointly reproducible, on the documented side of the published value."""
        if self.direction_ok is False:
            return False
        return self.within if self.figure.joint else self.as_documented

    @property
    def as_documented(self) -> bool:
        f, v = self.figure, self.value.value
        if f.off == "reached":
            return v is not None
        v = math.inf if v is None else v
        return v > f.target if f.off == "above" else v < f.target

    def problem(self) -> str:
        f = self.figure
        what = f"Study {f.study}: {f.label}: synthetic {fmt_value(f, self.value.value)} (n {self.value.n})"
        if self.direction_ok is False:
            return f"{what} does not hold the direction '{f.direction}'"
        if f.joint:
            return f"{what} is outside {fmt_tolerance(f)} ({f.tolerance}; published {f.published})"
        return (f"{what} is no longer {f.off} the published {f.published} as docs/calibration.md says; "
                "update the documented decision")


def run_recipes(n_patients: int = DEFAULT_PATIENTS, seed: int = DEFAULT_SEED, work_dir: str | Path | None = None,
                profile: str | ProfileName | RegistryProfile = ProfileName.DEFAULT) -> Results:
    """Generate a registry of ``profile``, import it into DuckDB and run the recipes its
    figures need (:func:`recipes_for`); their results by recipe name."""
    prof = resolve_profile(profile)
    from ..io.importer import import_files
    from ..store.store import Store
    from ..study import run_study
    from .generate import generate_registry

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(work_dir) if work_dir is not None else Path(tmp)
        generate_registry(work / "registry", n_patients, seed=seed, profile=prof)
        store = Store.open(work / "registry.duckdb")
        try:
            import_files(store, [work / "registry"])
            return {name: run_study(name, store).results for name in recipes_for(prof)}
        finally:
            store.close()


def evaluate(results: Results, figures: list[Figure] | None = None) -> list[Check]:
    """Check every figure (default: the default profile's, i.e. all) against the recipes' results."""
    if figures is None:
        figures = figures_for(resolve_profile(ProfileName.DEFAULT))
    out = []
    for f in figures:
        value = f.get(results)
        side = _side(f, value.value)
        direction = None if f.check is None else bool(f.check(results))
        out.append(Check(f, value, side == "within", side, direction))
    return out


def _side(f: Figure, value: float | None) -> str:
    if f.lower is None and f.upper is None:  # published "not reached"
        return "within" if value is None else "reached"
    v = math.inf if value is None else value
    if f.lower is not None and v < f.lower:
        return "below"
    if f.upper is not None and v > f.upper:
        return "above"
    return "within"


# --- the table -----------------------------------------------------------------------------------
def _kind(f: Figure) -> str:
    if f.tolerance.startswith("p "):
        return "p"
    if "%" in f.published:
        return "percent"
    if "HR" in f.label:
        return "hr"
    return "number"


def fmt_value(f: Figure, v: float | None) -> str:
    if v is None:
        return "NR"
    kind = _kind(f)
    if kind == "p":
        return f"{v:.1e}" if v < 0.001 else f"{v:.3f}"
    if kind == "percent":
        return f"{v:.1f}%"
    if kind == "hr":
        return f"{v:.2f}"
    return f"{v:.1f}"


def fmt_tolerance(f: Figure) -> str:
    if f.lower is None and f.upper is None:
        return "NR"
    kind = _kind(f)
    suffix = "%" if kind == "percent" else ""

    def one(x):
        if x is None:
            return "NA"
        if kind == "p":
            return f"{x:g}"
        return f"{x:.2f}" if kind == "hr" else f"{x:.1f}"
    if kind == "p":
        return f"≤ {one(f.upper)}"
    if f.upper is None:
        return f"≥ {one(f.lower)}{suffix}"
    return f"{one(f.lower)}–{one(f.upper)}{suffix}"


def calibrate(profile: str | ProfileName | RegistryProfile, n_patients: int, seed: int) -> list[Check]:
    """Run ``profile``'s check on a registry of ``n_patients`` generated with ``seed`` (the
    check's own: :data:`CALIBRATION_RUNS`)."""
    prof = resolve_profile(profile)
    return evaluate(run_recipes(n_patients, seed, profile=prof), figures_for(prof))


def markdown(checks: list[Check], n_patients: int = DEFAULT_PATIENTS, seed: int = DEFAULT_SEED,
             profile: str | ProfileName | RegistryProfile = ProfileName.DEFAULT) -> str:
    """One profile's comparison table (and the notes of the figures it does not reproduce)."""
    prof = resolve_profile(profile)
    option = "" if prof.name == ProfileName.DEFAULT.value else f" --profile {prof.name}"
    lines = [
        f"Synthetic registry: profile `{prof.name}`, {n_patients} patients, seed {seed} "
        f"(`python -m linewise.synth.calibration{option} --patients {n_patients} --seed {seed}`).",
        "",
        "| study | figure | published | tolerance | synthetic (n) | within? | direction |",
        "|---|---|---|---|---|---|---|",
    ]
    notes = []
    for c in checks:
        f = c.figure
        within = "yes" if c.within else f"no ({c.side})"
        if not f.joint:
            within += " ¹"
        if not f.joint:
            notes.append(f)
        direction = "" if c.direction_ok is None else f"{f.direction}: {'yes' if c.direction_ok else 'NO'}"
        lines.append(f"| {f.study} | {f.label} | {f.published} | {fmt_tolerance(f)} ({f.tolerance}) "
                     f"| {fmt_value(f, c.value.value)} ({c.value.n}) | {within} | {direction} |")
    passed = sum(c.within and c.direction_ok is not False for c in checks)
    lines += ["", f"Within tolerance: {passed} of {len(checks)} figures."]
    if notes:
        lines += ["", "¹ Documented as not reproduced by this registry; asserted: the direction, and "
                  "the synthetic value above / below the published one (or a median reached that was not):", ""]
        lines += [f"- Study {f.study}, {f.label}: {f.note}" for f in notes]
    return "\n".join(lines) + "\n"


def document(tables: Mapping[ProfileName, str]) -> str:
    """The part of docs/calibration.md between the markers: each profile's table, in order."""
    parts = []
    for name in ProfileName:
        if name in tables:
            parts.append(f"### Profile `{name.value}`\n\n{tables[name]}")
    return "\n".join(parts)


def refresh(text: str, table: str) -> str:
    """``text`` with the part between the calibration markers replaced by ``table``."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"no {BEGIN} ... {END} section")
    return pattern.sub(lambda _m: f"{BEGIN}\n{table}{END}", text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m linewise.synth.calibration", description=__doc__.split("\n")[0])
    parser.add_argument("--profile", action="append", choices=[n.value for n in ProfileName],
                        help="profile to check (repeatable; default: every profile)")
    parser.add_argument("--patients", type=int, help="registry size (default: the profile's, see CALIBRATION_RUNS)")
    parser.add_argument("--seed", type=int, help="seed (default: the profile's)")
    parser.add_argument("--write", type=Path, help="refresh the tables between the calibration markers of this file "
                        "(every profile, at its own size and seed)")
    args = parser.parse_args(argv)
    names = [ProfileName(n) for n in args.profile] if args.profile else list(ProfileName)
    if args.write and (args.profile or args.patients is not None or args.seed is not None):
        parser.error("--write regenerates every profile at its own size and seed: leave out --profile/--patients/--seed")
    tables, failed = {}, []
    for name in names:
        n0, s0 = CALIBRATION_RUNS[name]
        n = n0 if args.patients is None else args.patients
        seed = s0 if args.seed is None else args.seed
        checks = calibrate(name, n, seed)
        tables[name] = markdown(checks, n, seed, name)
        failed += [(name, c) for c in checks if not c.passed]
    text = document(tables)
    if args.write:
        args.write.write_text(refresh(args.write.read_text(encoding="utf-8"), text), encoding="utf-8")
    else:
        print(text)
    for name, c in failed:
        print(f"FAIL [{name.value}]", c.problem())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
