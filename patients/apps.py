from django.apps import AppConfig
from django.db.backends.signals import connection_created


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patients"

    def ready(self) -> None:
        from .search import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="patients.sqlite_functions")
