import datetime as dt

import pytest

ADDRESS = "203.0.113.7"


@pytest.fixture
def administrator(clinic):
    from patients import roles
    from tests import factories

    return factories.make_user(
        clinic=clinic, role=roles.ADMINISTRATOR, username="ada", first_name="Ada", last_name="Administrator"
    )


@pytest.fixture
def other_administrator(other_clinic):
    from patients import roles
    from tests import factories

    return factories.make_user(clinic=other_clinic, role=roles.ADMINISTRATOR, username="otto")


@pytest.fixture
def screened(patient, clinician):
    """A patient with findings (prediabetes-range HbA1c, low vitamin D), screened once."""
    from django.utils import timezone

    from screening import services
    from tests import factories

    factories.add_labs(
        patient,
        ("hba1c", "6.1", "%"),
        ("vitamin_d", "15", "ng/mL"),
        collected_on=timezone.localdate() - dt.timedelta(days=10),
    )
    return services.record_screening(patient=patient, recorded_by=clinician)
