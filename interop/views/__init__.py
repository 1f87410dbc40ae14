from .cds import cds_discovery, cds_feedback, cds_service
from .exports import patient_export, screening_export
from .imports import csv_import, csv_template, fhir_import_clinic, fhir_import_patient, import_commit, import_preview

__all__ = [
    "cds_discovery",
    "cds_feedback",
    "cds_service",
    "csv_import",
    "csv_template",
    "fhir_import_clinic",
    "fhir_import_patient",
    "import_commit",
    "import_preview",
    "patient_export",
    "screening_export",
]
