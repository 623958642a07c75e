"""The line-of-therapy rules: every parameter explicit, validated, recorded with the lines.

Defaults follow published practice (see ``docs/lines.md``): a 28-day regimen window and a
180-day discontinuation gap as in the open line-of-therapy algorithm of Meng et al. (J Biomed
Inform 2019;100:103335; the code's ``r_window = 28``, ``l_disgap = 180``), validated against
blinded chart review in metastatic NSCLC (JMIR Med Inform 2021;9(10):e29017).

Examples
--------
>>> rules = LineRules()
>>> rules.regimen_window_days, rules.discontinuation_gap_days
(28, 180)
>>> LineRules(regimen_window_days=21).fingerprint() != rules.fingerprint()
True
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import LinewiseError
from .vocabulary import DrugClass


class Setting(StrEnum):
    """Treatment setting of a line (the registry's ``setting`` codes)."""

    NEOADJUVANT = "neoadjuvant"
    ADJUVANT = "adjuvant"
    METASTATIC = "metastatic"


class Phase(StrEnum):
    """Disease phase an exposure belongs to: before or from the metastatic diagnosis."""

    EARLY = "early"
    METASTATIC = "metastatic"


class StartRule(StrEnum):
    """Why a derived line starts."""

    #: First eligible drug on or after the metastatic diagnosis.
    FIRST_METASTATIC = "first_metastatic"
    #: First eligible drug of the early (neoadjuvant / adjuvant) phase.
    FIRST_EARLY = "first_early"
    #: A drug not in the previous line's regimen (nor a substitute or exempt add-on) was
    #: started after that line's regimen window.
    NEW_DRUG = "new_drug"
    #: First drug after a gap longer than the discontinuation gap.
    AFTER_GAP = "after_gap"


class EndRule(StrEnum):
    """Why a derived line ends."""

    #: The next line started with a new drug.
    NEW_DRUG = "new_drug"
    #: No eligible exposure for longer than the discontinuation gap after the line's last one.
    GAP = "gap"
    #: An early-phase line followed by the metastatic diagnosis within the gap.
    METASTATIC_DIAGNOSIS = "metastatic_diagnosis"
    #: The patient died within the discontinuation gap after the line's last exposure.
    DEATH = "death"
    #: No later exposure and follow-up ends within the gap: the line may be ongoing (censored).
    END_OF_DATA = "end_of_data"


class AddOnExemption(BaseModel):
    """A drug that may join a running line after the regimen window without advancing it.

    ``added_class`` or ``added_family`` names what is added; the line's regimen must contain a
    drug of ``requires_class``. With ``during_maintenance`` the line must be in maintenance
    (every regimen drug outside the maintenance classes has stopped, and a maintenance drug of
    the regimen has been given since) and, with
    ``continuity_days``, a ``requires_class`` drug must be given within that many days both
    before and after the addition (the maintenance goes on around it, it is not a restart).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    added_class: DrugClass | None = None
    added_family: str | None = None
    requires_class: DrugClass
    during_maintenance: bool = False
    continuity_days: Annotated[int, Field(ge=1, le=365)] | None = None
    reason: str = ""

    @model_validator(mode="after")
    def _one_target(self) -> AddOnExemption:
        if (self.added_class is None) == (self.added_family is None):
            raise ValueError(f"exemption {self.name!r}: give exactly one of added_class / added_family")
        return self


#: Endocrine therapy added to HER2-antibody maintenance in HR-positive disease (after taxane
#: induction, trastuzumab +/- pertuzumab continue and an aromatase inhibitor or tamoxifen is
#: added without progression: PERTAIN; ESMO ABC guidelines). Not a new line.
HER2_MAINTENANCE_ENDOCRINE = AddOnExemption(
    name="endocrine_to_her2_maintenance", added_class=DrugClass.ENDOCRINE, requires_class=DrugClass.HER2_ANTIBODY,
    during_maintenance=True, continuity_days=28,
    reason="endocrine therapy added to HER2-antibody maintenance in HR+ disease",
)
#: Ovarian function suppression (GnRH analogue) added to endocrine therapy in premenopausal
#: women: part of the endocrine regimen, not a new line.
OVARIAN_SUPPRESSION = AddOnExemption(
    name="ovarian_suppression", added_family="gnrh analogue", requires_class=DrugClass.ENDOCRINE,
    reason="ovarian suppression added to endocrine therapy",
)

_ALWAYS_IGNORED = (DrugClass.SUPPORTIVE, DrugClass.BONE_TARGETED)


class LineRules(BaseModel):
    """Parameters of the line-of-therapy algorithm (frozen; see ``docs/lines.md``).

    Examples
    --------
    >>> LineRules(discontinuation_gap_days=90).discontinuation_gap_days
    90
    >>> LineRules(regimen_window_days=-1)
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for LineRules
    ...
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    #: Drugs started on or before line start + this many days form the line's regimen
    #: (Meng et al.: ``MED_START <= line_start + r_window``, so day 28 is inside).
    regimen_window_days: Annotated[int, Field(ge=0, le=365)] = 28
    #: A gap of more than this many days between the end of all exposures so far and the next
    #: exposure ends the line (Meng et al. ``l_disgap``; day differences, so 180 stays, 181 ends).
    discontinuation_gap_days: Annotated[int, Field(ge=1, le=3650)] = 180
    #: Exposures starting up to this many days before the metastatic diagnosis count as
    #: metastatic (0: "on or after the metastatic diagnosis", as the issue states).
    metastatic_tolerance_days: Annotated[int, Field(ge=0, le=365)] = 0
    #: Days an exposure lasts when its end date is missing (1: the day of administration).
    default_exposure_days: Annotated[int, Field(ge=1, le=365)] = 1
    #: Vocabulary families whose members substitute for one another without a new line.
    substitution_families: tuple[str, ...] = ("trastuzumab", "taxane", "platinum", "gnrh analogue")
    #: Drugs that may join a running line after the window without advancing it.
    add_on_exemptions: tuple[AddOnExemption, ...] = (HER2_MAINTENANCE_ENDOCRINE, OVARIAN_SUPPRESSION)
    #: No add-on exemption after a progression recorded in the line (a RECIST PD assessment
    #: between the line's start and the addition): a drug added after progression is a new
    #: line, as a clinician counts it; endocrine maintenance is added without progression.
    progression_ends_add_on: bool = True
    #: Classes that may continue alone after the other drugs of a regimen stop (continuation
    #: maintenance); such a line is flagged ``maintenance``.
    maintenance_classes: tuple[DrugClass, ...] = (
        DrugClass.HER2_ANTIBODY, DrugClass.ENDOCRINE, DrugClass.ANTIANGIOGENIC, DrugClass.IMMUNOTHERAPY)
    #: The maintenance drugs must go on more than this many days after the last exposure of
    #: the dropped drugs (two 3-weekly cycles: a single further antibody dose is not maintenance).
    maintenance_min_days: Annotated[int, Field(ge=0, le=3650)] = 42
    #: Classes that never form or advance a line (always includes supportive and bone-targeted).
    ignored_classes: tuple[DrugClass, ...] = _ALWAYS_IGNORED
    #: Phase of exposures of patients without a metastatic diagnosis date (a drug-record
    #: database of metastatic patients: metastatic).
    undated_phase: Phase = Phase.METASTATIC

    @field_validator("substitution_families")
    @classmethod
    def _families_lower(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({f.strip().lower() for f in v}))

    @field_validator("ignored_classes")
    @classmethod
    def _ignored(cls, v: tuple[DrugClass, ...]) -> tuple[DrugClass, ...]:
        missing = [c.value for c in _ALWAYS_IGNORED if c not in v]
        if missing:
            raise ValueError(f"supportive and bone-targeted drugs never form a line; ignored_classes must include {missing}")
        return tuple(sorted(set(v)))

    @model_validator(mode="after")
    def _consistent(self) -> LineRules:
        overlap = set(self.ignored_classes) & set(self.maintenance_classes)
        if overlap:
            raise ValueError(f"classes {sorted(c.value for c in overlap)} cannot be both ignored and maintenance")
        return self

    def to_dict(self) -> dict:
        """Plain JSON-able parameters (what is stored with derived lines)."""
        return json.loads(self.model_dump_json())

    def fingerprint(self) -> str:
        """Short hash of the parameters: lines derived with equal fingerprints are comparable."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def describe(self) -> list[tuple[str, str]]:
        """(parameter, value) rows for reports and the CLI summary."""
        rows = [
            ("regimen window", f"{self.regimen_window_days} days after line start (inclusive)"),
            ("discontinuation gap", f"> {self.discontinuation_gap_days} days without exposure ends a line"),
            ("metastatic tolerance", f"{self.metastatic_tolerance_days} days before the metastatic diagnosis"),
            ("missing end date", f"exposure lasts {self.default_exposure_days} day(s)"),
            ("substitution families", ", ".join(self.substitution_families) or "none"),
            ("add-on exemptions", "; ".join(e.reason or e.name for e in self.add_on_exemptions) or "none"),
            ("progression ends add-ons", "yes: no exemption after a recorded progression (RECIST PD)" if self.progression_ends_add_on else "no"),
            ("maintenance classes", ", ".join(c.value for c in self.maintenance_classes)),
            ("maintenance minimum", f"> {self.maintenance_min_days} days beyond the dropped drugs"),
            ("never a line", ", ".join(c.value for c in self.ignored_classes)),
            ("no metastatic date", f"exposures count as {self.undated_phase.value}"),
        ]
        return rows

    @classmethod
    def from_yaml(cls, path: str | Path) -> LineRules:
        """Rules from a YAML file of parameter overrides (unknown keys are errors).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "rules.yaml"
        >>> _ = p.write_text("discontinuation_gap_days: 120\\nadd_on_exemptions: []\\n")
        >>> r = LineRules.from_yaml(p)
        >>> r.discontinuation_gap_days, r.add_on_exemptions
        (120, ())
        """
        import yaml

        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise LinewiseError(f"{p}: no such rules file") from None
        except yaml.YAMLError as exc:
            raise LinewiseError(f"{p}: not valid YAML ({str(exc).splitlines()[0]})") from None
        if not isinstance(data, dict):
            raise LinewiseError(f"{p}: expected a mapping of rule parameters")
        try:
            return cls(**data)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(x) for x in err["loc"]) or "rules"
            raise LinewiseError(f"{p}: {where}: {err['msg']}") from None
