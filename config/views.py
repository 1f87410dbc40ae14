"""Site-wide views that belong to no app."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """Liveness check for load balancers and container orchestrators: this process serves Django requests.

    Public on purpose and cheap: it reads no session, user or database, so a balancer polling it every few
    seconds costs almost nothing and it answers even while the database is briefly away (a failing
    database shows as errors on real pages, not as every web container being taken out of rotation).
    """
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
