"""The linewise registry data model, declared once.

Everything else reads it: the importers (column recognition, parsers, allowed codes), the
validator (range, code and cross-field rules), the store (DDL) and ``docs/data-model.md``
(rendered by ``linewise schema``).
"""

from __future__ import annotations

from .types import Column, Kind, Rule, Severity, Table

E, W = Severity.ERROR, Severity.WARNING

# --- rules ---------------------------------------------------------------------------------
# Stable ids: they appear in error messages, the rejects table and the synthetic registry's
# list of invalid rows, so tests can check that exactly the planted errors are found.
COLUMN_RULES: tuple[Rule, ...] = (
    Rule("required", E, "A required value is missing."),
    Rule("type", E, "The value cannot be read as the column's type (number, date, yes/no)."),
    Rule("code", E, "The value is not one of the column's allowed codes; the closest code is suggested."),
    Rule("range", E, "A number lies outside the column's allowed range."),
    Rule("future_date", E, "A date lies after the day of the import."),
    Rule("date_order_assumed", W, "Day/month order of slash dates could not be told from the values; day-first was assumed (give --date-format to choose)."),
    Rule("drug_unknown", E, "A therapy line names a drug the vocabulary does not know; the closest name is suggested."),
    Rule("drug_unrecognised", W, "A raw drug record names a drug outside the cancer-drug vocabulary; it is kept with no normalised drug."),
    Rule("row_shape", E, "The row has a different number of fields than the header (e.g. a truncated last line)."),
    Rule("duplicate_key", E, "The row repeats the key of an earlier row (the first is kept)."),
)

RULES_PATIENTS: tuple[Rule, ...] = (
    Rule("birth_after_diagnosis", E, "Birth date must precede the primary diagnosis date."),
    Rule("metastatic_before_diagnosis", E, "Metastatic diagnosis must not precede the primary diagnosis."),
    Rule("surgery_before_diagnosis", W, "Surgery is dated before the primary diagnosis."),
    Rule("contact_after_death", E, "Last contact must not be after death."),
    Rule("date_after_death", E, "No diagnosis, surgery or enrolment date may be after death."),
    Rule("de_novo_inconsistent", W, "De novo metastatic, but metastatic diagnosis is more than 90 days after the primary diagnosis."),
    Rule("death_and_lost", W, "Both a death date and lost to follow-up are recorded."),
)

RULES_LINES: tuple[Rule, ...] = (
    Rule("end_before_start", E, "A line's end date is before its start date."),
    Rule("progression_before_start", E, "Progression is dated before the start of its line."),
    Rule("response_before_start", E, "Best response is dated before the start of its line."),
    Rule("line_before_metastatic", E, "A metastatic line starts before the metastatic diagnosis."),
    Rule("line_after_death", E, "A line starts after the patient's death."),
    Rule("unknown_patient", E, "The patient id is not in the patients table."),
    Rule("line_number_missing", E, "A metastatic line has no line number."),
    Rule("line_order", E, "Line numbers are not in date order: this line starts before the previous line."),
    Rule("line_gap", W, "Line numbers skip a number (e.g. 1, 2, 4): a line may be missing."),
    Rule("ongoing_with_end", W, "End reason is 'ongoing' but an end date is given."),
)

RULES_EVENTS: tuple[Rule, ...] = (
    Rule("unknown_patient", E, "The patient id is not in the patients table."),
    Rule("event_after_death", E, "The record is dated after the patient's death."),
    Rule("end_before_start", E, "The record's end date is before its start date."),
)

# --- code lists ----------------------------------------------------------------------------
RECEPTOR_CODES = ("positive", "negative")
RESPONSE_CODES = ("CR", "PR", "SD", "PD", "NE")
RESPONSE_ALIASES = {
    "complete response": "CR", "complete": "CR", "cr": "CR",
    "partial response": "PR", "partial": "PR", "pr": "PR",
    "stable disease": "SD", "stable": "SD", "sd": "SD",
    "progressive disease": "PD", "progression": "PD", "progressive": "PD", "pd": "PD",
    "not evaluable": "NE", "not evaluated": "NE", "ne": "NE", "nv": "NE",
}
SITE_CODES = ("brain", "liver", "lung", "pleura", "bone", "lymph_node", "skin", "other")
SETTING_CODES = ("neoadjuvant", "adjuvant", "metastatic")
END_REASON_CODES = (
    "progression", "toxicity", "completed", "death", "patient_decision", "other", "ongoing",
)

PATIENT_ID = Column(
    "patient_id", Kind.STRING, "Pseudonymous patient identifier, unique in the registry.",
    required=True, aliases=("id", "patient", "pat_id", "patid", "subject_id", "subject", "pid", "case_id", "record_id", "person_id"),
)

PATIENTS = Table(
    name="patients",
    description="One row per patient: demographics, tumour biology, key dates and vital status.",
    key=("patient_id",),
    aliases=("patient", "pat", "baseline", "demographics"),
    rules=RULES_PATIENTS,
    columns=(
        PATIENT_ID,
        Column("centre", Kind.STRING, "Treating or reporting centre.", aliases=("center", "site_id", "hospital", "institution")),
        Column("birth_date", Kind.DATE, "Date of birth; a year alone is accepted (precision 'year').", aliases=("dob", "date_of_birth", "birthdate", "birth", "birth_year", "year_of_birth", "geburtsdatum")),
        Column("sex", Kind.CODE, "Sex.", codes=("female", "male"), aliases=("gender",),
               code_aliases={"f": "female", "w": "female", "woman": "female", "weiblich": "female", "2": "female",
                             "m": "male", "man": "male", "männlich": "male", "maennlich": "male", "1": "male"}),
        Column("primary_diagnosis_date", Kind.DATE, "Date of the primary breast-cancer diagnosis.", aliases=("diagnosis_date", "date_of_diagnosis", "primary_diagnosis", "dx_date", "initial_diagnosis_date")),
        Column("surgery_date", Kind.DATE, "Date of primary breast surgery.", aliases=("date_of_surgery", "surgery", "op_date")),
        Column("metastatic_diagnosis_date", Kind.DATE, "Date metastatic disease was diagnosed.", aliases=("metastatic_diagnosis", "date_metastatic", "mbc_diagnosis_date", "met_date", "metastasis_date", "date_of_metastatic_diagnosis")),
        Column("de_novo_metastatic", Kind.BOOLEAN, "Metastatic at primary diagnosis (de novo stage IV).", aliases=("de_novo", "denovo", "metastatic_at_diagnosis", "stage_iv_at_diagnosis")),
        Column("er_status", Kind.RECEPTOR, "Oestrogen-receptor status.", codes=RECEPTOR_CODES, aliases=("er", "estrogen_receptor", "oestrogen_receptor")),
        Column("er_percent", Kind.NUMBER, "Percentage of ER-positive tumour cells.", minimum=0, maximum=100, aliases=("er_pct", "er_percentage")),
        Column("pgr_status", Kind.RECEPTOR, "Progesterone-receptor status.", codes=RECEPTOR_CODES, aliases=("pgr", "pr_status", "progesterone_receptor", "pr")),
        Column("pgr_percent", Kind.NUMBER, "Percentage of PgR-positive tumour cells.", minimum=0, maximum=100, aliases=("pgr_pct", "pr_percent", "pgr_percentage")),
        Column("her2_ihc", Kind.CODE, "HER2 immunohistochemistry score.", codes=("0", "1+", "2+", "3+"), aliases=("her2", "her2_score", "her2_ihc_score"),
               code_aliases={"1": "1+", "2": "2+", "3": "3+", "0+": "0", "negative": "0", "neg": "0"}),
        Column("her2_ish", Kind.CODE, "HER2 in-situ hybridisation result.", codes=("amplified", "not_amplified"), aliases=("ish", "fish", "her2_fish", "cish", "sish"),
               code_aliases={"amp": "amplified", "pos": "amplified", "positive": "amplified", "+": "amplified", "yes": "amplified",
                             "not amplified": "not_amplified", "non-amplified": "not_amplified", "nonamplified": "not_amplified",
                             "neg": "not_amplified", "negative": "not_amplified", "-": "not_amplified", "no": "not_amplified"}),
        Column("ki67_percent", Kind.NUMBER, "Ki-67 proliferation index, percent.", minimum=0, maximum=100, aliases=("ki67", "ki_67", "ki-67", "mib1")),
        Column("grade", Kind.CODE, "Histological grade.", codes=("G1", "G2", "G3"), aliases=("tumour_grade", "tumor_grade", "histological_grade"),
               code_aliases={"1": "G1", "2": "G2", "3": "G3", "g1": "G1", "g2": "G2", "g3": "G3", "i": "G1", "ii": "G2", "iii": "G3",
                             "grade 1": "G1", "grade 2": "G2", "grade 3": "G3"}),
        Column("histology", Kind.CODE, "Histological type.", codes=("ductal", "lobular", "mixed", "other"), aliases=("histological_type", "histotype"),
               code_aliases={"nst": "ductal", "idc": "ductal", "invasive ductal": "ductal", "ilc": "lobular", "invasive lobular": "lobular"}),
        Column("enrolment_date", Kind.DATE, "Date of registry enrolment (origin of delayed entry).", aliases=("enrollment_date", "registration_date", "consent_date", "enrolment", "enrollment")),
        Column("last_contact_date", Kind.DATE, "Date the patient was last known alive (last follow-up).", aliases=("last_contact", "last_follow_up", "last_followup", "last_fu", "date_last_contact", "last_visit")),
        Column("death_date", Kind.DATE, "Date of death.", aliases=("date_of_death", "dod", "death")),
        Column("lost_to_follow_up", Kind.BOOLEAN, "Patient lost to follow-up.", aliases=("lost_to_followup", "ltfu", "lost")),
    ),
)

METASTATIC_SITES = Table(
    name="metastatic_sites",
    description="One row per metastatic site of a patient, with the date it was detected.",
    key=("patient_id", "site"),
    aliases=("sites", "metastases", "metastasis"),
    rules=RULES_EVENTS,
    columns=(
        PATIENT_ID,
        Column("site", Kind.CODE, "Organ site of metastasis.", required=True, codes=SITE_CODES, aliases=("metastatic_site", "location", "organ"),
               code_aliases={"cns": "brain", "brain/cns": "brain", "hepatic": "liver", "pulmonary": "lung", "pleural": "pleura",
                             "osseous": "bone", "skeletal": "bone", "bones": "bone", "lymph node": "lymph_node", "lymph nodes": "lymph_node",
                             "ln": "lymph_node", "nodal": "lymph_node", "cutaneous": "skin", "soft tissue": "other"}),
        Column("date_detected", Kind.DATE, "Date the site was first detected.", aliases=("date", "detection_date", "diagnosis_date")),
    ),
)

THERAPY_LINES = Table(
    name="therapy_lines",
    description="Lines of therapy as a registry records them (one row per line), with outcome of each line.",
    key=("patient_id", "setting", "line_number", "start_date"),
    aliases=("lines", "therapies", "therapy", "treatment_lines", "treatments", "regimens"),
    rules=RULES_LINES,
    columns=(
        PATIENT_ID,
        Column("line_number", Kind.INTEGER, "Metastatic line number (1, 2, ...); empty for neoadjuvant/adjuvant therapy.", minimum=1, maximum=30, aliases=("line", "lot", "line_of_therapy", "therapy_line", "line_no")),
        Column("setting", Kind.CODE, "Treatment setting.", required=True, codes=SETTING_CODES, aliases=("therapy_setting", "intent"),
               code_aliases={"neo": "neoadjuvant", "neo-adjuvant": "neoadjuvant", "adj": "adjuvant", "palliative": "metastatic",
                             "advanced": "metastatic", "mbc": "metastatic", "met": "metastatic"}),
        Column("start_date", Kind.DATE, "First day of the line.", required=True, aliases=("start", "line_start", "date_start", "begin", "therapy_start")),
        Column("end_date", Kind.DATE, "Last day of the line (empty while ongoing).", aliases=("end", "line_end", "date_end", "stop", "therapy_end", "stop_date")),
        Column("agents", Kind.DRUG_LIST, "Drugs of the regimen, normalised to generic names, joined by ' + '.", required=True, aliases=("regimen", "drugs", "therapy", "treatment", "substances")),
        Column("end_reason", Kind.CODE, "Why the line ended.", codes=END_REASON_CODES, aliases=("reason_end", "stop_reason", "discontinuation_reason", "reason"),
               code_aliases={"pd": "progression", "progressive disease": "progression", "tox": "toxicity", "adverse event": "toxicity",
                             "ae": "toxicity", "complete": "completed", "planned": "completed", "died": "death",
                             "patient decision": "patient_decision", "patient wish": "patient_decision", "patient_wish": "patient_decision",
                             "continuing": "ongoing", "ongoing": "ongoing"}),
        Column("progression_date", Kind.DATE, "Date of progression on this line.", aliases=("pd_date", "date_progression", "progression")),
        Column("progression_kind", Kind.CODE, "How progression was established.", codes=("radiological", "clinical"), aliases=("progression_type", "pd_type"),
               code_aliases={"radiologic": "radiological", "imaging": "radiological", "recist": "radiological", "clinic": "clinical"}),
        Column("best_response", Kind.CODE, "Best overall response on this line (RECIST 1.1).", codes=RESPONSE_CODES, aliases=("response", "bor", "best_overall_response"), code_aliases=RESPONSE_ALIASES),
        Column("best_response_date", Kind.DATE, "Date of the best response.", aliases=("response_date", "bor_date")),
    ),
)

RESPONSE_ASSESSMENTS = Table(
    name="response_assessments",
    description="Tumour assessments (RECIST 1.1), one row per assessment.",
    key=("patient_id", "assessment_date"),
    aliases=("responses", "assessments", "tumour_assessments", "tumor_assessments"),
    rules=RULES_EVENTS,
    columns=(
        PATIENT_ID,
        Column("assessment_date", Kind.DATE, "Date of the assessment.", required=True, aliases=("date", "scan_date")),
        Column("response", Kind.CODE, "RECIST 1.1 response at this assessment.", required=True, codes=RESPONSE_CODES, aliases=("recist", "recist_response"), code_aliases=RESPONSE_ALIASES),
        Column("line_number", Kind.INTEGER, "Metastatic line being assessed.", minimum=1, maximum=30, aliases=("line",)),
    ),
)

PERFORMANCE_STATUS = Table(
    name="performance_status",
    description="ECOG performance status assessments.",
    key=("patient_id", "assessment_date"),
    aliases=("ecog", "ps"),
    rules=RULES_EVENTS,
    columns=(
        PATIENT_ID,
        Column("assessment_date", Kind.DATE, "Date of the assessment.", required=True, aliases=("date",)),
        Column("ecog", Kind.INTEGER, "ECOG performance status.", required=True, minimum=0, maximum=4, aliases=("ps", "ecog_ps", "performance_status")),
    ),
)

DRUG_EXPOSURES = Table(
    name="drug_exposures",
    description="Raw drug records as pharmacy, EHR or claims data give them (one row per administration or dispensing).",
    key=("patient_id", "drug_source_value", "start_date"),
    aliases=("drugs", "exposures", "drug_exposure", "administrations", "pharmacy"),
    rules=RULES_EVENTS,
    columns=(
        PATIENT_ID,
        Column("drug_source_value", Kind.STRING, "The drug as written in the source.", required=True, aliases=("drug_name", "drug_as_written", "medication", "substance", "drug")),
        Column("drug", Kind.DRUG, "Normalised generic drug name (filled by the importer from the source value).", aliases=("drug_normalised", "generic_name")),
        Column("start_date", Kind.DATE, "Date of administration or dispensing start.", required=True, aliases=("date", "administration_date", "drug_exposure_start_date")),
        Column("end_date", Kind.DATE, "End of the exposure (for oral dispensings: start + days supply).", aliases=("drug_exposure_end_date", "stop_date")),
        Column("route", Kind.CODE, "Route of administration.", codes=("iv", "sc", "oral", "im", "other"), aliases=("administration_route",),
               code_aliases={"intravenous": "iv", "i.v.": "iv", "subcutaneous": "sc", "s.c.": "sc", "po": "oral", "p.o.": "oral",
                             "intramuscular": "im", "i.m.": "im"}),
    ),
)

#: All tables, in import order (parents first, so cross-table rules can look them up).
TABLES: tuple[Table, ...] = (
    PATIENTS, METASTATIC_SITES, THERAPY_LINES, RESPONSE_ASSESSMENTS, PERFORMANCE_STATUS, DRUG_EXPOSURES,
)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def get_table(name: str) -> Table:
    """Return the table called ``name`` (or one of its aliases)."""
    key = name.strip().lower()
    for table in TABLES:
        if key == table.name or key in table.aliases:
            return table
    known = ", ".join(TABLES_BY_NAME)
    raise KeyError(f"unknown table {name!r}; the registry tables are: {known}")


def all_rules() -> dict[str, Rule]:
    """Every rule id with its rule (table rules may share an id with the same meaning)."""
    rules: dict[str, Rule] = {r.id: r for r in COLUMN_RULES}
    for table in TABLES:
        for rule in table.rules:
            rules.setdefault(rule.id, rule)
    return rules
