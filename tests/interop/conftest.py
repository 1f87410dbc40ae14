import pytest


@pytest.fixture
def reviewer(clinic):
    from patients import roles
    from tests import factories

    return factories.make_user(clinic=clinic, role=roles.REVIEWER, username="reviewer")


@pytest.fixture
def empty_clinic(db):
    from tests import factories

    return factories.make_clinic("Empty Clinic")
