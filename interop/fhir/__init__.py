"""FHIR R4 reading and writing. The models are the ``fhir.resources.R4B`` package (FHIR 4.3.0), whose
Patient, Observation, MedicationStatement, MedicationRequest, QuestionnaireResponse, Condition and
DetectedIssue are the R4 (4.0.1) resources unchanged; the installed ``fhir.resources`` has no separate 4.0.1
package (its default models are R5)."""
