"""Search in the synthesized stack: the products stream, the pipe into the FIFO queue the indexer consumes, its DLQ,
and what the functions are told and allowed (the template is the session's one synth, `template`)."""

from __future__ import annotations

from chalicelib.config import get_settings
from chalicelib.handlers.search_index import QUEUE_PURPOSE
from infra import search


def _resources(template, kind: str) -> dict:
    return template.find_resources(kind)


def _sources(template) -> dict[str, tuple[str, dict]]:
    """Logical id → (source table suffix, properties) of the search's source tables."""
    found = {}
    for logical_id, table in _resources(template, "AWS::DynamoDB::Table").items():
        name = table["Properties"]["TableName"]
        suffix = next((s for s in search.SOURCE_TABLES if name.endswith(f"-{s}")), None)
        if suffix:
            found[logical_id] = (suffix, table["Properties"])
    return found


def test_source_tables_stream_new_and_old_images(template):
    sources = _sources(template).values()
    assert sorted(suffix for suffix, _ in sources) == ["product-files", "products"]
    for suffix, props in sources:
        assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}, suffix


def test_a_pipe_per_source_reads_its_stream_into_the_fifo_queue_by_product(template):
    tables = {logical_id: suffix for logical_id, (suffix, _) in _sources(template).items()}
    sources = []
    for pipe in _resources(template, "AWS::Pipes::Pipe").values():
        props = pipe["Properties"]
        (logical_id, attribute) = props["Source"]["Fn::GetAtt"]
        assert attribute == "StreamArn"
        sources.append(tables[logical_id])
        stream = props["SourceParameters"]["DynamoDBStreamParameters"]
        assert stream["StartingPosition"] == "TRIM_HORIZON" and stream["BatchSize"] == search.BATCH_SIZE
        assert props["TargetParameters"]["SqsQueueParameters"] == {
            "MessageGroupId": "$.dynamodb.Keys.product_id.S", "MessageDeduplicationId": "$.eventID"}
    assert sorted(sources) == sorted(search.SOURCE_TABLES) == ["product-files", "products"]
    name = get_settings().queue_name(QUEUE_PURPOSE)
    queues = {q["Properties"]["QueueName"]: q["Properties"] for q in _resources(template, "AWS::SQS::Queue").values()}
    assert queues[name]["FifoQueue"] is True and queues[search.dlq_name(name)]["FifoQueue"] is True
    assert "RedrivePolicy" in queues[name]


def test_the_indexer_listens_on_the_queue_and_functions_know_weaviate(template):
    name = get_settings().queue_name(QUEUE_PURPOSE)
    functions = _resources(template, "AWS::Serverless::Function")
    indexer = functions["IndexProducts"]["Properties"]
    assert (indexer["Timeout"], indexer["MemorySize"]) == (300, 1024)  # it extracts files' text and embeds it
    (event,) = indexer["Events"].values()
    assert event["Type"] == "SQS" and event["Properties"]["Queue"]["Fn::Sub"].endswith(f":{name}")
    api = functions["APIHandler"]
    env = api["Properties"]["Environment"]["Variables"]
    assert env["SEARCH_ENGINE"] == "weaviate" and "WEAVIATE_SECRET_ID" in env and "WEAVIATE_URL" in env
