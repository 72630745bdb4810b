"""Regular expressions compiled on first use rather than at import.

Compiling is most of what importing the body readers costs (issue #16), and every process pays it
again: ``re`` keeps no compiled pattern between processes. A pattern that only some bodies or only
a settings file need (the vague-item vocabulary, honorifics, settings' handle and e-mail forms) is
a ``LazyPattern``, so ``incident-kit check`` and an ordinary event compile only what their input
uses; each is still compiled at most once per process. Patterns every body needs stay ``re.compile``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator


class LazyPattern:
    """``re.compile(pattern, flags)``, done the first time one of its methods is called."""

    __slots__ = ("_compiled", "_flags", "_pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self._pattern, self._flags)
        return self._compiled

    def match(self, string: str) -> re.Match[str] | None:
        return self.compiled.match(string)

    def search(self, string: str) -> re.Match[str] | None:
        return self.compiled.search(string)

    def finditer(self, string: str) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(string)

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str) -> str:
        return self.compiled.sub(repl, string)
