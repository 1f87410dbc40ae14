from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("security/", views.security, name="security"),
    path("security/logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("two-factor/setup/", views.otp_setup, name="otp_setup"),
    path("two-factor/verify/", views.otp_verify, name="otp_verify"),
    path("two-factor/disable/", views.otp_disable, name="otp_disable"),
]
