"""Schemathesis over the whole OpenAPI schema, once per role: no 5xx, and every answer matches the schema.

Requests go straight into the Django WSGI app (no server), authenticated by a DRF token per role. A real CT
upload is seeded first so detail routes resolve. CONTRACT_EXAMPLES (default 10) bounds examples per operation.
"""

import json
import os
import re
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
)

from accounts.roles import ALL_ROLES
from cohorts.services import definition_save, export_start
from jobs.models import Job
from studies.models import Image
from studies.services import upload_ingest
from tests.studies import corpus
from tests.studies.uploads import named_upload

EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "10"))
# status_code_conformance is left out on purpose: DRF answers 401/403/404/429 on every route and the schema,
# like most drf-spectacular schemas, documents only the success codes; what must hold is no 5xx and bodies,
# headers and content types that match what the schema does document.
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, response_headers_conformance]
# Excluded: POST /api/studies/ takes multipart DICOM; random bytes there are the upload fuzzer's job
# (tests/fuzz), which sends hundreds of mutated real files through it with stricter checks.
EXCLUDED = {("POST", "/api/studies/")}
# Run last: a DELETE would make the detail calls of other operations meaningless (404 everywhere).
LAST_METHODS = ("DELETE",)

_KEY_LINE = re.compile(r"- [A-Z]+\d+ |Schema at|is not|\[\d{3}\]|curl |Server error|Value:|^\s*\|?\s*`")
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::UserWarning")]


@dataclass
class Tally:
    requests: int = 0
    operations: int = 0  # runs: an operation with {id} runs twice (random ids, then a real row)
    failures: list[str] = field(default_factory=list)


@pytest.fixture
def wsgi_app():
    """Django's WSGI app called in-process. Like Django's test client, keep the request signals from closing
    the test's database connection (on PostgreSQL that would end the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(make_user):
    """One real three-slice GE study and the small GE slice, uploaded through the service."""
    uploader, _ = make_user("clinician", "seed-uploader")
    files = [named_upload(path) for path in corpus.real_groups()["ge_implicit_vr"]] + [named_upload(corpus.GE_SMALL)]
    outcomes = upload_ingest(files=files, user=uploader)
    assert all(o.status == "stored" for o in outcomes), outcomes
    return outcomes


def real_ids(user) -> dict[str, int]:
    """A real id for each kind of detail route (by path prefix), some owned by ``user``."""
    image = Image.objects.select_related("series").order_by("id").first()
    definition = definition_save(owner=user, name=f"{user.username} cohort", filters={})
    return {
        "/api/studies/": image.series.study_id,
        "/api/images/": image.pk,
        "/api/series/": image.series_id,
        "/api/devices/": image.device_id,
        "/api/jobs/": Job.objects.order_by("id").values_list("id", flat=True).first(),
        "/api/cohorts/definitions/": definition.pk,
        "/api/exports/": export_start(user=user, filters={}, format="csv").pk,
    }


def real_id_for(path: str, ids: dict[str, int]) -> int | None:
    if "{id}" not in path:
        return None
    return next((value for prefix, value in ids.items() if path.startswith(prefix)), None)


def ordered_operations(schema) -> list:
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if (op.method.upper(), op.path) not in EXCLUDED]
    return sorted(operations, key=lambda op: (op.method.upper() in LAST_METHODS, op.method.upper() != "GET"))


def exercise(operation, headers: dict, tally: Tally, path_id: int | None = None) -> None:
    """Up to EXAMPLES generated requests to one operation (its {id} fixed when given); failures recorded."""
    strategy = operation.as_strategy(path_parameters={"id": path_id} if path_id is not None else None)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        cache.clear()  # throttles count in the cache: hundreds of calls from one user must not turn into 429s
        response = case.call(headers=headers)
        tally.requests += 1
        case.validate_response(response, checks=CHECKS)

    tally.operations += 1
    try:
        run()
    except Exception as error:  # noqa: BLE001 - collect every operation's failure, then report them all
        summary = [line.strip(" |") for line in str(error).splitlines() if _KEY_LINE.search(line)][:8]
        label = f"{operation.method.upper()} {operation.path}" + (f" (id {path_id})" if path_id else "")
        tally.failures.append(f"{label}: {type(error).__name__}: {summary}")


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_operation_answers_without_5xx_and_as_the_schema_says(role, make_user, seeded, wsgi_app):
    user, _ = make_user(role, f"contract-{role}")
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    ids = real_ids(user)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, headers=headers)
    tally = Tally()
    for operation in ordered_operations(schema):
        exercise(operation, headers, tally)  # random ids: mostly 404s, and hostile query strings and bodies
        if (path_id := real_id_for(operation.path, ids)) is not None:
            exercise(operation, headers, tally, path_id)  # a real row: the answer's body is checked too
    print(f"{role}: {tally.operations} operations, {tally.requests} requests, {len(tally.failures)} failing")
    assert tally.operations >= 40
    assert not tally.failures, "\n".join(tally.failures)


BEYOND_64_BITS = 2**90


def integer_inputs(schema: dict) -> list[tuple[str, str, str, str]]:
    """(method, path, 'query' or 'body', field) for every integer the schema lets a client send."""
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter.get("schema", {}).get("type") == "integer":
                    found.append((method.upper(), path, "query", parameter["name"]))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            ref = body.get("$ref", "").rsplit("/", 1)[-1]
            properties = schema["components"]["schemas"].get(ref, {}).get("properties", {})
            integers = [name for name, p in properties.items() if p.get("type") == "integer"]
            found += [(method.upper(), path, "body", name) for name in integers]
    return found


def test_every_integer_input_beyond_64_bits_is_a_400_naming_its_field(make_user, seeded):
    """Status codes, not only the absence of 5xx: an out-of-range integer is the client's error, said as such."""
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework.test import APIClient

    user, _ = make_user("admin", "contract-integers")
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    ids = real_ids(user)
    schema = SchemaGenerator().get_schema(request=None, public=True)
    checked, wrong = 0, []
    for method, path, where, name in integer_inputs(schema):
        if (method, path) in EXCLUDED or method == "DELETE":
            continue
        url = path.replace("{id}", str(real_id_for(path, ids) or 1))
        if where == "query":
            response = client.generic(method, url + f"?{name}={BEYOND_64_BITS}")
        else:
            response = client.generic(method, url, json.dumps({name: BEYOND_64_BITS}), "application/json")
        checked += 1
        if response.status_code != 400 or name not in response.content.decode():
            wrong.append(f"{method} {path} {where} {name}: {response.status_code} {response.content[:120]!r}")
    assert checked >= 4
    assert not wrong, "\n".join(wrong)
