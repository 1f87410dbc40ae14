from .labs import lab_panel_create
from .patients import intake_edit, patient_create, patient_detail, patient_edit, patient_list
from .records import measurement_create, medicine_create, medicine_end, psychotherapy_create
from .scales import scale_create
from .treatments import augmentation_create, treatment_create
from .trials import trial_create, trial_dose, trial_edit, trial_end

__all__ = [
    "augmentation_create",
    "intake_edit",
    "lab_panel_create",
    "measurement_create",
    "medicine_create",
    "medicine_end",
    "patient_create",
    "patient_detail",
    "patient_edit",
    "patient_list",
    "psychotherapy_create",
    "scale_create",
    "treatment_create",
    "trial_create",
    "trial_dose",
    "trial_edit",
    "trial_end",
]
