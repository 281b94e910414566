"""Reads infra/resources.yaml and creates its resources through boto3, so the
local stack and the tests run on exactly what is deployed.

Creation is generic: every resource of a supported type in the file is made
(tables, queues incl. FIFO and redrive, SNS topics and subscriptions, SES
configuration sets, event destinations and identities, S3 buckets with
lifecycle rules and queue notifications), in dependency order,
with the CloudFormation intrinsics the file uses (`Ref`, `Fn::GetAtt`,
`Fn::Sub`, `Fn::Join`) resolved against what was created. Types that only
matter in AWS (alarms, IAM, queue policies) are skipped."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parent / "resources.yaml"


def load_resources(path: Path = TEMPLATE) -> dict[str, dict[str, Any]]:
    return yaml.safe_load(path.read_text())["Resources"]


def local_names(resources: Mapping[str, dict] | None = None) -> dict[str, str]:
    """Environment variable -> resource name for a local/test deployment."""
    resources = load_resources() if resources is None else resources
    names = {}
    for resource in resources.values():
        meta = resource.get("Metadata", {}).get("Leadflow", {})
        if "EnvVar" in meta:
            names[meta["EnvVar"]] = meta["LocalName"]
    return names


@dataclass
class Created:
    """One created resource: what `Ref` and `Fn::GetAtt` resolve to."""

    logical_id: str
    type: str
    name: str
    arn: str | None = None
    url: str | None = None  # queues
    stream_arn: str | None = None  # tables
    env_var: str | None = None

    @property
    def ref(self) -> str:
        # what CloudFormation's Ref returns for each type
        if self.type == "AWS::SQS::Queue":
            return self.url
        if self.type == "AWS::SNS::Topic":
            return self.arn
        return self.name

    def attribute(self, name: str) -> str:
        values = {
            "Arn": self.arn,
            "StreamArn": self.stream_arn,
            "QueueUrl": self.url,
            "QueueName": self.name,
            "TopicName": self.name,
            "TopicArn": self.arn,
        }
        if values.get(name) is None:
            raise ValueError(f"{self.logical_id}: attribute {name} is not known locally")
        return values[name]

    def env_value(self) -> str:
        """By the variable's name: *_ARN gets the ARN, *_URL the URL, else the name."""
        if self.env_var.endswith("_ARN"):
            return self.arn
        if self.env_var.endswith("_URL"):
            return self.url
        return self.name


class Deployment(dict):
    """logical id -> Created, for what one `create_resources` call made."""

    def environment(self) -> dict[str, str]:
        return {c.env_var: c.env_value() for c in self.values() if c.env_var}

    def of_type(self, type_: str) -> list[Created]:
        return [c for c in self.values() if c.type == type_]


def _local_name(logical_id: str, resource: Mapping[str, Any], name_property: str | None) -> str:
    meta = resource.get("Metadata", {}).get("Leadflow", {})
    declared = (resource.get("Properties") or {}).get(name_property) if name_property else None
    return meta.get("LocalName") or (declared if isinstance(declared, str) else None) or logical_id


def _references(value: Any) -> set[str]:
    """Logical ids a property value refers to (for creation order)."""
    if isinstance(value, dict):
        found = set()
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0] if isinstance(inner, list) else inner.split(".")[0])
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
            found |= _references(inner)
        return found
    if isinstance(value, list):
        return set().union(*map(_references, value)) if value else set()
    return set()


def _creation_order(resources: Mapping[str, dict]) -> list[str]:
    order: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in order:
            return
        if logical_id in visiting:
            raise ValueError(f"resources.yaml: circular reference at {logical_id}")
        visiting.add(logical_id)
        resource = resources[logical_id]
        depends = resource.get("DependsOn", [])
        for needed in _references(resource.get("Properties", {})) | set(
            [depends] if isinstance(depends, str) else depends
        ):
            if needed in resources:
                visit(needed)
        visiting.discard(logical_id)
        order.append(logical_id)

    for logical_id in resources:
        visit(logical_id)
    return order


class _Creator:
    def __init__(self, client: Callable[[str], Any], region: str, account: str):
        self._client = client
        self.region = region
        self.account = account
        self.created = Deployment()
        # resources that exist only in AWS (KMS keys, alarms, IAM): references
        # to them resolve to a marker, as nothing local uses their value
        self.aws_only: set[str] = set()

    # --- intrinsics ------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, inner),) = value.items()
                if key == "Ref":
                    return self._ref(inner)
                if key == "Fn::GetAtt":
                    logical_id, attribute = inner if isinstance(inner, list) else inner.split(".", 1)
                    if logical_id in self.aws_only:
                        return f"aws-only:{logical_id}.{attribute}"
                    return self.created[logical_id].attribute(attribute)
                if key == "Fn::Sub":
                    return self._sub(inner)
                if key == "Fn::Join":
                    separator, parts = inner
                    return separator.join(str(self.resolve(p)) for p in parts)
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def _ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        return f"aws-only:{name}" if name in self.aws_only else self.created[name].ref

    def _sub(self, inner: Any) -> str:
        text, variables = (inner[0], self.resolve(inner[1])) if isinstance(inner, list) else (inner, {})

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self.created[logical_id].attribute(attribute)
            return self._ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    # --- one function per type --------------------------------------------
    def create(self, logical_id: str, resource: Mapping[str, Any]) -> Created | None:
        creator = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::SQS::Queue": self._queue,
            "AWS::SNS::Topic": self._topic,
            "AWS::SNS::Subscription": self._subscription,
            "AWS::SES::ConfigurationSet": self._configuration_set,
            "AWS::SES::ConfigurationSetEventDestination": self._event_destination,
            "AWS::SES::EmailIdentity": self._email_identity,
            "AWS::S3::Bucket": self._bucket,
        }.get(resource["Type"])
        if creator is None:
            self.aws_only.add(logical_id)  # alarms, IAM, KMS, policies: nothing to run locally
            return None
        created = creator(logical_id, resource, self.resolve(resource.get("Properties") or {}))
        if created is not None:
            created.env_var = resource.get("Metadata", {}).get("Leadflow", {}).get("EnvVar")
            self.created[logical_id] = created
        return created

    def _table(self, logical_id, resource, props) -> Created:
        name = _local_name(logical_id, resource, "TableName")
        dynamodb = self._client("dynamodb")
        kwargs = {
            "TableName": name,
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
        }
        if "ProvisionedThroughput" in props:
            kwargs["ProvisionedThroughput"] = props["ProvisionedThroughput"]
        if "StreamSpecification" in props:
            kwargs["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if key in props:
                kwargs[key] = props[key]
        table = dynamodb.create_table(**kwargs)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        return Created(
            logical_id, resource["Type"], name, arn=table["TableArn"], stream_arn=table.get("LatestStreamArn")
        )

    _QUEUE_ATTRIBUTES = (
        "DelaySeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
        "FifoQueue",
        "ContentBasedDeduplication",
        "DeduplicationScope",
        "FifoThroughputLimit",
    )

    def _queue(self, logical_id, resource, props) -> Created:
        name = _local_name(logical_id, resource, "QueueName")
        fifo = bool(props.get("FifoQueue"))
        if fifo and not name.endswith(".fifo"):
            name += ".fifo"
        attributes = {k: _attribute(props[k]) for k in self._QUEUE_ATTRIBUTES if k in props}
        for policy in ("RedrivePolicy", "RedriveAllowPolicy"):
            if policy in props:
                attributes[policy] = json.dumps(props[policy])
        sqs = self._client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return Created(logical_id, resource["Type"], name, arn=arn, url=url)

    def _topic(self, logical_id, resource, props) -> Created:
        name = _local_name(logical_id, resource, "TopicName")
        fifo = bool(props.get("FifoTopic"))
        if fifo and not name.endswith(".fifo"):
            name += ".fifo"
        attributes = {k: _attribute(props[k]) for k in ("FifoTopic", "ContentBasedDeduplication") if k in props}
        sns = self._client("sns")
        arn = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
        for inline in props.get("Subscription", []):
            sns.subscribe(TopicArn=arn, Protocol=inline["Protocol"], Endpoint=inline["Endpoint"])
        return Created(logical_id, resource["Type"], name, arn=arn)

    def _subscription(self, logical_id, resource, props) -> Created:
        attributes = {k: _attribute(props[k]) for k in ("RawMessageDelivery", "FilterPolicyScope") if k in props}
        for policy in ("FilterPolicy", "RedrivePolicy"):
            if policy in props:
                attributes[policy] = json.dumps(props[policy])
        arn = self._client("sns").subscribe(
            TopicArn=props["TopicArn"],
            Protocol=props["Protocol"],
            Endpoint=props["Endpoint"],
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return Created(logical_id, resource["Type"], arn, arn=arn)

    def _configuration_set(self, logical_id, resource, props) -> Created:
        name = _local_name(logical_id, resource, "Name")
        self._client("ses").create_configuration_set(ConfigurationSet={"Name": name})
        return Created(logical_id, resource["Type"], name)

    def _event_destination(self, logical_id, resource, props) -> Created:
        declared = props["EventDestination"]
        destination = {
            "Name": declared.get("Name", logical_id),
            "Enabled": declared.get("Enabled", True),
            "MatchingEventTypes": declared["MatchingEventTypes"],
        }
        if "SnsDestination" in declared:
            destination["SNSDestination"] = {"TopicARN": declared["SnsDestination"]["TopicARN"]}
        self._client("ses").create_configuration_set_event_destination(
            ConfigurationSetName=props["ConfigurationSetName"], EventDestination=destination
        )
        return Created(logical_id, resource["Type"], destination["Name"])

    def _email_identity(self, logical_id, resource, props) -> Created:
        identity = props["EmailIdentity"]
        ses = self._client("ses")
        if "@" in identity:
            ses.verify_email_identity(EmailAddress=identity)
        else:
            ses.verify_domain_identity(Domain=identity)
        return Created(logical_id, resource["Type"], identity)

    def _bucket(self, logical_id, resource, props) -> Created:
        """The bucket with its lifecycle rules and its queue notifications
        (S3 then sends object events to the queue, as in AWS)."""
        name = _local_name(logical_id, resource, "BucketName")
        s3 = self._client("s3")
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.region})
        rules = (props.get("LifecycleConfiguration") or {}).get("Rules", [])
        if rules:
            s3.put_bucket_lifecycle_configuration(
                Bucket=name,
                LifecycleConfiguration={
                    "Rules": [
                        {
                            "ID": rule["Id"],
                            "Status": rule["Status"],
                            "Filter": {"Prefix": rule.get("Prefix", "")},
                            "Expiration": {"Days": rule["ExpirationInDays"]},
                            "AbortIncompleteMultipartUpload": rule["AbortIncompleteMultipartUpload"],
                        }
                        for rule in rules
                    ]
                },
            )
        queues = (props.get("NotificationConfiguration") or {}).get("QueueConfigurations", [])
        if queues:
            s3.put_bucket_notification_configuration(
                Bucket=name,
                NotificationConfiguration={
                    "QueueConfigurations": [
                        {
                            "QueueArn": q["Queue"],
                            "Events": [q["Event"]],
                            "Filter": {"Key": {"FilterRules": q["Filter"]["S3Key"]["Rules"]}},
                        }
                        for q in queues
                    ]
                },
            )
        return Created(logical_id, resource["Type"], name, arn=f"arn:aws:s3:::{name}")


def _attribute(value: Any) -> str:
    """SQS/SNS attributes are strings; YAML booleans become 'true'/'false'."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def create_resources(
    client: Callable[[str], Any],
    resources: Mapping[str, dict] | None = None,
    region: str = "eu-central-1",
    account: str = "123456789012",
) -> Deployment:
    """Create every supported resource of the template (on moto, or any
    account `client(service_name)` points at) and say what was made."""
    resources = load_resources() if resources is None else resources
    creator = _Creator(client, region, account)
    for logical_id in _creation_order(resources):
        creator.create(logical_id, resources[logical_id])
    return creator.created


def create_tables(dynamodb, resources: Mapping[str, dict] | None = None) -> list[str]:
    """Create only the DynamoDB tables of the template (integration tests)."""
    resources = load_resources() if resources is None else resources
    tables = {k: r for k, r in resources.items() if r["Type"] == "AWS::DynamoDB::Table"}
    return [c.name for c in create_resources(lambda _service: dynamodb, tables).values()]
