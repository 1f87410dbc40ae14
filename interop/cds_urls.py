"""CDS Hooks routes, mounted at the site root: the specification fixes the paths ``{base}/cds-services``."""

from django.urls import path

from . import views

app_name = "cds"

urlpatterns = [
    path("cds-services", views.cds_discovery, name="cds_services"),
    path("cds-services/<slug:service_id>", views.cds_service, name="cds_hook"),
    path("cds-services/<slug:service_id>/feedback", views.cds_feedback, name="cds_feedback"),
]
