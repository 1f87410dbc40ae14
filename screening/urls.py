from django.urls import path

from . import views

app_name = "screening"

urlpatterns = [
    path("rules/", views.rule_catalogue, name="catalogue"),
    path("clinics/<uuid:clinic_code>/settings/", views.clinic_settings, name="clinic_settings"),
    path("patients/<uuid:code>/record/", views.record, name="record"),
    path("<uuid:code>/", views.screening_detail, name="detail"),
    path("<uuid:code>/findings/<int:finding_id>/review/", views.review, name="review"),
    path("<uuid:code>/print/", views.print_view, name="print"),
    path("<uuid:code>/pdf/", views.pdf, name="pdf"),
]
