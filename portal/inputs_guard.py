"""The door check on every request's text: path, query, JSON body and form fields.

NUL cannot be stored by PostgreSQL and other control characters break exports and pages, so a
request carrying one is refused with a 422 naming the field before any route sees it. The
rule for each field (single- or multi-line, see portal.textrules) is read from the route's own
declarations: its body models' and form parameters' fields marked `MULTILINE`. A dependency
that reads a form by hand and names bad characters under each field itself, on the form it
re-renders, says so with `checks_own_text = True`; the form's fields are then left to it.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, get_args

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request

from portal.errors import InvalidInput
from portal.i18n import _
from portal.textrules import is_multiline, problem, visible

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# JSON can carry a control character or a surrogate only escaped (json.loads refuses raw
# control characters in strings): a body without such an escape needs no second parse.
LARGE_JSON_BYTES = 64 * 1024  # parsed in the thread pool, so the event loop keeps answering
_ESCAPED_CONTROL = re.compile(rb"\\(?:[bfnrt]|u(?:00[01][0-9a-fA-F]|007[fF]|[dD][89a-fA-F]))")


@dataclass(frozen=True)
class TextRules:
    """What a route declares about its text fields."""

    multiline: frozenset[str] = frozenset()
    fields_checked_by_route: bool = False


# Per route object (routes compare by value, so they cannot be dictionary keys themselves).
_by_route: dict[int, tuple[weakref.ref[APIRoute], TextRules]] = {}


async def refuse_control_characters(request: Request) -> None:
    """Refuse NUL and control characters in the path, the query and the body's text (422)."""
    for name, value in request.path_params.items():
        if isinstance(value, str):
            _check(name, value, multiline=False)
    for name, value in request.query_params.multi_items():
        _check(name, value, multiline=False)
    if request.method not in BODY_METHODS:
        return
    content_type = request.headers.get("content-type", "").lower()
    rules = text_rules(request.scope.get("route"))
    if content_type.startswith(FORM_TYPES):
        # Parsed once: FastAPI has read it already for declared form parameters, and the
        # routes and the CSRF check that read it themselves get the same parsed form.
        form = await request.form()
        for name, item in form.multi_items():
            if isinstance(item, UploadFile):
                _check(name, item.filename or "", multiline=False)
            elif not rules.fields_checked_by_route:
                _check(name, item, multiline=name in rules.multiline)
    elif _is_json(content_type):
        body = await request.body()
        if not _ESCAPED_CONTROL.search(body):
            return
        if len(body) > LARGE_JSON_BYTES:
            await run_in_threadpool(_check_json, body, rules)
        else:
            _check_json(body, rules)


def _check_json(body: bytes, rules: TextRules) -> None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON after all: the route's own parsing says so
    for path, key, text in _strings(document):
        _check(path, text, multiline=key in rules.multiline)


def _is_json(content_type: str) -> bool:
    # FastAPI reads a body without a Content-Type as JSON too.
    media = content_type.split(";", 1)[0].strip()
    return media in ("", "application/json") or media.endswith("+json")


def _check(name: str, text: str, *, multiline: bool) -> None:
    """Raise InvalidInput naming NAME when it or TEXT holds a character it may not."""
    wrong = problem(name, multiline=False) or problem(text, multiline=multiline)
    if wrong is not None:
        field = visible(name) or "body"
        message = _("%(field)s: %(problem)s") % {"field": field, "problem": wrong}
        raise InvalidInput(message, field=field)


def _strings(document: Any) -> Iterator[tuple[str, str, str]]:
    """(dotted path, key it sits under, text) of every string in DOCUMENT, keys included."""
    stack: list[tuple[str, str, Any]] = [("", "", document)]
    while stack:
        path, key, value = stack.pop()
        if isinstance(value, str):
            yield path, key, value
        elif isinstance(value, dict):
            for name, item in value.items():
                inner = f"{path}.{name}" if path else str(name)
                yield inner, "", str(name)
                stack.append((inner, str(name), item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}", key, item) for index, item in enumerate(value))


def text_rules(route: object) -> TextRules:
    """What ROUTE declares: its multi-line fields, and whether it checks its form itself."""
    if not isinstance(route, APIRoute):
        return TextRules()
    key = id(route)
    cached = _by_route.get(key)
    if cached is not None and cached[0]() is route:
        return cached[1]
    dependants = list(_dependants(route.dependant))
    rules = TextRules(
        multiline=frozenset(name for each in dependants for name in _multiline(each)),
        fields_checked_by_route=any(
            getattr(each.call, "checks_own_text", False) for each in dependants
        ),
    )
    _by_route[key] = (weakref.ref(route, lambda _gone: _by_route.pop(key, None)), rules)
    return rules


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _multiline(dependant: Dependant) -> Iterator[str]:
    for param in dependant.body_params:
        if is_multiline(param.field_info.json_schema_extra):
            yield param.alias
        for model in _models(param.field_info.annotation):
            yield from _model_fields(model, set())


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models in ANNOTATION (itself, or inside Optional, list, Annotated...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in get_args(annotation):
        yield from _models(argument)


def _model_fields(model: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[str]:
    if model in seen:
        return
    seen.add(model)
    for name, info in model.model_fields.items():
        if is_multiline(info.json_schema_extra):
            yield info.alias or name
        for inner in _models(info.annotation):
            yield from _model_fields(inner, seen)
