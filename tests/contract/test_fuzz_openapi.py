"""The OpenAPI document says exactly what the API does: schemathesis fuzzes every operation of `/v1/openapi.json`.

The app is served over real HTTP by chalice's local server with the local runtime's gateway (`local.api.Gateway`, so
unknown routes are part of the contract too), on a free 127.0.0.1 port, against in-process moto and localstripe,
as a signed-in creator. Every phase runs (examples, coverage, fuzzing, stateful: links inferred from the
responses, e.g. create a product, then read, edit, publish and delete it) with every check, a fixed seed and a
bounded number of examples. Result: no server error, no undocumented status, header or content type, no response
that breaks its schema, no schema-violating request accepted.

What a generated request cannot reach, and where it is tested instead:
- the Stripe webhook's happy path needs a valid Stripe signature over the body: the fuzzer only ever gets the
  documented 400 (tests/integration/test_webhooks.py and tests/security check signed and tampered events);
- `positive_data_acceptance` also accepts 400 and 422 for a schema-valid request: the schema cannot state the rules
  that need the stored state or several fields at once (a fixed price needs `price_cents`, a coupon's product must be
  yours, an expiry in the future), and a cursor is opaque (a made-up one is 400 `invalid_cursor`). That a field the
  document marks nullable really accepts null is checked by `test_documented_nulls_are_accepted` below. A conditional
  GET may answer 304 (a generated `If-None-Match: *` matches any current answer).
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import token_for
from tests.support.localstripe import localstripe, stripe_gateway  # noqa: F401 - fixtures
from tests.support.served import serve

SEED = 20260101
MAX_EXAMPLES = 4  # per operation and phase (fuzzing, stateful): bounds the run
STATEFUL_STEPS = 30
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
          "positive_data_acceptance", "missing_required_header", "unsupported_method", "use_after_free",
          "ensure_resource_availability", "ignored_auth", "allow_header_conformance")


@pytest.fixture
def served(aws, stripe_gateway, monkeypatch):  # noqa: F811 - the fixture imported above
    with serve(monkeypatch) as base_url:
        yield base_url


def _fuzz(base_url: str, token: str, tags: tuple[str, ...] | None,
          phases: tuple[str, ...]) -> tuple[list[str], Counter]:
    """Run schemathesis' engine over the operations tagged `tags` (None: all) in `phases`; return one line per
    distinct failure and the number of responses per phase."""
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import Status, events, from_schema

    config = SchemathesisConfig.from_dict({
        "seed": SEED,
        "auth": {"openapi": {"bearerAuth": {"bearer": token}}},
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS},
                   "positive_data_acceptance": {"enabled": True,
                                                "expected-statuses": ["2XX", "304", "400", "401", "403", "404",
                                                                      "409", "422", "429"]},
                   "negative_data_rejection": {"enabled": True,
                                               "expected-statuses": ["400", "401", "403", "404", "405", "409",
                                                                     "413", "415", "422", "429"]}},
        "phases": {**{phase: {"enabled": phase in phases} for phase in ("examples", "coverage", "fuzzing")},
                   "stateful": {"enabled": "stateful" in phases, "max-steps": STATEFUL_STEPS}},
    })
    schema = schemathesis.openapi.from_url(f"{base_url}/v1/openapi.json", config=config)
    if tags is not None:
        schema = schema.include(tag=list(tags))
    failures: dict[tuple, str] = {}
    calls: Counter = Counter()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            calls[event.phase.value] += len(event.recorder.interactions)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE:
                        failure = check.failure_info.failure
                        request = event.recorder.interactions.get(case_id)
                        sent = (f"{request.request.method} {request.request.uri} -> "
                                f"{request.response.status_code if request.response else None}") if request else ""
                        failures.setdefault((check.name, failure.operation, failure.title),
                                            f"{check.name} {failure.operation}: {failure.title}: "
                                            f"{failure.message.strip()} [{sent}]")
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            error = getattr(event, "value", None) or getattr(event, "exception", None)
            failures.setdefault(("error", repr(error)), f"engine error: {event!r}")
    return list(failures.values()), calls


# The run is cut in three so the suite's workers share it (each part serves the app on its own port and database):
# every operation through the examples, coverage and fuzzing phases in two halves by tag, and the stateful phase
# (links between operations need all of them) on its own. Together: every operation, every phase, every check.
CREATOR_SIDE = ("creator", "builder")
PARTS = {
    "creator-and-builder": (CREATOR_SIDE, ("examples", "coverage", "fuzzing")),
    "everything-else": (None, ("examples", "coverage", "fuzzing")),
    "stateful": (None, ("stateful",)),
}


@pytest.mark.parametrize("part", PARTS)
def test_every_operation_does_what_the_document_says(served, part):
    from chalicelib.services.accounts import users

    tags, phases = PARTS[part]
    if part == "everything-else":
        tags = tuple(tag for tag in _tags(served) if tag not in CREATOR_SIDE)
    users.open_creator_account("fuzzer", "fuzzer@example.com", "Fuzzer", None)
    failures, calls = _fuzz(served, token_for("fuzzer"), tags, phases)
    assert not failures, "\n\n".join(failures)
    if "stateful" in phases:
        assert calls["stateful"] > 100, calls
    else:
        assert calls["coverage"] > 400 and calls["fuzzing"] > 50, calls


def _tags(base_url: str) -> set[str]:
    import requests

    document = requests.get(f"{base_url}/v1/openapi.json", timeout=30).json()
    return {tag for item in document["paths"].values() for operation in item.values()
            if isinstance(operation, dict) for tag in operation.get("tags", [])}
