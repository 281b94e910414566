"""The command line's tests: a fake admin API per test."""

import pytest

from tests.cli.fake_api import FakeApi, serve


@pytest.fixture
def fake():
    api = FakeApi()
    server = serve(api)
    yield api
    server.shutdown()
    server.server_close()
