from .labs import LabPanelForm
from .patient import IntakeForm, PatientForm, PatientSearchForm

__all__ = ["IntakeForm", "LabPanelForm", "PatientForm", "PatientSearchForm"]
