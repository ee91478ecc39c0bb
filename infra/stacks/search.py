"""Search in AWS: the source tables' streams → EventBridge pipes → the FIFO queue the indexer consumes, the
Weaviate API key's secret, and what the app needs to reach Weaviate and embed with Bedrock (`infra/search.py` has
the plain definitions the local runtime shares). Weaviate itself is not deployed here: its URL comes from the
`weaviate_url` context value (Weaviate Cloud or a self-hosted cluster); without it search answers 503."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_pipes as pipes
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from chalicelib.config import Settings
from infra import search


class Search(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, settings: Settings,
                 source_tables: dict[str, dynamodb.Table], weaviate_url: str) -> None:
        """`source_tables`: `infra.search.SOURCE_TABLES` suffix → its table (products, product-files)."""
        super().__init__(scope, construct_id)
        self.settings, self.weaviate_url = settings, weaviate_url
        name = settings.queue_name(search.QUEUE.purpose)
        dlq = sqs.Queue(self, "search-index-dlq", queue_name=search.dlq_name(name), fifo=True,
                        retention_period=cdk.Duration.seconds(search.QUEUE.dlq_retention_seconds),
                        encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True)
        self.queue = sqs.Queue(self, "search-index", queue_name=name, fifo=True,
                               visibility_timeout=cdk.Duration.seconds(search.QUEUE.visibility_timeout_seconds),
                               retention_period=cdk.Duration.seconds(search.QUEUE.retention_seconds),
                               encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                               dead_letter_queue=sqs.DeadLetterQueue(
                                   queue=dlq, max_receive_count=search.QUEUE.max_receive_count))
        self.queues_by_name = {name: self.queue}
        role = iam.Role(self, "PipeRole", assumed_by=iam.ServicePrincipal("pipes.amazonaws.com"),
                        description="Reads the search's source streams, sends their records to the search-index queue")
        self.queue.grant_send_messages(role)
        for suffix in search.SOURCE_TABLES:
            table = source_tables[suffix]
            table.grant_stream_read(role)
            pipe = pipes.CfnPipe(
                self, f"{_camel(suffix)}ToIndex", name=f"{settings.table_prefix}-{suffix}-search",
                role_arn=role.role_arn, source=table.table_stream_arn, target=self.queue.queue_arn,
                source_parameters=pipes.CfnPipe.PipeSourceParametersProperty(
                    dynamo_db_stream_parameters=pipes.CfnPipe.PipeSourceDynamoDBStreamParametersProperty(
                        starting_position=search.STARTING_POSITION, batch_size=search.BATCH_SIZE)),
                target_parameters=pipes.CfnPipe.PipeTargetParametersProperty(
                    sqs_queue_parameters=pipes.CfnPipe.PipeTargetSqsQueueParametersProperty(
                        message_group_id=search.MESSAGE_GROUP_ID, message_deduplication_id=search.DEDUPLICATION_ID)))
            pipe.node.add_dependency(role)  # its policy must exist before the pipe starts reading
        self.api_key = secretsmanager.Secret(
            self, "WeaviateApiKey", description="Weaviate API key (set it with the cluster's key before go-live)",
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True))

    def environment(self) -> dict[str, str]:
        return {"SEARCH_ENGINE": "weaviate", "WEAVIATE_URL": self.weaviate_url,
                "WEAVIATE_SECRET_ID": self.api_key.secret_arn}

    def grant_app(self, role: iam.IRole) -> None:
        """The indexer consumes the queue (Bedrock, for the embeddings: the stack's one InvokeModel statement)."""
        self.queue.grant_consume_messages(role)


def _camel(suffix: str) -> str:
    """`product-files` → `ProductFiles` (construct ids; the products pipe keeps its id `ProductsToIndex`)."""
    return "".join(part.capitalize() for part in suffix.split("-"))
