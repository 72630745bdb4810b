"""Validate traffic logged by ``FakeGitHub`` against GitHub's OpenAPI description.

This module owns the contract check between the fake and real GitHub:

* ``check_requests``: every request's method + path must be an operation of GitHub's
  REST API, its query parameter names must be declared, and its JSON body must
  validate against the operation's ``requestBody`` schema.  This catches client code
  (ours or PyGithub's) that would send something GitHub does not document.
* ``check_responses``: every 2xx JSON body the fake answered must validate against
  the operation's response schema for that status, which keeps the fake honest.

The description is ``shared/fixtures/openapi/api.github.com.json`` (13 MB, OpenAPI
3.0.3); it is loaded once per process and cached.  OpenAPI 3.0 is validated as JSON
Schema draft 4 (its closest relative) with ``nullable: true`` honoured.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import jsonschema  # type: ignore[import-untyped]
import referencing
import referencing.jsonschema
from jsonschema.protocols import Validator  # type: ignore[import-untyped]

__all__ = [
    "DEFAULT_SPEC",
    "SHARED_DIR",
    "check_requests",
    "check_responses",
    "load_spec",
    "match_operation",
    "spec_available",
]

#: ``shared/`` sits beside the repository root (tests/fakegithub/ -> repo -> ..).
SHARED_DIR = Path(__file__).resolve().parents[2] / ".." / "shared"
DEFAULT_SPEC = SHARED_DIR / "fixtures" / "openapi" / "api.github.com.json"

_DOC_URI = "urn:github-openapi"

# Request bodies that GitHub documents in prose but the schema does not allow.
# PyGithub's Issue.add_to_labels / set_labels send a bare JSON array, which the
# operation descriptions explicitly accept ("You can also pass an array of labels
# directly" / "you can pass a single label as a string or an array of labels
# directly ... You can pass an empty array to remove all labels").
_DOCUMENTED_ALTERNATIVES: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels"): [
        {"type": "array", "items": {"type": "string"}},
        {"type": "string"},
    ],
    ("PUT", "/repos/{owner}/{repo}/issues/{issue_number}/labels"): [
        {"type": "array", "items": {"type": "string"}},
        {"type": "string"},
        # "You can pass an empty array to remove all labels" (schema says minItems 1).
        {"type": "object", "properties": {"labels": {"type": "array", "maxItems": 0}}},
    ],
}


def spec_available(spec_path: str | Path = DEFAULT_SPEC) -> bool:
    """Whether the OpenAPI description exists (tests skip when ``shared/`` is absent)."""
    return Path(spec_path).is_file()


@functools.lru_cache(maxsize=4)
def _load(resolved: str) -> dict[str, Any]:
    with open(resolved, encoding="utf-8") as fh:
        doc: dict[str, Any] = json.load(fh)
    return doc


def load_spec(spec_path: str | Path = DEFAULT_SPEC) -> dict[str, Any]:
    """Parsed OpenAPI document, cached per resolved path."""
    return _load(str(Path(spec_path).resolve()))


@functools.lru_cache(maxsize=4)
def _templates(resolved: str) -> list[tuple[re.Pattern[str], str, int]]:
    """Compiled path templates, most specific first.

    ``{path}`` (repository contents) may span slashes; other parameters are one
    segment.  Sorting by literal length makes ``/issues/comments`` win over
    ``/issues/{issue_number}``.
    """
    out = []
    for template in _load(resolved)["paths"]:

        def repl(m: re.Match[str]) -> str:
            return "(.*)" if m.group(1) == "path" else "([^/]+)"

        rx = re.compile(re.sub(r"\{(\w+)\}", repl, re.escape(template).replace(r"\{", "{").replace(r"\}", "}")))
        literal = len(re.sub(r"\{\w+\}", "", template))
        out.append((rx, template, literal))
    out.sort(key=lambda x: -x[2])
    return out


def match_operation(method: str, path: str, spec_path: str | Path = DEFAULT_SPEC) -> tuple[str, dict[str, Any]] | None:
    """``(template, operation)`` for a concrete request, or None when GitHub has no such operation."""
    resolved = str(Path(spec_path).resolve())
    paths = _load(resolved)["paths"]
    path = path.rstrip("/") or "/"
    for rx, template, _ in _templates(resolved):
        if rx.fullmatch(path) or (template.endswith("{path}") and rx.fullmatch(path + "/")):
            op = paths[template].get(method.lower())
            if op is not None:
                return template, op
    return None


def _path_matches_any(path: str, spec_path: str | Path) -> bool:
    resolved = str(Path(spec_path).resolve())
    path = path.rstrip("/") or "/"
    return any(rx.fullmatch(path) for rx, _, _ in _templates(resolved))


def _nullable(inner: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    # OpenAPI 3.0 spells "or null" as a sibling ``nullable: true``; draft 4 would
    # reject ``None`` via type/enum/oneOf/..., so those keywords let null through.
    def validate(validator: Any, value: Any, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
        if instance is None and schema.get("nullable") is True:
            return
        yield from inner(validator, value, instance, schema)

    return validate


_BASE = jsonschema.Draft4Validator
_OpenAPIValidator = jsonschema.validators.extend(
    _BASE,
    {kw: _nullable(_BASE.VALIDATORS[kw]) for kw in ("type", "enum", "oneOf", "anyOf", "allOf", "format")},
)


@functools.lru_cache(maxsize=4)
def _registry(resolved: str) -> referencing.Registry[Any]:
    resource: referencing.Resource[Any] = referencing.Resource.from_contents(
        _load(resolved), default_specification=referencing.jsonschema.DRAFT4
    )
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(_DOC_URI, resource)
    return registry


def _pointer(*parts: str) -> str:
    escaped = (p.replace("~", "~0").replace("/", "~1") for p in parts)
    return "#/" + "/".join(quote(p, safe="~") for p in escaped)


@functools.lru_cache(maxsize=1024)
def _validator(resolved: str, pointer: str) -> Validator:
    # Validating {"$ref": "urn:...#/paths/..."} keeps the whole document as the base,
    # so nested "#/components/schemas/..." references resolve.
    schema = {"$ref": _DOC_URI + pointer}
    validator: Validator = _OpenAPIValidator(schema, registry=_registry(resolved))
    return validator


def _errors(resolved: str, pointer: str, instance: Any, limit: int = 3) -> list[str]:
    validator = _validator(resolved, pointer)
    out = []
    for err in validator.iter_errors(instance):
        where = "/".join(str(p) for p in err.absolute_path) or "<root>"
        best = jsonschema.exceptions.best_match([err])
        out.append(f"{where}: {best.message[:300]}")
        if len(out) >= limit:
            break
    return out


def _declared_query(op: dict[str, Any], path_item: dict[str, Any], doc: dict[str, Any]) -> set[str]:
    names = set()
    for param in [*path_item.get("parameters", []), *op.get("parameters", [])]:
        if "$ref" in param:
            target = doc
            for part in param["$ref"].lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            param = target
        if param.get("in") == "query":
            names.add(param["name"])
    return names


def _as_tuple(request: Any) -> tuple[str, str, dict[str, str], Any, int]:
    method, path, query, body, status = request[:5]
    return method, path, dict(query or {}), body, int(status)


def check_requests(requests: Iterable[Any], spec_path: str | Path = DEFAULT_SPEC) -> list[str]:
    """Problems with logged requests ``(method, path, query, body, status)``; empty when fine.

    Paths are the raw (percent-encoded) request paths as logged by ``FakeGitHub``.
    """
    resolved = str(Path(spec_path).resolve())
    doc = _load(resolved)
    problems: list[str] = []
    seen: set[str] = set()

    def report(msg: str) -> None:
        if msg not in seen:  # the same mistake repeated in a loop is one problem
            seen.add(msg)
            problems.append(msg)

    for request in requests:
        method, path, query, body, _status = _as_tuple(request)
        found = match_operation(method, path, resolved)
        if found is None:
            if _path_matches_any(path, resolved):
                report(f"{method} {path}: method not allowed by GitHub's API for this path")
            else:
                report(f"{method} {path}: no such path in GitHub's API")
            continue
        template, op = found
        label = f"{method} {template}"
        allowed = _declared_query(op, doc["paths"][template], doc)
        for name in query:
            if name not in allowed:
                report(f"{label}: undeclared query parameter {name!r}")
        request_body = op.get("requestBody")
        if body is None:
            if request_body and request_body.get("required"):
                report(f"{label}: request body required but none sent")
            continue
        if request_body is None:
            report(f"{label}: sends a JSON body but the operation takes none")
            continue
        if "application/json" not in request_body.get("content", {}):
            report(f"{label}: operation does not take application/json")
            continue
        if any(
            jsonschema.Draft4Validator(alt).is_valid(body)
            for alt in _DOCUMENTED_ALTERNATIVES.get((method, template), [])
        ):
            continue
        pointer = _pointer("paths", template, method.lower(), "requestBody", "content", "application/json", "schema")
        for err in _errors(resolved, pointer, body):
            report(f"{label}: request body invalid: {err}")
    return problems


def check_responses(exchanges: Iterable[tuple[Any, Any]], spec_path: str | Path = DEFAULT_SPEC) -> list[str]:
    """Problems with the fake's answers ``(logged_request, json_body)``; empty when fine.

    Only 2xx answers are checked (error statuses are often injected faults); a 2xx
    status the operation does not declare is itself a problem (e.g. 200 vs 201).
    """
    resolved = str(Path(spec_path).resolve())
    doc = _load(resolved)
    problems: list[str] = []
    seen: set[str] = set()
    for request, body in exchanges:
        method, path, _query, _req_body, status = _as_tuple(request)
        if not 200 <= status < 300:
            continue
        found = match_operation(method, path, resolved)
        if found is None:
            continue  # reported by check_requests
        template, op = found
        label = f"{method} {template} -> {status}"
        response = op.get("responses", {}).get(str(status))
        if response is None:
            msg = f"{label}: status not declared (declared: {sorted(op.get('responses', {}))})"
            if msg not in seen:
                seen.add(msg)
                problems.append(msg)
            continue
        base: tuple[str, ...] = ("paths", template, method.lower(), "responses", str(status))
        if "$ref" in response:
            ref = response["$ref"]
            parts = tuple(unquote(p).replace("~1", "/").replace("~0", "~") for p in ref.lstrip("#/").split("/"))
            target = doc
            for part in parts:
                target = target[part]
            response, base = target, parts
        content = response.get("content", {})
        if "application/json" not in content or "schema" not in content["application/json"]:
            continue  # e.g. 204 No Content
        pointer = _pointer(*base, "content", "application/json", "schema")
        for err in _errors(resolved, pointer, body):
            msg = f"{label}: response body invalid: {err}"
            if msg not in seen:
                seen.add(msg)
                problems.append(msg)
    return problems
