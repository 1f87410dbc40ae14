from django.urls import path

from . import views

app_name = "interop"

urlpatterns = [
    path("patients/<uuid:code>/fhir/import/", views.fhir_import_patient, name="fhir_import_patient"),
    path("patients/<uuid:code>/fhir/export/", views.patient_export, name="patient_export"),
    path("screenings/<uuid:code>/fhir/export/", views.screening_export, name="screening_export"),
    path("clinics/<uuid:clinic_code>/fhir/import/", views.fhir_import_clinic, name="fhir_import_clinic"),
    path("clinics/<uuid:clinic_code>/labs/csv/", views.csv_import, name="csv_import"),
    path("labs/csv/template/", views.csv_template, name="csv_template"),
    path("imports/<uuid:code>/", views.import_preview, name="preview"),
    path("imports/<uuid:code>/commit/", views.import_commit, name="commit"),
]
