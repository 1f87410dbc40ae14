from .labs import LabPanelForm
from .patient import IntakeForm, PatientForm, PatientSearchForm
from .records import MeasurementForm, MedicineEndForm, MedicineForm, PsychotherapyForm
from .scales import ScaleForm
from .treatments import AugmentationForm, OtherTreatmentForm
from .trials import TrialDetailsForm, TrialDoseForm, TrialEndForm, TrialForm

__all__ = [
    "AugmentationForm",
    "IntakeForm",
    "LabPanelForm",
    "MeasurementForm",
    "MedicineEndForm",
    "MedicineForm",
    "OtherTreatmentForm",
    "PatientForm",
    "PatientSearchForm",
    "PsychotherapyForm",
    "ScaleForm",
    "TrialDetailsForm",
    "TrialDoseForm",
    "TrialEndForm",
    "TrialForm",
]
