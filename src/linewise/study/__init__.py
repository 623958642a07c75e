"""Study engine: declarative study specs, cohorts with attrition, real-world endpoints, analyses.

A study is written once as a spec (YAML or :class:`StudySpec`) and run on any conforming
registry store with :func:`run_study`; the three reference studies ship as recipes
(:func:`list_recipes`). See ``docs/study-spec.md``.

Examples
--------
>>> from linewise.study import list_recipes, load_spec
>>> list_recipes()
['tdm1_after_pertuzumab_by_line', 'tdm1_tmab_vs_tmab_pmab', 'tdm1_treatment_sequences']
>>> load_spec("tdm1_treatment_sequences").groups.reference_level
'1'
"""

from .errors import SpecError
from .loader import list_recipes, load_spec, recipe_text, spec_from_data, spec_from_yaml
from .run import StudyResult, run_study
from .spec import SCHEMA_VERSION, StudySpec

__all__ = [
    "SCHEMA_VERSION",
    "SpecError",
    "StudyResult",
    "StudySpec",
    "list_recipes",
    "load_spec",
    "recipe_text",
    "run_study",
    "spec_from_data",
    "spec_from_yaml",
]
