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
]
