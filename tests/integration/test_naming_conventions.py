"""Every property name in the served OpenAPI document follows the API's naming conventions (the docstring of
`chalicelib/schemas/__init__.py`): one name and one unit per quantity, so a client never guesses milliseconds or
seconds.

The walk covers every component schema and the schemas nested inline in them, and every query parameter.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
UNITS = {"cents", "seconds", "days", "bytes", "bps", "tokens", "percent"}  # the unit is a name's last word
OTHER_UNITS = {"ms", "msec", "millis", "milliseconds", "sec", "secs", "mins", "minutes", "hours", "kb", "mb",
               "gb", "kbps", "mbps", "percentage", "pct"}
# Words naming a quantity that has a unit: as a number's last word they mean the unit is missing.
NEEDS_UNIT = {"duration", "time", "spent", "elapsed", "timeout", "ttl", "interval", "in", "size", "length", "bitrate",
              "rate", "price", "amount", "discount", "gross", "net", "fee", "fees", "refunds", "revenue", "balance"}
BOOLEAN_PREFIXES = ("is_", "has_", "can_")  # a state, a possession, a permission
COMMAND_FLAGS = {"apply"}  # request-only instructions ("apply the draft"), not a state a client reads back


def _document(api) -> dict[str, Any]:
    response = api.call("GET", "/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def _types(schema: dict[str, Any]) -> set[str]:
    """The JSON types a property may take, `null` left out (nullability is not part of the name)."""
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    found = set()
    for option in options:
        kind = option.get("type") or ("object" if "$ref" in option or "properties" in option else None)
        found |= set(kind) if isinstance(kind, list) else {kind}
    return found - {None, "null"}


def _formats(schema: dict[str, Any]) -> set[str]:
    return {option.get("format") for option in schema.get("anyOf") or [schema]} - {None}


def _properties(schema: dict[str, Any], where: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, name, schema) of every property, inline nested objects, arrays and unions included."""
    for name, prop in schema.get("properties", {}).items():
        yield where, name, prop
        yield from _properties(prop, f"{where}.{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _properties(schema[key], where)
    for option in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from _properties(option, where)


def _all_names(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    names = [found for model, schema in document["components"]["schemas"].items()
             for found in _properties(schema, model)]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            names += [(f"{method.upper()} {path}", p["name"], p["schema"])
                      for p in operation.get("parameters", []) if p["in"] == "query"]
    return names


def test_the_checks_catch_what_they_are_for():
    """The rules below, tried on names they must refuse (so a passing run means something)."""
    refused = {"durationMs": snake_problem, "duration_ms": unit_problem, "estimated_minutes": unit_problem,
               "bitrate": unit_problem, "expires_in": unit_problem, "tokens_total": unit_problem,
               "progress_percentage": unit_problem, "price": unit_problem}
    for name, check in refused.items():
        assert check(name, {"type": "integer"}), name
    assert unit_problem("duration_seconds", {"type": "number"}), "a float of seconds"
    assert boolean_problem("completed", {"type": "boolean"}, request_only=False)
    assert time_problem("paid", {"type": "string", "format": "date-time"})
    assert time_problem("paid_at", {"type": "string"})
    assert not unit_problem("duration_seconds", {"type": "integer"})
    assert not boolean_problem("is_completed", {"type": "boolean"}, request_only=False)


def snake_problem(name: str, schema: dict[str, Any]) -> str | None:
    return None if SNAKE.match(name) else "not snake_case"


def unit_problem(name: str, schema: dict[str, Any]) -> str | None:
    words = name.split("_")
    if OTHER_UNITS & set(words):
        return f"unit {sorted(OTHER_UNITS & set(words))} (use one of {sorted(UNITS)})"
    if UNITS & set(words[:-1]):
        return "the unit must be the name's last word"
    types = _types(schema)
    if "number" in types:
        return "a float: quantities are integers in the unit their name ends with"
    if words[-1] in UNITS and types - {"integer"}:
        return f"named in {words[-1]} but typed {sorted(types)}"
    if words[-1] in NEEDS_UNIT and "integer" in types:
        return f"a quantity without its unit (end it with one of {sorted(UNITS)})"
    return None


def boolean_problem(name: str, schema: dict[str, Any], request_only: bool) -> str | None:
    if _types(schema) != {"boolean"} or name.startswith(BOOLEAN_PREFIXES):
        return None
    if request_only and name in COMMAND_FLAGS:
        return None
    return f"a boolean is named {' or '.join(p + '…' for p in BOOLEAN_PREFIXES)}"


def time_problem(name: str, schema: dict[str, Any]) -> str | None:
    is_time = "date-time" in _formats(schema)
    if is_time != name.endswith("_at"):
        return "instants are ISO-8601 date-time strings named …_at (and only they)"
    return None


def _refs(value: Any) -> set[str]:
    return set(re.findall(r'"#/components/schemas/(\w+)"', json.dumps(value)))


def _response_roots(document: dict[str, Any]) -> set[str]:
    """The component schemas operations answer with."""
    return _refs([op["responses"] for ops in document["paths"].values() for op in ops.values()])


def _response_models(document: dict[str, Any]) -> set[str]:
    """Every component schema a response can contain (what clients read)."""
    schemas, seen, todo = document["components"]["schemas"], set(), list(_response_roots(document))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += _refs(schemas[name])
    return seen


def test_property_names_follow_the_conventions(api):
    document = _document(api)
    responses = _response_models(document)
    problems = []
    for where, name, schema in _all_names(document):
        model = where.split(".")[0]
        request_only = " " in model or model not in responses  # a query parameter, or a request body's model
        for check in (snake_problem, unit_problem, time_problem):
            if problem := check(name, schema):
                problems.append(f"{where}.{name}: {problem}")
        if problem := boolean_problem(name, schema, request_only):
            problems.append(f"{where}.{name}: {problem}")
    assert not problems, "\n".join(sorted(set(problems)))


def test_one_name_has_one_type_everywhere(api):
    """`applied` a boolean here and a list there, `modules` a count here and a list there: two concepts, two names.
    Query parameters are left out: in a URL everything is a string (`?creator=` is an id or a handle)."""
    types: dict[str, set[str]] = defaultdict(set)
    places: dict[str, list[str]] = defaultdict(list)
    for where, name, schema in _all_names(_document(api)):
        if " " in where:
            continue
        types[name] |= _types(schema)
        places[name].append(f"{where} {sorted(_types(schema))}")
    mixed = {name: places[name] for name, found in types.items() if len(found) > 1}
    assert not mixed, "\n".join(f"{name}: {', '.join(sorted(set(where)))}" for name, where in sorted(mixed.items()))


def _money_without_currency(schema: dict[str, Any], schemas: dict[str, Any], where: str, has_currency: bool,
                            seen: frozenset[str]) -> Iterator[str]:
    """Amounts in cents reached without a `currency` on the way: through a map (an object keyed by currency, say)
    the currency of the enclosing object no longer names the amount's."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            yield from _money_without_currency(schemas[name], schemas, name, has_currency, seen | {name})
        return
    properties = schema.get("properties", {})
    here = has_currency or "currency" in properties
    for name, prop in properties.items():
        if name.endswith("_cents") and not here:
            yield f"{where}.{name}"
        yield from _money_without_currency(prop, schemas, f"{where}.{name}", here, seen)
    if isinstance(schema.get("items"), dict):
        yield from _money_without_currency(schema["items"], schemas, where, here, seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _money_without_currency(schema["additionalProperties"], schemas, f"{where}{{key}}", False, seen)
    for option in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from _money_without_currency(option, schemas, where, here, seen)


def test_money_in_responses_carries_its_currency(api):
    """Collections are lists of items with a `currency` field, never objects keyed by currency."""
    document = _document(api)
    schemas = document["components"]["schemas"]
    found = set()
    for name in _response_roots(document):
        found |= set(_money_without_currency(schemas[name], schemas, name, False, frozenset({name})))
    assert not found, "amounts with no currency beside them (keyed by currency?):\n" + "\n".join(sorted(found))
