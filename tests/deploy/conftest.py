"""Deployment tests share the worker tests' broker (TEST_BROKER_URL)."""

from tests.integration.conftest import broker_url  # noqa: F401 - a fixture, shared
