"""Expands the packaged SAM template into plain CloudFormation, offline, so
cfn-lint and checkov see the event source mappings and functions SAM makes
(cfn-lint does not look inside SAM function events).

Runs in the tools virtualenv (.venv-tools: aws-sam-translator, cfn-lint,
checkov), whose pins differ from the app's: `python infra/sam_transform.py
build/dev/template.json build/dev/transformed.json`.
"""

import json
import sys

import boto3
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

# Stands in for the S3 address `aws cloudformation package` gives the code.
CODE_URI = "s3://leadflow-artifacts/deployment.zip"


def transform(template: dict, region: str = "eu-central-1") -> dict:
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = CODE_URI
    # the session only names the region: nothing here calls AWS
    translator = Translator(
        managed_policy_map={}, sam_parser=Parser(), boto_session=boto3.session.Session(region_name=region)
    )
    result = translator.translate(template, parameter_values={"AWS::AccountId": "123456789012"})
    _inherit_checkov_skips(template["Resources"], result["Resources"])
    return result


def _inherit_checkov_skips(sam: dict, cloudformation: dict) -> None:
    """SAM drops Metadata on what it generates (an API's stage, a function's
    mappings); their checkov suppressions are justified on the SAM resource
    they come from (named by prefix), so they inherit them here."""
    for lid, resource in cloudformation.items():
        if "checkov" in resource.get("Metadata", {}):
            continue
        origin = max((name for name in sam if lid.startswith(name)), key=len, default=None)
        skips = sam.get(origin, {}).get("Metadata", {}).get("checkov") if origin else None
        if skips:
            resource.setdefault("Metadata", {})["checkov"] = skips


def main(source: str, target: str) -> int:
    with open(source) as f:
        template = json.load(f)
    try:
        result = transform(template)
    except InvalidDocumentException as problem:
        print("\n".join(str(cause) for cause in problem.causes), file=sys.stderr)
        return 1
    with open(target, "w") as f:
        json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
