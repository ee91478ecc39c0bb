"""Search in the synthesized stack: the products stream, the pipe into the FIFO queue the indexer consumes, its DLQ,
and what the functions are told and allowed (the template is the session's one synth, `template`)."""

from __future__ import annotations

from chalicelib.config import get_settings
from chalicelib.handlers.search_index import QUEUE_PURPOSE
from infra import search


def _resources(template, kind: str) -> dict:
    return template.find_resources(kind)


def test_products_table_streams_new_and_old_images(template):
    tables = [t for t in _resources(template, "AWS::DynamoDB::Table").values()
              if t["Properties"]["TableName"].endswith("-products")]
    (table,) = tables
    assert table["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_pipe_reads_the_stream_into_the_fifo_queue_by_product(template):
    (pipe,) = _resources(template, "AWS::Pipes::Pipe").values()
    props = pipe["Properties"]
    assert "StreamArn" in str(props["Source"])
    stream = props["SourceParameters"]["DynamoDBStreamParameters"]
    assert stream["StartingPosition"] == "TRIM_HORIZON" and stream["BatchSize"] == search.BATCH_SIZE
    assert props["TargetParameters"]["SqsQueueParameters"] == {
        "MessageGroupId": "$.dynamodb.Keys.product_id.S", "MessageDeduplicationId": "$.eventID"}
    name = get_settings().queue_name(QUEUE_PURPOSE)
    queues = {q["Properties"]["QueueName"]: q["Properties"] for q in _resources(template, "AWS::SQS::Queue").values()}
    assert queues[name]["FifoQueue"] is True and queues[search.dlq_name(name)]["FifoQueue"] is True
    assert "RedrivePolicy" in queues[name]


def test_the_indexer_listens_on_the_queue_and_functions_know_weaviate(template):
    name = get_settings().queue_name(QUEUE_PURPOSE)
    functions = _resources(template, "AWS::Serverless::Function")
    indexer = functions["IndexProducts"]["Properties"]
    (event,) = indexer["Events"].values()
    assert event["Type"] == "SQS" and event["Properties"]["Queue"]["Fn::Sub"].endswith(f":{name}")
    api = functions["APIHandler"]
    env = api["Properties"]["Environment"]["Variables"]
    assert env["SEARCH_ENGINE"] == "weaviate" and "WEAVIATE_SECRET_ID" in env and "WEAVIATE_URL" in env
