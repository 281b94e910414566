"""`make package`: the deployable template of one stage, built offline.

`chalice package` writes the functions, roles and API (SAM). Chalice's
decorators cannot say how an event source handles failure, and they only take
literal ARNs, so this script post-processes its template instead of using
`--merge-template` (a deep merge cannot replace an `Fn::Sub` queue ARN, nor
add a statement to each role):

- merges infra/resources.yaml (parameters and resources);
- points every event source whose placeholder ARN ends in a resource's
  LocalName at that resource (`Fn::GetAtt`), and fails on one that matches
  nothing;
- gives every DynamoDB stream source partial batch responses, bounded retries,
  bisecting, a maximum record age and the on-failure queue; every SQS source
  partial batch responses, after checking its queue has a DLQ with bounded
  receives and a visibility timeout of at least six function timeouts;
- adds to each function's role what its triggers need (stream reads, queue
  receives, the failure destination) plus logs and tracing, and to each
  function the resource names (Metadata.Leadflow.EnvVar / DeployEnvVar);
- adds alarms: errors and throttles per function, iterator age per stream
  consumer, depth of every dead-letter or failure queue.

Writes build/<stage>/template.json next to Chalice's deployment.zip.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "infra" / "resources.yaml"

FUNCTION = "AWS::Serverless::Function"
QUEUE = "AWS::SQS::Queue"
TABLE = "AWS::DynamoDB::Table"
FAILURE_QUEUE = "StreamFailureQueue"
ALARM_TOPIC = "AlarmTopic"

STREAM_FAILURE_HANDLING = {
    "FunctionResponseTypes": ["ReportBatchItemFailures"],
    # a poison record is retried a few times, then reported to the failure
    # queue, instead of blocking its shard for the stream's 24 hours
    "MaximumRetryAttempts": 5,
    "BisectBatchOnFunctionError": True,
    "MaximumRecordAgeInSeconds": 6 * 3600,
}
MIN_RECEIVES, MAX_RECEIVES = 5, 10
VISIBILITY_PER_TIMEOUT = 6
ITERATOR_AGE_ALARM_MS = 5 * 60 * 1000

# Chalice-generated resources: findings accepted with a reason (checkov reads
# Metadata.checkov.skip; the SAM transform carries it to the Lambda function).
FUNCTION_SKIPS = [
    (
        "CKV_AWS_116",
        "Invoked synchronously (API Gateway) or by event source mappings, whose failures go to the "
        "queue's DLQ or the stream's on-failure queue; a function DLQ only catches async invokes.",
    ),
    (
        "CKV_AWS_117",
        "Talks only to AWS APIs (DynamoDB, SQS, SES, Secrets Manager); a VPC would add NAT cost and "
        "cold-start latency and protect nothing.",
    ),
    (
        "CKV_AWS_115",
        "Reserved concurrency takes capacity from the account pool (new accounts have 10 in all and "
        "reject any reservation); throttle and error alarms watch instead.",
    ),
    ("CKV_AWS_173", "The environment holds resource names only; key material lives in Secrets Manager."),
]
API_SKIPS = [
    ("CKV_AWS_120", "Responses are per person and per request (forms, confirmations); caching would be wrong."),
    (
        "CKV_AWS_59",
        "The public routes (forms, confirmation, unsubscribe, tracking) are public by design; the admin "
        "routes use the admin_token authorizer.",
    ),
    (
        "CKV_AWS_76",
        "Lambda logs every request already; API access logs would need an account-wide CloudWatch role "
        "that a stack should not set.",
    ),
]

QUEUE_SSE_SKIP = (
    "CKV_AWS_27",
    "Encrypted at rest with SQS-managed keys (SqsManagedSseEnabled), which this check "
    "does not recognise; a KMS key would need grants for SNS and every consumer.",
)


class PackagingError(RuntimeError):
    pass


def chalice_package(stage: str, out_dir: Path, region: str) -> dict[str, Any]:
    env = {**os.environ, "AWS_DEFAULT_REGION": region}
    subprocess.run(
        [str(Path(sys.executable).with_name("chalice")), "package", "--stage", stage, str(out_dir)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return json.loads((out_dir / "sam.json").read_text())


def build(chalice_template: dict[str, Any], infra: dict[str, Any]) -> dict[str, Any]:
    template = copy.deepcopy(chalice_template)
    resources = template["Resources"]
    clash = set(resources) & set(infra["Resources"])
    if clash:
        raise PackagingError(f"logical ids defined by both Chalice and infra/resources.yaml: {sorted(clash)}")
    resources.update(copy.deepcopy(infra["Resources"]))
    template["Parameters"] = {**template.get("Parameters", {}), **infra.get("Parameters", {})}
    by_local_name = _by_local_name(resources)
    environment = _environment(resources)
    alarms: dict[str, Any] = {}
    functions = [(lid, r) for lid, r in list(resources.items()) if r["Type"] == FUNCTION]
    for lid, function in functions:
        props = function["Properties"]
        props.setdefault("Environment", {}).setdefault("Variables", {}).update(environment)
        statements = _baseline_statements(props)
        for name, event in props.get("Events", {}).items():
            if event["Type"] == "DynamoDB":
                statements += _wire_stream(lid, name, event["Properties"], by_local_name)
                alarms[f"{lid}IteratorAgeAlarm"] = _alarm(
                    f"{lid}: stream records wait longer than 5 minutes",
                    "AWS/Lambda",
                    "IteratorAge",
                    {"FunctionName": {"Ref": lid}},
                    ITERATOR_AGE_ALARM_MS,
                    "Maximum",
                )
            elif event["Type"] == "SQS":
                statements += _wire_queue(lid, name, event["Properties"], props, resources, by_local_name)
        _role_document(resources, props)["Statement"].extend(statements)
        function["Metadata"] = _skips(function, FUNCTION_SKIPS)
        for metric in ("Errors", "Throttles"):
            alarms[f"{lid}{metric}Alarm"] = _alarm(
                f"{lid}: {metric.lower()}", "AWS/Lambda", metric, {"FunctionName": {"Ref": lid}}, 0, "Sum"
            )
    for lid in _dead_letter_queues(resources):
        alarms[f"{lid}DepthAlarm"] = _alarm(
            f"{lid}: messages waiting (redrive or inspect)",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": {"Fn::GetAtt": [lid, "QueueName"]}},
            0,
            "Maximum",
        )
    for resource in resources.values():
        if resource["Type"] == "AWS::Serverless::Api":
            resource["Properties"]["TracingEnabled"] = True
            resource["Metadata"] = _skips(resource, API_SKIPS)
        elif resource["Type"] == QUEUE and resource["Properties"].get("SqsManagedSseEnabled"):
            resource["Metadata"] = _skips(resource, [QUEUE_SSE_SKIP])
    resources.update(alarms)
    return template


def _by_local_name(resources: dict[str, Any]) -> dict[tuple[str, str], str]:
    found = {}
    for lid, resource in resources.items():
        local = resource.get("Metadata", {}).get("Leadflow", {}).get("LocalName")
        if local:
            found[(resource["Type"], local)] = lid
    return found


def _environment(resources: dict[str, Any]) -> dict[str, Any]:
    """EnvVar -> the deployed resource's name (a queue's QueueName, otherwise
    Ref: a table's or configuration set's name, a topic's or secret's ARN)."""
    env = {}
    for lid, resource in resources.items():
        meta = resource.get("Metadata", {}).get("Leadflow", {})
        for key in ("EnvVar", "DeployEnvVar"):
            if key in meta:
                env[meta[key]] = {"Fn::GetAtt": [lid, "QueueName"]} if resource["Type"] == QUEUE else {"Ref": lid}
    return env


def _source_name(arn: Any) -> str:
    """The LocalName a placeholder ARN points at (`queue=` gives an Fn::Sub)."""
    text = arn.get("Fn::Sub", "") if isinstance(arn, dict) else arn
    if not isinstance(text, str):
        return ""
    stream = re.search(r":table/([^/]+)/stream/", text)
    return stream.group(1) if stream else text.rsplit(":", 1)[-1]


def _resolve(kind: str, arn: Any, function: str, event: str, by_local_name) -> str:
    name = _source_name(arn)
    lid = by_local_name.get((kind, name))
    if lid is None:
        raise PackagingError(
            f"{function}.{event}: source {arn!r} names {name!r}, but no {kind} in "
            "infra/resources.yaml has that Metadata.Leadflow.LocalName"
        )
    return lid


def _wire_stream(function: str, event: str, props: dict[str, Any], by_local_name) -> list[dict]:
    table = _resolve(TABLE, props["Stream"], function, event, by_local_name)
    stream_arn = {"Fn::GetAtt": [table, "StreamArn"]}
    failures = {"Fn::GetAtt": [FAILURE_QUEUE, "Arn"]}
    props["Stream"] = stream_arn
    props.update(copy.deepcopy(STREAM_FAILURE_HANDLING))
    props["DestinationConfig"] = {"OnFailure": {"Type": "SQS", "Destination": failures}}
    return [
        _statement(
            f"{event}Read",
            ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            [stream_arn],
        ),
        _statement(f"{event}List", ["dynamodb:ListStreams"], [{"Fn::Sub": f"${{{table}.Arn}}/stream/*"}]),
        _statement(f"{event}OnFailure", ["sqs:SendMessage"], [failures]),
    ]


def _wire_queue(
    function: str,
    event: str,
    props: dict[str, Any],
    function_props: dict[str, Any],
    resources: dict[str, Any],
    by_local_name,
) -> list[dict]:
    lid = _resolve(QUEUE, props["Queue"], function, event, by_local_name)
    queue = resources[lid]["Properties"]
    redrive = queue.get("RedrivePolicy") or {}
    if not redrive.get("deadLetterTargetArn") or not MIN_RECEIVES <= redrive.get("maxReceiveCount", 0) <= MAX_RECEIVES:
        raise PackagingError(
            f"{function}.{event}: queue {lid} needs a RedrivePolicy to a DLQ with "
            f"maxReceiveCount between {MIN_RECEIVES} and {MAX_RECEIVES}"
        )
    timeout = function_props.get("Timeout", 3)
    if queue.get("VisibilityTimeout", 30) < VISIBILITY_PER_TIMEOUT * timeout:
        raise PackagingError(
            f"{function}.{event}: queue {lid} VisibilityTimeout must be at least "
            f"{VISIBILITY_PER_TIMEOUT} x the function timeout ({timeout} s)"
        )
    arn = {"Fn::GetAtt": [lid, "Arn"]}
    props["Queue"] = arn
    props["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
    return [
        _statement(
            f"{event}Receive",
            ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
            [arn],
        )
    ]


def _baseline_statements(props: dict[str, Any]) -> list[dict]:
    statements = [
        _statement(
            "Logs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            [{"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/*"}],
        )
    ]
    if props.get("Tracing") == "Active":
        # X-Ray has no resource-level permissions for these two actions
        statements.append(_statement("Tracing", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]))
    return statements


def _role_document(resources: dict[str, Any], function_props: dict[str, Any]) -> dict[str, Any]:
    role = function_props["Role"]["Fn::GetAtt"][0]
    return resources[role]["Properties"]["Policies"][0]["PolicyDocument"]


def _dead_letter_queues(resources: dict[str, Any]) -> list[str]:
    targets = {FAILURE_QUEUE}
    for resource in resources.values():
        if resource["Type"] == QUEUE:
            target = resource["Properties"].get("RedrivePolicy", {}).get("deadLetterTargetArn")
            if target:
                targets.add(target["Fn::GetAtt"][0])
    return sorted(targets)


def _statement(sid: str, actions: list[str], resources: list[Any]) -> dict[str, Any]:
    return {"Sid": re.sub(r"[^A-Za-z0-9]", "", sid), "Effect": "Allow", "Action": actions, "Resource": resources}


def _alarm(
    description: str, namespace: str, metric: str, dimensions: dict[str, Any], threshold: float, statistic: str
) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            "Statistic": statistic,
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": ALARM_TOPIC}],
        },
    }


def _skips(resource: dict[str, Any], skips: list[tuple[str, str]]) -> dict[str, Any]:
    metadata = dict(resource.get("Metadata", {}))
    known = metadata.get("checkov", {}).get("skip", [])
    metadata["checkov"] = {"skip": known + [{"id": check, "comment": why} for check, why in skips]}
    return metadata


def load_infra() -> dict[str, Any]:
    return yaml.safe_load(RESOURCES.read_text())


def package(stage: str, out_dir: Path, region: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    template = build(chalice_package(stage, out_dir, region), load_infra())
    target = out_dir / "template.json"
    target.write_text(json.dumps(template, indent=2) + "\n")
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION") or "eu-central-1")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    try:
        print(package(args.stage, args.out or ROOT / "build" / args.stage, args.region))
    except PackagingError as problem:
        print(f"package: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
