"""Code systems, codes and extension URLs used on the FHIR boundary.

LOINC PHQ-9 codes (checked against the LOINC panel 44249-1 as published in HL7 implementation guides):
panel 44249-1, total score 44261-6, difficulty 69722-7, and the nine items in questionnaire order. Answer
codes LA6568-5 .. LA6571-9 are "Not at all" (0) .. "Nearly every day" (3).

Codes and extensions under ``urn:trd-screening:`` are this app's own: they carry what FHIR has no element
for (trial outcome, adherence, fasting, the intake's condition list), so that an exported bundle imports
back without loss. Other systems may ignore them.
"""

from __future__ import annotations

from types import MappingProxyType

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
US_CORE_BIRTH_SEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"

PHQ9_PANEL = "44249-1"
PHQ9_TOTAL = "44261-6"
PHQ9_DIFFICULTY = "69722-7"
#: Items 1-9 in questionnaire order.
PHQ9_ITEMS: tuple[str, ...] = (
    "44250-9",  # little interest or pleasure in doing things
    "44255-8",  # feeling down, depressed, or hopeless
    "44259-0",  # trouble falling or staying asleep, or sleeping too much
    "44254-1",  # feeling tired or having little energy
    "44251-7",  # poor appetite or overeating
    "44258-2",  # feeling bad about yourself
    "44252-5",  # trouble concentrating
    "44253-3",  # moving or speaking slowly, or being fidgety or restless
    "44260-8",  # thoughts that you would be better off dead, or of hurting yourself
)
PHQ9_CODES = frozenset({PHQ9_PANEL, PHQ9_TOTAL, PHQ9_DIFFICULTY, *PHQ9_ITEMS})
PHQ9_ANSWERS = MappingProxyType({"LA6568-5": 0, "LA6569-3": 1, "LA6570-1": 2, "LA6571-9": 3})

_OWN = "urn:trd-screening:fhir:"
ANALYTE_SYSTEM = _OWN + "analyte"  # catalogue key, for analytes without a LOINC code (omega-3 index)
ANTIDEPRESSANT_SYSTEM = _OWN + "antidepressant"  # catalogue key, including "other" with the name as text
CONDITION_SYSTEM = _OWN + "intake-condition"
EPISODE_CODE = "current-depressive-episode"
EPISODE_SEVERITY_SYSTEM = _OWN + "episode-severity"
RULE_SYSTEM = _OWN + "rule"
REVIEW_STATE_SYSTEM = _OWN + "review-state"
DISMISSAL_REASON_SYSTEM = _OWN + "dismissal-reason"
LAB_RESULT_ID_SYSTEM = _OWN + "lab-result"
TRIAL_ID_SYSTEM = _OWN + "trial"
SCORE_ID_SYSTEM = _OWN + "scale-score"
FINDING_ID_SYSTEM = _OWN + "finding"

EXT_FASTING = _OWN + "extension:fasting"
EXT_TRIAL_OUTCOME = _OWN + "extension:trial-outcome"
EXT_TRIAL_ADHERENCE = _OWN + "extension:trial-adherence"
EXT_TRIAL_IMPROVEMENT = _OWN + "extension:trial-improvement-pct"
EXT_ANCESTRY = _OWN + "extension:ancestry"
EXT_PREGNANCY = _OWN + "extension:pregnancy-status"
EXT_DELIVERY_DATE = _OWN + "extension:delivery-date"
EXT_MENSTRUAL_STATUS = _OWN + "extension:menstrual-status"
EXT_CITATION = _OWN + "extension:citation"
EXT_THRESHOLD = _OWN + "extension:threshold"
