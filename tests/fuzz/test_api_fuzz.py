"""Schema-driven fuzzing: schemathesis generates requests for every operation of the project's own
OpenAPI schema and sends them to a live server, signed in as each role (token). Any 5xx, or any
response that the schema does not describe (status code, content type, body), fails the test.

The run is bounded (FUZZ_EXAMPLES cases per operation and role, fixed seed) and prints how many
requests it sent and how many server errors it saw, so CI's output shows both.
"""

import os
import time
from collections import Counter
from dataclasses import dataclass, field

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from roadmap.choices import Status
from tests import factories
from tracker.services import UpdateRequest, record_status_update

ROLES = ["secretariat_user", "fra_delegate", "dipb_member", "niag_member", "observer"]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The operations whose objects the fuzzer should also reach with ids that exist.
REAL_ID_SHARE = 0.5


@dataclass
class Tally:
    requests: int = 0
    server_errors: int = 0
    by_status: Counter = field(default_factory=Counter)
    failures: dict = field(default_factory=dict)

    def line(self) -> str:
        statuses = " ".join(f"{code}:{n}" for code, n in sorted(self.by_status.items()))
        return (
            f"fuzz requests_sent={self.requests} server_errors={self.server_errors} "
            f"schema_failures={len(self.failures)} statuses={statuses}"
        )


@pytest.fixture
def fuzz_world(fra, deu, dipb, niag, fra_delegate, secretariat_user):
    """Enough of everything that list endpoints return rows and ids exist to be fetched."""
    line = factories.LineOfEffortFactory(number=1)
    outcome = factories.KeyOutcomeFactory(line=line, number=1)
    for number, holders in enumerate([[fra, deu], [dipb, niag], [fra, niag]], start=1):
        action = factories.ActionItemFactory(outcome=outcome, number=number)
        for organisation in holders:
            assignment = factories.AssignmentFactory(action=action, organisation=organisation)
            record_status_update(
                user=secretariat_user,
                request=UpdateRequest(
                    assignment_id=assignment.pk,
                    base_version=assignment.version,
                    status=Status.ON_TRACK,
                    progress=30,
                    narrative="Fuzz baseline",
                ),
            )


@pytest.fixture
def generous_rates(monkeypatch):
    """The fuzzer sends far more requests a minute than a person; lift the API limits."""
    for scope in ["user", "anon", "api-token"]:
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, "100000/minute")


def _real_values(base_url: str, headers: dict) -> dict[str, dict[str, list]]:
    """For each list endpoint, the values of its rows' lookup fields (id, code, slug)."""
    found: dict[str, dict[str, list]] = {}
    schema = requests.get(f"{base_url}/api/schema/?format=json", timeout=30).json()
    for path, operations in schema["paths"].items():
        if "{" in path or "get" not in operations:
            continue
        response = requests.get(f"{base_url}{path}", headers=headers, timeout=30)
        if response.status_code != 200:
            continue
        body = response.json()
        rows = body.get("results", []) if isinstance(body, dict) else body
        values: dict[str, list] = {}
        for row in rows if isinstance(rows, list) else []:
            for key in ("id", "code", "slug"):
                if isinstance(row, dict) and key in row:
                    values.setdefault(key, []).append(row[key])
        found[path] = values
    return found


def _with_real_ids(operation, strategy, real):
    """Half the cases point at objects that exist, so the fuzzer gets past the 404s."""
    prefix = operation.path.split("{", 1)[0]
    values = real.get(prefix, {})
    parameters = [p for p in ("id", "code", "slug") if "{" + p + "}" in operation.path]
    if not parameters or not any(values.get(p) for p in parameters):
        return strategy

    def point(args):
        case, picks = args
        for name, value in picks.items():
            case.path_parameters[name] = value
        return case

    picks = st.fixed_dictionaries(
        {p: st.sampled_from(values[p]) for p in parameters if values.get(p)}
    )
    return st.one_of(strategy, st.tuples(strategy, picks).map(point))


def _fuzz_operation(operation, *, base_url, headers, session, tally, role, real):
    strategy = st.one_of(
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
    )
    strategy = _with_real_ids(operation, strategy, real)

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def run(case):
        response = case.call(base_url=base_url, headers=headers, session=session, timeout=30)
        tally.requests += 1
        tally.by_status[response.status_code] += 1
        if response.status_code >= 500:
            tally.server_errors += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Failure, FailureGroup) as exc:
            failures = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
            for failure in failures:
                key = (operation.label, failure.title, response.status_code)
                tally.failures.setdefault(
                    key,
                    f"{role}: {case.method} {case.formatted_path} -> "
                    f"{response.status_code}: {str(failure)[:400]}",
                )

    run()


def test_no_server_error_and_every_response_matches_the_schema(
    transactional_db, live_server, fuzz_world, generous_rates, request, capsys
):
    started = time.monotonic()
    schema_json = requests.get(f"{live_server.url}/api/schema/?format=json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(schema_json)
    operations = [result.ok() for result in schema.get_all_operations()]
    tally = Tally()
    session = requests.Session()
    request.addfinalizer(session.close)
    for role in ROLES:
        user = request.getfixturevalue(role)
        token, _created = Token.objects.get_or_create(user=user)
        # One connection per request: the live server is Django's development server, whose
        # keep-alive handling lets a malformed fuzzed request leave bytes behind that the next
        # request on the same connection reads as its answer. Production runs gunicorn.
        headers = {"Authorization": f"Token {token.key}", "Connection": "close"}
        real = _real_values(live_server.url, headers)
        for operation in operations:
            _fuzz_operation(
                operation,
                base_url=live_server.url,
                headers=headers,
                session=session,
                tally=tally,
                role=role,
                real=real,
            )

    seconds = time.monotonic() - started
    with capsys.disabled():  # shown in every run's output, not only when the test fails
        print(f"\n{tally.line()} operations={len(operations)} roles={len(ROLES)} s={seconds:.0f}")
        for message in tally.failures.values():
            print("  " + message)
    assert tally.requests >= len(operations) * len(ROLES)
    assert tally.server_errors == 0, "server errors:\n" + "\n".join(tally.failures.values())
    assert not tally.failures, "responses outside the schema:\n" + "\n".join(
        tally.failures.values()
    )
