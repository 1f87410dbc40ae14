from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("worklist/", views.worklist, name="worklist"),
    path("worklist.csv", views.worklist_csv, name="worklist_csv"),
    path("labs-to-order/", views.labs, name="labs"),
    path("labs-to-order.csv", views.labs_csv, name="labs_csv"),
    path("governance/", views.governance, name="governance"),
]
