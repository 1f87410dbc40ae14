"""The three roles, as Django groups with permissions.

- Clinician: full clinical access in their clinics (read and record patient data, screenings, reviews).
- Clinic administrator: reads everything in their clinics, sees the dashboard, manages the clinic's
  screening conventions and members, browses the audit trail; does not change clinical data.
- Read-only reviewer (auditor): reads everything in their clinics and the audit trail; changes nothing.

Which clinics a user works in is :class:`patients.models.ClinicMembership`; what they may do there is their
group. Views check both: the permission with ``permission_required`` and the clinic with the access helpers.
"""

from __future__ import annotations

CLINICIAN = "Clinician"
ADMINISTRATOR = "Clinic administrator"
REVIEWER = "Read-only reviewer"

_CLINICAL_MODELS = [
    "patients.patient",
    "patients.intake",
    "patients.psychotherapycourse",
    "patients.medicine",
    "patients.measurement",
    "patients.labreport",
    "patients.labresult",
    "patients.antidepressanttrial",
    "patients.doseperiod",
    "patients.augmentation",
    "patients.othertreatment",
    "patients.scalescore",
]
_SCREENING_MODELS = ["screening.screening", "screening.screeningfinding", "screening.findingreview"]


def _perms(models: list[str], actions: list[str]) -> list[str]:
    return [f"{model.split('.')[0]}.{action}_{model.split('.')[1]}" for model in models for action in actions]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    CLINICIAN: [
        *_perms(_CLINICAL_MODELS, ["view", "add", "change"]),
        *_perms(_SCREENING_MODELS, ["view", "add"]),
        "screening.view_summaryaccess",
        "screening.add_summaryaccess",
        "patients.view_clinic",
        "patients.view_dashboard",
    ],
    ADMINISTRATOR: [
        *_perms(_CLINICAL_MODELS, ["view"]),
        *_perms(_SCREENING_MODELS, ["view"]),
        "screening.view_summaryaccess",
        "screening.add_summaryaccess",
        "patients.view_clinic",
        "patients.view_dashboard",
        "patients.manage_clinic",
        "patients.view_audit_trail",
        "patients.view_clinicmembership",
        "patients.add_clinicmembership",
        "patients.delete_clinicmembership",
    ],
    REVIEWER: [
        *_perms(_CLINICAL_MODELS, ["view"]),
        *_perms(_SCREENING_MODELS, ["view"]),
        "screening.view_summaryaccess",
        "screening.add_summaryaccess",
        "patients.view_clinic",
        "patients.view_dashboard",
        "patients.view_audit_trail",
    ],
}


def sync_role_groups(apps=None) -> None:
    """Create the role groups and set exactly their permissions (idempotent; run by a migration)."""
    from django.contrib.auth.management import create_permissions

    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    for app_config in apps.get_app_configs():
        # create_permissions skips an app config without a models module, which is how the historical app
        # configs of a migration look. Restore the real value afterwards: left at None on the global registry,
        # every later post_migrate (a test's flush) would skip the app and stop recreating its content types.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        try:
            create_permissions(app_config, verbosity=0, apps=apps)
        finally:
            app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)
