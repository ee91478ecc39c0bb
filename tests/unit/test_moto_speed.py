"""The test-only moto speed-ups (tests/support/moto_speed.py) answer exactly as moto does: the same script of
DynamoDB calls (items near the 400 KB limit, update expressions of every clause and their errors, queries, scans,
transactions) gives byte-identical responses and errors with the speed-ups and with moto's own functions put back,
and `mock_aws` registers the same callbacks in the same order."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from tests.support import moto_speed

TABLE = "speed"
LIMIT_BYTES = 405_000  # moto's item size limit


def _without_clock(value):
    """The answer without the wall-clock fields (a table's creation time differs between two runs)."""
    if isinstance(value, dict):
        return {key: _without_clock(item) for key, item in value.items() if not key.endswith("DateTime")}
    if isinstance(value, list):
        return [_without_clock(item) for item in value]
    return value


def _script(client) -> list:
    """Every response (or error code and message) of a fixed sequence of calls, in order."""
    answers: list = []

    def call(operation: str, **params) -> None:
        try:
            answer = getattr(client, operation)(**params)
            answer.pop("ResponseMetadata", None)
            answers.append(json.dumps(_without_clock(answer), sort_keys=True, default=str))
        except ClientError as error:
            answers.append((error.response["Error"]["Code"], error.response["Error"]["Message"]))

    call("create_table", TableName=TABLE, BillingMode="PAY_PER_REQUEST",
         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                               {"AttributeName": "sk", "AttributeType": "N"}],
         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    call("put_item", TableName=TABLE, Item={**key, "n": {"N": "1"}, "s": {"S": "x"}, "b": {"B": b"\x00\xff"},
                                            "ss": {"SS": ["p", "q"]}, "ns": {"NS": ["1", "2"]},
                                            "l": {"L": [{"S": "l0"}, {"N": "3"}, {"M": {"k": {"BOOL": True}}}]},
                                            "m": {"M": {"inner": {"M": {"deep": {"NULL": True}}}}}})
    for expression, names, values in [
        ("SET #s = :v, m.inner.deep = :n ADD n :one", {"#s": "s"}, {":v": {"S": "y"}, ":n": {"N": "7"},
                                                                   ":one": {"N": "1"}}),
        ("SET l = list_append(l, :more), fresh = if_not_exists(fresh, :zero)", None,
         {":more": {"L": [{"S": "l3"}]}, ":zero": {"N": "0"}}),
        ("REMOVE l[0], m.inner DELETE ss :p", None, {":p": {"SS": ["p"]}}),
        ("SET a = :v, a = :v", None, {":v": {"S": "twice"}}),  # the same path twice: refused
        ("SET pk = :v", None, {":v": {"S": "moved"}}),  # a key: refused
        ("ADD s :one", None, {":one": {"N": "1"}}),  # a string is not a number: refused
        ("SET #missing.child = :v", {"#missing": "nope"}, {":v": {"S": "x"}}),  # no such parent: refused
        ("SET big = :v", None, {":v": {"S": "x" * (LIMIT_BYTES - 100)}}),  # over the item size limit: refused
    ]:
        params = {"TableName": TABLE, "Key": key, "UpdateExpression": expression, "ReturnValues": "ALL_NEW",
                  "ExpressionAttributeValues": values}
        if names:
            params["ExpressionAttributeNames"] = names
        call("update_item", **params)
    for size in (LIMIT_BYTES - 2_000, LIMIT_BYTES + 2_000):  # one attribute just under, then over the limit
        call("put_item", TableName=TABLE, Item={"pk": {"S": "big"}, "sk": {"N": str(size)},
                                                **{f"a{i}": {"S": "z" * (size // 10)} for i in range(10)}})
    call("transact_write_items", TransactItems=[
        {"Update": {"TableName": TABLE, "Key": key, "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "5"}}}},
        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "b"}, "sk": {"N": "2"}},
                 "ConditionExpression": "attribute_not_exists(pk)"}}])
    call("get_item", TableName=TABLE, Key=key)
    call("query", TableName=TABLE, KeyConditionExpression="pk = :a", ExpressionAttributeValues={":a": {"S": "a"}})
    call("scan", TableName=TABLE)
    call("describe_table", TableName=TABLE)
    return answers


def _run(aws_client_factory) -> list:
    from moto import mock_aws

    with mock_aws():
        return _script(aws_client_factory())


def _client():
    import boto3

    return boto3.client("dynamodb", region_name="us-east-1")


def test_the_speed_ups_are_applied_to_the_pinned_moto():
    """A new moto version turns them off: this fails until they are re-read against it (and the pin moved)."""
    import moto

    assert moto.__version__ == moto_speed.MOTO_VERSION_PATCHED and len(moto_speed.ORIGINALS) == 5


def test_the_same_calls_answer_the_same_with_and_without_the_speed_ups(monkeypatch):
    sped_up = _run(_client)
    with monkeypatch.context() as originals:
        for (owner, name), original in moto_speed.ORIGINALS.items():
            originals.setattr(owner, name, original)
        moto_own = _run(_client)
    assert len(sped_up) == len(moto_own) > 15
    for index, (ours, theirs) in enumerate(zip(sped_up, moto_own, strict=True)):
        assert ours == theirs, f"call {index} differs"
    assert sum(isinstance(answer, tuple) for answer in sped_up) >= 5  # the refusals were exercised too


def test_mock_aws_registers_the_same_callbacks_in_the_same_order(monkeypatch):
    from moto import mock_aws
    from moto.core import models

    def registered() -> list[tuple[str, str, str]]:
        with mock_aws():
            return [(response.method, str(response.url), response.callback.__name__)
                    for response in models.responses_mock.registered()]

    ours = registered()
    monkeypatch.setattr(models.MockAWS, "_enable_patching",
                        moto_speed.ORIGINALS[(models.MockAWS, "_enable_patching")])
    assert ours == registered() and len(ours) > 1000
