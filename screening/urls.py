from django.urls import path

from . import views

app_name = "screening"

urlpatterns = [
    path("rules/", views.rule_catalogue, name="catalogue"),
    path("clinics/<uuid:clinic_code>/settings/", views.clinic_settings, name="clinic_settings"),
]
