from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path(
        "",
        RedirectView.as_view(pattern_name="patients:list", permanent=False, http_method_names=["get", "head"]),
        name="home",
    ),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("patients/", include("patients.urls")),
    path("screening/", include("screening.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("audit/", include("audit.urls")),
    path("interop/", include("interop.urls")),
    path("", include("interop.cds_urls")),  # CDS Hooks: /cds-services, as the specification requires
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]
