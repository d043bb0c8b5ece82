"""Property-based fuzzing of the whole JSON API from its own OpenAPI schema (in process)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
import schemathesis
from fastapi import FastAPI
from helpers import make_supplier, make_user
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis.strategies._internal import regex as _regex_strategies  # noqa: F401
from schemathesis.generation.meta import negated_parameters
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlmodel import Session

from portal import config
from portal.app import create_app
from portal.security import create_api_token


@asynccontextmanager
async def _serving_nothing(_app: FastAPI) -> AsyncIterator[None]:
    """A lifespan that starts none of the serving process's background threads."""
    yield


def _app_for_fuzzing() -> FastAPI:
    """The portal's app, minus the outbox and sweep threads its lifespan starts.

    Schemathesis keeps an app's lifespan running in a thread for the rest of the process, and
    loading the schema happens while pytest collects: the portal's threads then ran beside the
    collection of every later module in the worker. CPython 3.11's ast.parse is not safe
    beside another thread's (the depth it counts is shared), and CI failed collecting with
    "AST constructor recursion depth mismatch".
    """
    app = create_app()
    app.router.lifespan_context = _serving_nothing
    return app


# The regex strategies are imported up front, not lazily deep inside schemathesis's schema
# walk: pytest rewrites hypothesis's modules on import, and CPython 3.11.7's ast.parse fails
# for good ("AST constructor recursion depth mismatch") when first called that deep.
_app = _app_for_fuzzing()
schema = schemathesis.openapi.from_dict(_app.openapi())
schema.app = _app
schema.location = "/api/v1/openapi.json"


@pytest.fixture(params=["buyer", "esg", "supplier"])
def bearer(
    request: pytest.FixtureRequest, settings: config.Settings, session: Session
) -> Iterator[dict[str, str]]:
    """An API token of each role that uses the API, over a little data."""
    supplier = make_supplier(session, "JCHY")
    make_supplier(session, "PLANT", is_own_plant=True)
    user = make_user(
        session, request.param, supplier=supplier if request.param == "supplier" else None
    )
    _token, plain = create_api_token(session, user, "fuzz")
    session.commit()
    yield {"Authorization": f"Bearer {plain}"}


@schema.parametrize()
@hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_never_fails_and_answers_by_its_schema(
    case: schemathesis.Case, bearer: dict[str, str]
) -> None:
    # Valid-by-schema input may still be refused by business rules (unknown code: 404/422).
    # A case generated without its bearer header (the schema declares the scheme) is sent
    # without it, so the portal must refuse it; adding the token would make it a valid call.
    headers = {} if _drops_bearer(case) else bearer
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])


def _drops_bearer(case: schemathesis.Case) -> bool:
    """Whether this negative case mutated or left out the Authorization header."""
    return any(name.lower() == "authorization" for name, _location in negated_parameters(case.meta))
