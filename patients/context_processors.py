from django.utils.functional import SimpleLazyObject

from .access import clinics_for


def clinics(request):
    """The user's clinics for the navigation, fetched once and only if a template uses them."""
    return {"nav_clinics": SimpleLazyObject(lambda: list(clinics_for(request.user)))}
