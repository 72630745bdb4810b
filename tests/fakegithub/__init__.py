"""Test double for the GitHub REST API: ``FakeGitHub`` (a stateful HTTP fake that real
PyGithub talks to) and ``openapi_check`` (validates logged traffic against GitHub's
OpenAPI description).  Import as ``from fakegithub import FakeGitHub`` with ``tests/``
on ``sys.path``.
"""

from __future__ import annotations

from .server import PERMISSIONS, ApiError, FakeGitHub, Fault, LoggedRequest, blob_sha

__all__ = ["PERMISSIONS", "ApiError", "FakeGitHub", "Fault", "LoggedRequest", "blob_sha"]
