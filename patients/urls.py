from django.urls import path

from . import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/<uuid:clinic_code>/", views.patient_create, name="create"),
    path("<uuid:code>/", views.patient_detail, name="detail"),
    path("<uuid:code>/edit/", views.patient_edit, name="edit"),
    path("<uuid:code>/intake/", views.intake_edit, name="intake"),
    path("<uuid:code>/labs/new/", views.lab_panel_create, name="lab_panel"),
    path("<uuid:code>/trials/new/", views.trial_create, name="trial_create"),
    path("<uuid:code>/trials/<int:trial_id>/dose/", views.trial_dose, name="trial_dose"),
    path("<uuid:code>/trials/<int:trial_id>/end/", views.trial_end, name="trial_end"),
    path("<uuid:code>/trials/<int:trial_id>/edit/", views.trial_edit, name="trial_edit"),
    path("<uuid:code>/augmentations/new/", views.augmentation_create, name="augmentation_create"),
    path("<uuid:code>/treatments/new/", views.treatment_create, name="treatment_create"),
    path("<uuid:code>/scores/<str:instrument>/new/", views.scale_create, name="scale_create"),
    path("<uuid:code>/medicines/new/", views.medicine_create, name="medicine_create"),
    path("<uuid:code>/medicines/<int:medicine_id>/end/", views.medicine_end, name="medicine_end"),
    path("<uuid:code>/measurements/new/", views.measurement_create, name="measurement_create"),
    path("<uuid:code>/psychotherapy/new/", views.psychotherapy_create, name="psychotherapy_create"),
]
