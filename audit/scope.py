"""Which patient and clinic a record belongs to, so that every audit entry can be found by both.

One table here rather than a ``get_additional_data()`` method on each model: the clinical models stay free of
audit concerns, and the list of audited models and the way to their patient are read in one place.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from patients import models as patients
from screening import models as screening

#: The attribute path from each audited patient-data model to its patient ("" is the patient itself).
PATIENT_PATHS: dict[type[models.Model], str] = {
    patients.Patient: "",
    patients.Intake: "patient",
    patients.PsychotherapyCourse: "patient",
    patients.Medicine: "patient",
    patients.Measurement: "patient",
    patients.LabReport: "patient",
    patients.LabResult: "patient",
    patients.AntidepressantTrial: "patient",
    patients.DosePeriod: "trial.patient",
    patients.Augmentation: "patient",
    patients.OtherTreatment: "patient",
    patients.ScaleScore: "patient",
    screening.Screening: "patient",
    screening.ScreeningFinding: "screening.patient",
    screening.FindingReview: "finding.screening.patient",
    screening.SummaryAccess: "screening.patient",
}

#: Audited models that belong to a clinic but to no patient: the attribute path to the clinic.
CLINIC_PATHS: dict[type[models.Model], str] = {
    patients.Clinic: "",
    patients.ClinicMembership: "clinic",
}


def _follow(instance: models.Model, path: str):
    obj = instance
    for name in path.split(".") if path else []:
        obj = getattr(obj, name)
    return obj


def scope_of(instance: models.Model) -> tuple[int | None, int | None]:
    """``(patient_id, clinic_id)`` of an audited record; ``(None, None)`` for anything else.

    Related rows are usually already loaded by the service that writes (``LabResult(patient=patient)``); if
    not, following the path costs a query per hop. A related row already gone (a delete cascading in an
    unusual order) leaves the entry without scope rather than failing the write.
    """
    model = type(instance)
    try:
        if model in PATIENT_PATHS:
            patient = _follow(instance, PATIENT_PATHS[model])
            return patient.pk, patient.clinic_id
        if model in CLINIC_PATHS:
            path = CLINIC_PATHS[model]
            return None, instance.pk if not path else getattr(instance, f"{path}_id")
    except ObjectDoesNotExist:
        pass
    return None, None
