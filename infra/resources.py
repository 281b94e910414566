"""Reads infra/resources.yaml and creates its resources through boto3, so the
local stack and the tests run on exactly what is deployed."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

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


def create_tables(dynamodb, resources: Mapping[str, dict] | None = None) -> list[str]:
    """Create every DynamoDB table of the template (moto or a real account)."""
    resources = load_resources() if resources is None else resources
    created = []
    for resource in resources.values():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        props = resource["Properties"]
        name = resource["Metadata"]["Leadflow"]["LocalName"]
        kwargs = {
            "TableName": name,
            "BillingMode": props["BillingMode"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
        }
        if "StreamSpecification" in props:
            kwargs["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        if "GlobalSecondaryIndexes" in props:
            kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        dynamodb.create_table(**kwargs)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        created.append(name)
    return created
