"""The emulator behaves like DynamoDB where the product depends on it (local/moto_fixes.py): transactions are
all or nothing with every condition checked first, roll back only the items they touched (no table copies), and
concurrent clients of the server never see or double-apply half a transaction."""

from __future__ import annotations

import threading

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local import moto_fixes

TABLE = "fixes"


def _client(endpoint: str | None = None):
    return boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint)


def _create(client) -> None:
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})


def _put(pk: str, **extra) -> dict:
    return {"Put": {"TableName": TABLE, "Item": {"pk": {"S": pk}, **extra}}}


def _get(client, pk: str) -> dict | None:
    return client.get_item(TableName=TABLE, Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")


@pytest.fixture
def dynamodb(monkeypatch):
    moto_fixes.isolate_dynamodb(monkeypatch.setattr)
    with mock_aws():
        client = _client()
        _create(client)
        yield client


def _reasons(error: ClientError) -> list[str]:
    return [reason["Code"] for reason in error.response["CancellationReasons"]]


def test_a_failed_condition_writes_nothing_and_names_the_item(dynamodb):
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "taken"}, "n": {"N": "1"}})
    with pytest.raises(ClientError) as caught:
        dynamodb.transact_write_items(TransactItems=[
            _put("new"),
            {"Update": {"TableName": TABLE, "Key": {"pk": {"S": "counter"}}, "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "taken"}, "n": {"N": "9"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    assert _reasons(caught.value) == ["None", "None", "ConditionalCheckFailed"]
    assert _get(dynamodb, "new") is None and _get(dynamodb, "counter") is None
    assert _get(dynamodb, "taken")["n"] == {"N": "1"}


def test_a_write_that_fails_midway_restores_every_item_it_touched(dynamodb):
    """The third item ADDs a string (invalid): the first two (a new item and an update) are put back, and the
    table's stream never shows the rolled-back writes."""
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "old"}, "n": {"N": "1"}, "s": {"S": "text"}})
    stream = dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(TransactItems=[
            _put("new"),
            {"Update": {"TableName": TABLE, "Key": {"pk": {"S": "old"}}, "UpdateExpression": "SET n = :two",
                        "ExpressionAttributeValues": {":two": {"N": "2"}}}},
            {"Update": {"TableName": TABLE, "Key": {"pk": {"S": "other"}}, "UpdateExpression": "ADD s :text",
                        "ExpressionAttributeValues": {":text": {"S": "x"}}}},
        ])
    assert _get(dynamodb, "new") is None
    assert _get(dynamodb, "old")["n"] == {"N": "1"}
    streams = boto3.client("dynamodbstreams", region_name="us-east-1")
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert [r["eventName"] for r in streams.get_records(ShardIterator=iterator)["Records"]] == ["INSERT"]


def test_a_transaction_never_copies_a_table(dynamodb, monkeypatch):
    """moto deep-copied every touched table per transaction: slow and leaking as tables grow."""
    import moto.dynamodb.models as models
    from moto.dynamodb.models.table import Table

    real = models.copy.deepcopy

    def deepcopy(value, *args):
        assert not isinstance(value, Table), "a whole table was copied"
        return real(value, *args)

    monkeypatch.setattr(models.copy, "deepcopy", deepcopy)
    for n in range(50):
        dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": f"item-{n}"}})
    dynamodb.transact_write_items(TransactItems=[_put("one"), _put("two")])
    assert _get(dynamodb, "two") is not None


def test_concurrent_conditional_transactions_against_the_server_apply_once_each(monkeypatch):
    """32 threads race to claim 8 slots (a conditional put plus a counter, in one transaction): each slot is
    claimed once and the counter equals the number of successful claims."""
    from moto.server import ThreadedMotoServer

    from tests.support.emulator import free_port

    moto_fixes.isolate_dynamodb(monkeypatch.setattr)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        client = _client(f"http://127.0.0.1:{port}")
        _create(client)
        won: list[str] = []

        def claim(worker: int) -> None:
            slot = f"slot-{worker % 8}"
            try:
                client.transact_write_items(TransactItems=[
                    {"Put": {"TableName": TABLE, "Item": {"pk": {"S": slot}, "by": {"N": str(worker)}},
                             "ConditionExpression": "attribute_not_exists(pk)"}},
                    {"Update": {"TableName": TABLE, "Key": {"pk": {"S": "counter"}}, "UpdateExpression": "ADD n :one",
                                "ExpressionAttributeValues": {":one": {"N": "1"}}}},
                ])
                won.append(slot)
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "TransactionCanceledException"

        threads = [threading.Thread(target=claim, args=(n,)) for n in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(won) == sorted(f"slot-{n}" for n in range(8))
        assert _get(client, "counter")["n"] == {"N": "8"}
    finally:
        server.stop()
