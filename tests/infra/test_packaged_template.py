"""The deployable template, checked as CI would deploy it: packaged once per
session (`chalice package` + infra/package.py), expanded by the SAM
translator, linted by cfn-lint, scanned by checkov, and then every event
source mapping and IAM statement that exists at packaging time is checked.

The tools run from .venv-tools (`make test` builds it from
requirements-tools.txt): their pins clash with the app's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.package import FAILURE_QUEUE, PackagingError, build, load_infra

ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(os.environ.get("LEADFLOW_TOOLS_VENV", ROOT / ".venv-tools")) / "bin"
DATA_SERVICES = ("dynamodb", "sqs", "ses", "sns", "ssm", "secretsmanager")
# read-only calls that have no resource type, so IAM grants them only on "*"
ACCOUNT_READS = {"ses:GetAccount"}


def tool(name: str) -> str:
    path = TOOLS / name
    assert path.exists(), f"{path} missing: run `make test` (it builds .venv-tools from requirements-tools.txt)"
    return str(path)


@pytest.fixture(scope="session")
def packaged(tmp_path_factory):
    out = tmp_path_factory.mktemp("package")
    subprocess.run(
        [sys.executable, "-m", "infra.package", "--stage", "dev", "--out", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            tool("python"),
            str(ROOT / "infra" / "sam_transform.py"),
            str(out / "template.json"),
            str(out / "transformed.json"),
        ],
        check=True,
    )
    return out


@pytest.fixture(scope="session")
def sam(packaged):
    return json.loads((packaged / "template.json").read_text())


@pytest.fixture(scope="session")
def cfn(packaged):
    return json.loads((packaged / "transformed.json").read_text())


def of_type(template, kind):
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == kind}


def test_cfn_lint_is_clean_on_the_sam_and_the_expanded_template(packaged):
    result = subprocess.run(
        [tool("cfn-lint"), str(packaged / "template.json"), str(packaged / "transformed.json")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_finds_nothing_that_is_not_suppressed_with_a_reason(packaged, cfn):
    # checkov without a platform key knows no severities: every failed check
    # counts, and each suppression in the template must carry its reason
    result = subprocess.run(
        [
            tool("checkov"),
            "-f",
            str(packaged / "transformed.json"),
            "--framework",
            "cloudformation",
            "--skip-download",
            "-o",
            "json",
            "--quiet",
        ],
        capture_output=True,
        text=True,
    )
    report = json.loads(result.stdout)
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == []
    for lid, resource in cfn["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert len(skip.get("comment", "")) > 20, f"{lid}: {skip['id']} suppressed without a reason"


def test_every_event_source_mapping_reports_partial_batches_and_bounds_its_retries(cfn):
    mappings = of_type(cfn, "AWS::Lambda::EventSourceMapping")
    functions = of_type(cfn, "AWS::Lambda::Function")
    assert mappings, "no event source mapping packaged: the stream consumer is missing"
    for lid, mapping in mappings.items():
        props = mapping["Properties"]
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"], lid
        source, attribute = props["EventSourceArn"]["Fn::GetAtt"]
        if attribute == "StreamArn":
            assert 0 <= props["MaximumRetryAttempts"] <= 10, lid
            assert props["BisectBatchOnFunctionError"] is True, lid
            assert 60 <= props["MaximumRecordAgeInSeconds"] <= 24 * 3600, lid
            assert props["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": [FAILURE_QUEUE, "Arn"]}
        else:
            queue = cfn["Resources"][source]
            assert queue["Type"] == "AWS::SQS::Queue", lid
            redrive = queue["Properties"]["RedrivePolicy"]
            assert 5 <= redrive["maxReceiveCount"] <= 10, lid
            assert redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] in cfn["Resources"], lid
            timeout = functions[props["FunctionName"]["Ref"]]["Properties"]["Timeout"]
            assert queue["Properties"]["VisibilityTimeout"] >= 6 * timeout, lid


@pytest.mark.parametrize("kind", ["AWS::DynamoDB::Table", "AWS::SecretsManager::Secret"])
def test_no_stack_operation_deletes_the_table_or_the_secret(cfn, kind):
    resources = of_type(cfn, kind)
    assert resources, f"no {kind} packaged"
    for lid, resource in resources.items():
        assert resource.get("DeletionPolicy") == "Retain", lid
        assert resource.get("UpdateReplacePolicy") == "Retain", lid
        if kind == "AWS::DynamoDB::Table":
            assert resource["Properties"].get("DeletionProtectionEnabled") is True, lid


def iam_statements(template):
    for lid, resource in template["Resources"].items():
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield lid, statement
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                yield lid, statement


def as_list(value):
    return value if isinstance(value, list) else [value]


def test_no_iam_statement_grants_wildcard_data_actions_or_unscoped_resources(cfn):
    statements = list(iam_statements(cfn))
    assert statements
    for lid, statement in statements:
        assert statement["Effect"] == "Allow" and "NotAction" not in statement and "NotResource" not in statement
        actions = as_list(statement["Action"])
        assert "*" not in actions, f"{lid}: {statement}"
        data = [a for a in actions if a.split(":")[0] in DATA_SERVICES and a not in ACCOUNT_READS]
        assert not [a for a in data if "*" in a], f"{lid}: wildcard data action in {statement}"
        if data:
            assert "*" not in as_list(statement["Resource"]), f"{lid}: data actions on any resource: {statement}"


def test_every_function_has_its_own_hand_written_policy(sam):
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    assert config["autogen_policy"] is False
    own = {name for name, settings in config["lambda_functions"].items() if "iam_policy_file" in settings}
    handlers = {
        f["Properties"]["Handler"].removeprefix("app.") for f in of_type(sam, "AWS::Serverless::Function").values()
    }
    missing = {("api_handler" if h == "app" else h) for h in handlers} - own
    assert not missing, f"add lambda_functions.<name>.iam_policy_file to .chalice/config.json for {missing}"


def test_every_function_and_every_dead_letter_queue_is_watched_by_an_alarm(sam):
    watched = {
        str(d["Value"])
        for a in of_type(sam, "AWS::CloudWatch::Alarm").values()
        for d in a["Properties"].get("Dimensions", [])
    }
    for lid in of_type(sam, "AWS::Serverless::Function"):
        assert str({"Ref": lid}) in watched, lid
    dead_letter = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in of_type(sam, "AWS::SQS::Queue").values()
        if "RedrivePolicy" in q["Properties"]
    }
    for lid in dead_letter | {FAILURE_QUEUE}:
        assert str({"Fn::GetAtt": [lid, "QueueName"]}) in watched, lid
    metrics = {a["Properties"]["MetricName"] for a in of_type(sam, "AWS::CloudWatch::Alarm").values()}
    assert {"Reputation.BounceRate", "Reputation.ComplaintRate", "IteratorAge", "Throttles", "Errors"} <= metrics


def test_ses_events_reach_their_queue_as_sns_envelopes():
    resources = load_infra()["Resources"]
    destination = resources["SesConfigurationSetEvents"]["Properties"]["EventDestination"]
    subscription = resources["SesEventsSubscription"]["Properties"]
    assert set(destination["MatchingEventTypes"]) == {"bounce", "complaint", "delivery", "reject", "open", "click"}
    assert destination["SnsDestination"]["TopicARN"] == {"Ref": "SesEventsTopic"}
    assert subscription["Endpoint"] == {"Fn::GetAtt": ["SesEventsQueue", "Arn"]}
    assert subscription["RawMessageDelivery"] is False


def test_crm_webhooks_have_their_own_queue_consumer_and_only_the_stream_and_api_enqueue(sam):
    functions = of_type(sam, "AWS::Serverless::Function")
    by_handler = {f["Properties"]["Handler"]: lid for lid, f in functions.items()}
    consumer = functions[by_handler["app.deliver_webhooks"]]["Properties"]
    [event] = consumer["Events"].values()
    assert event["Type"] == "SQS" and event["Properties"]["Queue"] == {"Fn::GetAtt": ["WebhookQueue", "Arn"]}
    queue = sam["Resources"]["WebhookQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["WebhookDlq", "Arn"]}
    senders = set()
    for lid, statement in iam_statements(sam):
        if "sqs:SendMessage" in as_list(statement["Action"]) and {"Fn::GetAtt": ["WebhookQueue", "Arn"]} in as_list(
            statement["Resource"]
        ):
            senders.add(lid)
    roles = {
        handler: functions[lid]["Properties"]["Role"]["Fn::GetAtt"][0]
        for handler, lid in by_handler.items()
        if handler in ("app.on_table_change", "app.deliver_webhooks", "app.app")
    }
    assert senders == set(roles.values())  # the stream queues, the consumer retries, the API resends


# build() on small hand-made Chalice templates: the refusals a later handler can hit


def chalice_template(event):
    return {
        "Resources": {
            "Worker": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Timeout": 30,
                    "Role": {"Fn::GetAtt": ["WorkerRole", "Arn"]},
                    "Events": {"Source": event},
                },
            },
            "WorkerRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {"Policies": [{"PolicyDocument": {"Statement": []}}]},
            },
        }
    }


def sqs_event(name):
    return {"Type": "SQS", "Properties": {"Queue": f"arn:aws:sqs:eu-central-1:000000000000:{name}"}}


def test_an_sqs_handler_is_wired_to_the_queue_its_placeholder_names():
    template = build(chalice_template(sqs_event("leadflow-routing.fifo")), load_infra())
    props = template["Resources"]["Worker"]["Properties"]
    assert props["Events"]["Source"]["Properties"]["Queue"] == {"Fn::GetAtt": ["RoutingQueue", "Arn"]}
    assert props["Events"]["Source"]["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_packaging_refuses_a_handler_whose_source_names_no_declared_resource():
    with pytest.raises(PackagingError, match="no-such-queue"):
        build(chalice_template(sqs_event("no-such-queue")), load_infra())


def test_packaging_refuses_a_queue_without_a_dead_letter_queue():
    with pytest.raises(PackagingError, match="RedrivePolicy"):
        build(chalice_template(sqs_event("leadflow-stream-failures")), load_infra())


def test_packaging_refuses_a_visibility_timeout_shorter_than_six_function_timeouts():
    template = chalice_template(sqs_event("leadflow-routing.fifo"))
    template["Resources"]["Worker"]["Properties"]["Timeout"] = 31
    with pytest.raises(PackagingError, match="VisibilityTimeout"):
        build(template, load_infra())
