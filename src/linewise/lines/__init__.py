"""Lines of therapy and treatment sequences, derived from drug records in the database.

See ``docs/lines.md``. Main entry points: :func:`derive_lines`, :class:`LineRules`,
:func:`save_run`, :func:`explain_patient`, :func:`compare_lines`, :func:`sequence_features`,
:func:`study_c_groups`. Lines as OMOP episodes: :mod:`linewise.omop.episodes`.
"""

from .agreement import AgreementReport, compare_lines, read_line_file
from .algorithm import LineRun, derive_lines
from .explain import explain_patient
from .params import AddOnExemption, EndRule, LineRules, Phase, Setting, StartRule
from .sequences import LineSource, line_table, sequence_features, study_c_group, study_c_groups
from .storage import derived_lines, latest_run, save_run
from .vocabulary import DEFAULT, Drug, DrugClass, Vocabulary

__all__ = [
    "DEFAULT", "AddOnExemption", "AgreementReport", "Drug", "DrugClass", "EndRule", "LineRules", "LineRun",
    "LineSource", "Phase", "Setting", "StartRule", "Vocabulary", "compare_lines", "derive_lines", "derived_lines",
    "explain_patient", "latest_run", "line_table", "read_line_file", "save_run", "sequence_features",
    "study_c_group", "study_c_groups",
]
