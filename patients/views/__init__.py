from .labs import lab_panel_create
from .patients import intake_edit, patient_create, patient_detail, patient_edit, patient_list

__all__ = [
    "intake_edit",
    "lab_panel_create",
    "patient_create",
    "patient_detail",
    "patient_edit",
    "patient_list",
]
