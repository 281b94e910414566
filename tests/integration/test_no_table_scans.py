"""The guard behind "no request path and no scheduled job scans the table"
(tests/integration/conftest.py, on for every integration test) really fails."""

import pytest

from .conftest import ROOT, stored_items


def scan_from(path, dynamodb):
    code = compile("dynamodb.scan(TableName='leadflow')", str(path), "exec")
    exec(code, {"dynamodb": dynamodb})


def test_a_scan_from_app_code_fails_the_test(aws, no_table_scans):
    for path in (ROOT / "chalicelib" / "nurture" / "sender.py", ROOT / "app.py"):
        with pytest.raises(AssertionError, match="DynamoDB Scan from"):
            scan_from(path, aws)
    assert len(no_table_scans.violations) == 2
    no_table_scans.violations.clear()  # seen: this test's teardown must pass


def test_a_pynamodb_scan_from_app_code_fails_too(aws, no_table_scans):
    code = compile("list(LeadItem.scan())", str(ROOT / "chalicelib" / "storage" / "leads.py"), "exec")
    from chalicelib.storage.models import LeadItem

    with pytest.raises(AssertionError, match="DynamoDB Scan from"):
        exec(code, {"LeadItem": LeadItem})
    no_table_scans.violations.clear()


def test_the_tests_own_helpers_may_scan(aws, no_table_scans):
    assert stored_items(aws) == []
    scan_from(ROOT / "tests" / "helper.py", aws)
    assert no_table_scans.violations == []
