"""Alarms and the dashboard of a stage: what an operator is woken for, and where they look first.

Alarms, all to one SNS topic (`Monitoring/Alarms`; an email subscription when the `alarm_email` context value is
set, none otherwise — subscribe anything else to the topic by hand):
- every dead-letter queue of the stack holding a message (a poison message stopped a flow);
- every state machine's executions failed or timed out (a video that will not become ready);
- every Lambda function of the app: errors, throttles (by function name: the stack's own functions, or the names
  `chalice deploy` will give them when the stack is built with `-c functions=chalice`);
- the API: 5xx rate and p99 latency over the stage;
- MediaConvert jobs in error (the account's Default queue, where the transcoder submits).

The dashboard has four rows: API, video pipeline, payments, AI. The business figures are the app's EMF metrics
(namespace `CreatorMarketplace`, Powertools Metrics): they are drawn with SEARCH expressions by metric name, so
they show whatever dimensions Powertools adds (its `service` dimension, `feature` on AiTokens).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

NAMESPACE = "CreatorMarketplace"  # the app's Powertools Metrics namespace
PERIOD = cdk.Duration.minutes(5)
API_5XX_RATE = 0.01  # share of requests answered 5xx over a period
API_P99_MS = 3000
PAYMENTS = ("OrdersPaid", "FreeClaims", "Refunds", "Disputes")
PIPELINE = ("VideosReady", "VideosFailed")


def business(metric_name: str, statistic: str = "Sum") -> cloudwatch.MathExpression:
    """Every series of one of the app's EMF metrics, whatever its dimensions."""
    return cloudwatch.MathExpression(
        expression=f"SEARCH('Namespace=\"{NAMESPACE}\" MetricName=\"{metric_name}\"', '{statistic}', "
                   f"{int(PERIOD.to_seconds())})",
        label=metric_name, using_metrics={}, period=PERIOD)


def alarm_topic(scope: Construct, email: str | None) -> sns.Topic:
    """The one topic every alarm notifies; the deployer's address subscribed when given (it must confirm it)."""
    topic = sns.Topic(scope, "Alarms", display_name="creator-marketplace alarms", enforce_ssl=True)
    if email:
        topic.add_subscription(subscriptions.EmailSubscription(email))
    return topic


class Monitoring(Construct):
    """Built last in the stack: it alarms on every DLQ and state machine the stack holds and on the functions given
    (label, i.e. the logical id `chalice package` gives the function → its FunctionName, a reference or a literal)."""

    def __init__(self, scope: Construct, construct_id: str, *, functions: Mapping[str, str],
                 api_name: str, api_stage: str, alarm_email: str | None) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.topic = alarm_topic(self, alarm_email)
        self._prefix = stack.stack_name
        constructs = stack.node.find_all()
        dlqs = sorted({queue.dead_letter_queue.queue for queue in constructs
                       if isinstance(queue, sqs.Queue) and queue.dead_letter_queue}, key=lambda queue: queue.node.path)
        machines = [machine for machine in constructs if isinstance(machine, sfn.StateMachine)]
        api = {"ApiName": api_name, "Stage": api_stage}

        for dlq in dlqs:
            self._alarm(f"Dlq-{dlq.node.id}", "messages in a dead-letter queue",
                        dlq.metric_approximate_number_of_messages_visible(statistic="Maximum", period=PERIOD),
                        threshold=1)
        for machine in machines:
            self._alarm(f"Failed-{machine.node.id}", "state machine executions failed",
                        machine.metric_failed(period=PERIOD), threshold=1)
            self._alarm(f"TimedOut-{machine.node.id}", "state machine executions timed out",
                        machine.metric_timed_out(period=PERIOD), threshold=1)
        for label, function_name in functions.items():
            for metric_name in ("Errors", "Throttles"):
                self._alarm(f"{metric_name}-{label}", f"Lambda {metric_name.lower()}",
                            lambda_metric(function_name, metric_name), threshold=1)
        self._alarm("Api5xxRate", f"API answers 5xx to more than {API_5XX_RATE:.0%} of requests",
                    api_metric("5XXError", api, "Average"), threshold=API_5XX_RATE, periods=3, datapoints=2,
                    comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD)
        self._alarm("ApiLatencyP99", f"API p99 latency above {API_P99_MS} ms",
                    api_metric("Latency", api, "p99"), threshold=API_P99_MS, periods=3, datapoints=2,
                    comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD)
        self._alarm("MediaConvertErrors", "MediaConvert jobs in error", mediaconvert_metric(stack, "JobsErroredCount"),
                    threshold=1)

        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=stack.stack_name, default_interval=cdk.Duration.hours(24),
            widgets=[*_api_row(api, functions), *_pipeline_row(stack, machines, dlqs), *_payments_row(),
                     *_ai_row()])

    def _alarm(self, construct_id: str, what: str, metric: cloudwatch.IMetric, *, threshold: float, periods: int = 1,
               datapoints: int = 1,
               comparison: cloudwatch.ComparisonOperator = (
                   cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)) -> None:
        alarm = cloudwatch.Alarm(
            self, construct_id, metric=metric, threshold=threshold, evaluation_periods=periods,
            datapoints_to_alarm=datapoints, comparison_operator=comparison,
            alarm_name=f"{self._prefix}-{construct_id}", alarm_description=what,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING)  # no traffic is not an incident
        alarm.add_alarm_action(actions.SnsAction(self.topic))


def lambda_metric(function_name: str, metric_name: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(namespace="AWS/Lambda", metric_name=metric_name, statistic="Sum", period=PERIOD,
                             dimensions_map={"FunctionName": function_name})


def api_metric(metric_name: str, api: dict[str, str], statistic: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(namespace="AWS/ApiGateway", metric_name=metric_name, dimensions_map=api,
                             statistic=statistic, period=PERIOD)


def mediaconvert_metric(stack: cdk.Stack, metric_name: str) -> cloudwatch.Metric:
    """A metric of the account's Default MediaConvert queue (the transcoder names no other)."""
    queue = stack.format_arn(service="mediaconvert", resource="queues", resource_name="Default",
                             arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME)
    return cloudwatch.Metric(namespace="AWS/MediaConvert", metric_name=metric_name, statistic="Sum", period=PERIOD,
                             dimensions_map={"Queue": queue})


def _row(title: str, *widgets: cloudwatch.IWidget) -> list[list[cloudwatch.IWidget]]:
    """A titled row of the dashboard (two of its rows: the title, the graphs)."""
    return [[cloudwatch.TextWidget(markdown=f"## {title}", width=24, height=1)], list(widgets)]


def _graph(title: str, metrics: Sequence[cloudwatch.IMetric], width: int = 8) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(metrics), width=width, height=6)


def _api_row(api: dict[str, str], functions: Mapping[str, str]) -> list[list[cloudwatch.IWidget]]:
    return _row(
        "API",
        _graph("Requests and errors", [api_metric("Count", api, "Sum"), api_metric("4XXError", api, "Sum"),
                                       api_metric("5XXError", api, "Sum")], width=6),
        _graph("Latency (ms)", [api_metric("Latency", api, "p50"), api_metric("Latency", api, "p99")], width=6),
        _graph("Lambda errors and throttles", [lambda_metric(function_name, name).with_(label=f"{label} {name}")
                                               for label, function_name in functions.items()
                                               for name in ("Errors", "Throttles")], width=6),
        _graph("Rate-limit refusals", [business("RateLimitRefusals")], width=6))


def _pipeline_row(stack: cdk.Stack, machines: Sequence[sfn.StateMachine],
                  dlqs: Sequence[sqs.IQueue]) -> list[list[cloudwatch.IWidget]]:
    executions = [metric for machine in machines for metric in (
        machine.metric_started(period=PERIOD), machine.metric_succeeded(period=PERIOD),
        machine.metric_failed(period=PERIOD), machine.metric_timed_out(period=PERIOD))]
    return _row(
        "Video pipeline",
        _graph("Videos ready / failed", [business(name) for name in PIPELINE], width=5),
        _graph("Processing seconds (p50, p90)", [business("VideoProcessingSeconds", "p50"),
                                                 business("VideoProcessingSeconds", "p90")], width=5),
        _graph("Executions", executions, width=5),
        _graph("MediaConvert jobs", [mediaconvert_metric(stack, "JobsCompletedCount"),
                                     mediaconvert_metric(stack, "JobsErroredCount")], width=5),
        _graph("Dead-letter queues", [dlq.metric_approximate_number_of_messages_visible(
            statistic="Maximum", period=PERIOD, label=dlq.node.id) for dlq in dlqs], width=4))


def _payments_row() -> list[list[cloudwatch.IWidget]]:
    return _row("Payments", _graph("Orders, claims, refunds, disputes", [business(name) for name in PAYMENTS],
                                   width=16),
                _graph("Webhook signature failures", [business("WebhookSignatureFailures")]))


def _ai_row() -> list[list[cloudwatch.IWidget]]:
    return _row("AI", _graph("Tokens by feature", [business("AiTokens")], width=24))
