"""Fixtures for the local stack's own parts (resource creation, the pump,
the SES simulator), on moto in process with a small template of their own."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
import yaml
from moto import mock_aws

from infra.resources import create_resources

REGION = "eu-central-1"
FIXTURE = Path(__file__).resolve().parent / "fixture_resources.yaml"


def client(service):
    return boto3.client(service, region_name=REGION)


@pytest.fixture
def template():
    return yaml.safe_load(FIXTURE.read_text())["Resources"]


@pytest.fixture
def deployment(template):
    with mock_aws():
        yield create_resources(client, template, region=REGION)
