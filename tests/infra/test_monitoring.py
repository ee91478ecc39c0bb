"""Alarms (counted per kind against the functions, DLQs and state machines the template holds: a new one without
its alarms fails here), the SNS topic they notify, the dashboard, and the deliverables bucket's versions."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from infra import buckets, chalice_stage, gateway, monitoring, video
from tests.infra.cfn import ALARM_EMAIL, STAGE, one, ref

BUSINESS_METRICS = ("OrdersPaid", "Refunds", "Disputes", "FreeClaims", "VideosReady", "VideosFailed",
                    "VideoProcessingSeconds", "AiTokens", "WebhookSignatureFailures", "RateLimitRefusals")


def alarms(template: Template) -> dict[str, dict[str, Any]]:
    found = template.find_resources("AWS::CloudWatch::Alarm")
    return {name: resource["Properties"] for name, resource in found.items()}


def watching(template: Template, namespace: str, metric: str, **dimensions: Any) -> list[dict[str, Any]]:
    """The alarms on one metric with exactly these dimensions."""
    wanted = sorted(({"Name": name, "Value": value} for name, value in dimensions.items()), key=str)
    return [alarm for alarm in alarms(template).values()
            if (alarm.get("Namespace"), alarm.get("MetricName")) == (namespace, metric)
            and sorted(alarm.get("Dimensions", []), key=str) == wanted]


def dead_letter_queues(template: Template) -> set[str]:
    """Logical ids of the queues some queue's redrive policy sends to."""
    return {queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            for queue in template.find_resources("AWS::SQS::Queue").values()
            if "RedrivePolicy" in queue["Properties"]}


def topic(template: Template) -> str:
    (name,) = template.find_resources("AWS::SNS::Topic")
    return name


def test_every_function_has_an_errors_and_a_throttles_alarm(template):
    functions = template.find_resources("AWS::Serverless::Function")
    assert len(functions) >= 6  # the API and every event handler of app.py
    for function in functions:
        for metric in ("Errors", "Throttles"):
            (alarm,) = watching(template, "AWS/Lambda", metric, FunctionName=ref(function))
            assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
                "Sum", 1, "GreaterThanOrEqualToThreshold"), (function, metric)


def test_every_dead_letter_queue_alarms_on_its_first_message(template):
    dlqs = dead_letter_queues(template)
    assert len(dlqs) == len(video.QUEUES) + 1  # every video-stack queue's, and the search indexer's
    for dlq in dlqs:
        (alarm,) = watching(template, "AWS/SQS", "ApproximateNumberOfMessagesVisible",
                            QueueName={"Fn::GetAtt": [dlq, "QueueName"]})
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")


def test_state_machine_failures_and_timeouts_alarm(template):
    machines = template.find_resources("AWS::StepFunctions::StateMachine")
    assert machines
    for machine in machines:
        for metric in ("ExecutionsFailed", "ExecutionsTimedOut"):
            assert len(watching(template, "AWS/States", metric, StateMachineArn=ref(machine))) == 1, metric


def test_api_5xx_rate_and_p99_latency_alarm(template):
    api = {"ApiName": gateway.api_name(STAGE), "Stage": chalice_stage.api_gateway_stage(STAGE)}
    (errors,) = watching(template, "AWS/ApiGateway", "5XXError", **api)
    assert errors["Statistic"] == "Average" and errors["Threshold"] == monitoring.API_5XX_RATE < 1  # a rate
    (latency,) = watching(template, "AWS/ApiGateway", "Latency", **api)
    assert latency["ExtendedStatistic"] == "p99" and latency["Threshold"] == monitoring.API_P99_MS


def test_mediaconvert_job_errors_alarm(template):
    (alarm,) = [alarm for alarm in alarms(template).values()
                if (alarm["Namespace"], alarm["MetricName"]) == ("AWS/MediaConvert", "JobsErroredCount")]
    (dimension,) = alarm["Dimensions"]
    assert dimension["Name"] == "Queue" and "queues/Default" in json.dumps(dimension["Value"])


def test_alarms_are_only_those_and_all_notify_the_one_topic(template):
    functions = template.find_resources("AWS::Serverless::Function")
    machines = template.find_resources("AWS::StepFunctions::StateMachine")
    expected = 2 * len(functions) + len(dead_letter_queues(template)) + 2 * len(machines) + 2 + 1
    found = alarms(template)
    assert len(found) == expected
    kinds = Counter((alarm["Namespace"], alarm["MetricName"]) for alarm in found.values())
    assert kinds[("AWS/Lambda", "Errors")] == kinds[("AWS/Lambda", "Throttles")] == len(functions)
    for alarm in found.values():
        assert alarm["AlarmActions"] == [ref(topic(template))]
        assert alarm["TreatMissingData"] == "notBreaching"


def test_the_deployer_email_is_subscribed_to_the_alarms(template):
    (subscription,) = template.find_resources("AWS::SNS::Subscription").values()
    assert subscription["Properties"] == {"Protocol": "email", "Endpoint": ALARM_EMAIL,
                                          "TopicArn": ref(topic(template))}


def test_no_subscription_without_the_context_value():
    stack = cdk.Stack(cdk.App(), "NoEmail")
    monitoring.alarm_topic(stack, stack.node.try_get_context("alarm_email"))
    synthesized = Template.from_stack(stack)
    synthesized.resource_count_is("AWS::SNS::Topic", 1)
    synthesized.resource_count_is("AWS::SNS::Subscription", 0)


def dashboard(template: Template) -> dict[str, Any]:
    """The dashboard's body as JSON, each CloudFormation reference in it written `Ref:<id>` / `GetAtt:<id>.<attr>`."""
    (resource,) = template.find_resources("AWS::CloudWatch::Dashboard").values()
    parts = resource["Properties"]["DashboardBody"]["Fn::Join"][1]
    return json.loads("".join(part if isinstance(part, str) else
                              f"Ref:{part['Ref']}" if "Ref" in part else "GetAtt:" + ".".join(part["Fn::GetAtt"])
                              for part in parts))


def test_one_dashboard_with_api_pipeline_payments_and_ai(template):
    widgets = dashboard(template)["widgets"]
    titles = [widget["properties"].get("markdown") for widget in widgets if widget["type"] == "text"]
    assert titles == ["## API", "## Video pipeline", "## Payments", "## AI"]
    series = [line for widget in widgets for line in widget["properties"].get("metrics", [])]
    searches = " ".join(line[0]["expression"] for line in series if "expression" in line[0])
    for metric in BUSINESS_METRICS:
        assert f'Namespace="{monitoring.NAMESPACE}" MetricName="{metric}"' in searches, metric
    plotted = {value for line in series for value in line if isinstance(value, str)}
    assert {f"Ref:{function}" for function in template.find_resources("AWS::Serverless::Function")} <= plotted
    assert {f"Ref:{machine}" for machine in template.find_resources("AWS::StepFunctions::StateMachine")} <= plotted
    assert {f"GetAtt:{dlq}.QueueName" for dlq in dead_letter_queues(template)} <= plotted
    assert {"5XXError", "Latency", "JobsErroredCount"} <= plotted


def test_deliverables_are_versioned_and_old_versions_expire(template):
    _, files = one(template, "AWS::S3::Bucket", "Files")
    props = files["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = [rule for rule in props["LifecycleConfiguration"]["Rules"] if "NoncurrentVersionExpiration" in rule]
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": buckets.FILES.noncurrent_version_days}
    assert rule["Status"] == "Enabled" and buckets.FILES.noncurrent_version_days >= 7
    # Uploads are transient and media is derived from them (re-transcodable): neither keeps versions.
    for prefix in ("VideoUploads", "VideoMedia"):
        assert "VersioningConfiguration" not in one(template, "AWS::S3::Bucket", prefix)[1]["Properties"]
