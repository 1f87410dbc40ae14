"""CDS Hooks endpoints. Public to the login middleware and exempt from CSRF, but every call needs a client's
bearer token; errors are JSON. Requests are not logged beyond client id, service and card count."""

from __future__ import annotations

import functools
import json
import logging
from decimal import Decimal

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from screening.services import clinic_options

from .. import cds, services
from ..fhir.reader import MAX_BUNDLE_BYTES
from ..models import CdsCard

logger = logging.getLogger(__name__)


def _error(message: str, status: int, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def token_required(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        client = services.authenticate_cds_client(token.strip()) if scheme.lower() == "bearer" else None
        if client is None:
            challenge = {"WWW-Authenticate": 'Bearer realm="cds-services"'}
            return _error("a valid bearer token is required", 401, **challenge)
        request.cds_client = client
        return view(request, *args, **kwargs)

    return wrapper


def _body(request):
    """The decoded JSON body; a JsonResponse error when too large or not JSON."""
    raw = request.read(MAX_BUNDLE_BYTES + 1)
    if len(raw) > MAX_BUNDLE_BYTES:
        return _error(f"request: larger than {MAX_BUNDLE_BYTES // (1024 * 1024)} MB", 413)
    try:
        return json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return _error("request: the body is not valid JSON", 400)


def hook_call(view):
    """A POST to the service (a hook call or feedback): a client's token, this service's id and a JSON body,
    which ``view`` receives decoded as ``body``."""

    @functools.wraps(view)
    def wrapper(request, service_id):
        if service_id != cds.SERVICE_ID:
            return _error(f"no service {service_id!r}", 404)
        body = _body(request)
        if isinstance(body, JsonResponse):
            return body
        return view(request, service_id, body)

    return login_not_required(csrf_exempt(require_POST(token_required(wrapper))))


@login_not_required
@csrf_exempt
@require_GET
@token_required
def cds_discovery(request):
    return JsonResponse(cds.discovery())


@hook_call
def cds_service(request, service_id, body):
    client = request.cds_client
    try:
        issued = cds.patient_view(body, options=clinic_options(client.clinic), today=timezone.localdate())
    except cds.HookError as error:
        return _error(error.message, error.status)
    services.record_cards(
        client=client,
        service_id=service_id,
        cards=[(item.card["uuid"], item.rule_id, item.rule_version) for item in issued],
    )
    logger.info("CDS Hooks %s for client %s: %d cards", service_id, client.pk, len(issued))
    return JsonResponse({"cards": [item.card for item in issued]})


@hook_call
def cds_feedback(request, service_id, body):
    client = request.cds_client
    try:
        items = cds.parse_feedback(body)
    except cds.HookError as error:
        return _error(error.message, error.status)
    known = set(
        CdsCard.objects.filter(
            client=client, service_id=service_id, uuid__in=[item["card"] for item in items]
        ).values_list("uuid", flat=True)
    )
    for index, item in enumerate(items):
        if item["card"] not in known:
            return _error(f"feedback[{index}].card: not a card this service returned to this client", 400)
    services.record_feedback(client=client, service_id=service_id, items=items)
    return JsonResponse({}, status=200)
