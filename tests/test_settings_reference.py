"""The settings reference: every key documented once, generated from the schema, and the docs match it.

The README table and starter/incident-kit.yml are what ``settings.reference`` renders from
``settings.config``; a new setting without a sentence, or docs edited by hand, fail here.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from incident_kit.settings import reference
from incident_kit.settings.config import Config, parse_config

ROOT = Path(__file__).resolve().parents[1]
STARTER = ROOT / "starter" / "incident-kit.yml"


def _tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("settings_docs", ROOT / "tools" / "settings_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_setting_has_a_meaning_and_a_type() -> None:
    assert reference.gaps() == []
    keys = [s.key for s in reference.settings()]
    assert len(keys) == len(set(keys))
    for key in ("labels.incident", "video.mode", "postmortem.hour", "weekly.overdue-days", "notify.email.port"):
        assert key in keys


def test_readme_and_starter_are_generated_from_the_schema() -> None:
    tool = _tool()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert tool.readme_with_table(readme) == readme, "README's settings table is stale: run tools/settings_docs.py"
    assert STARTER.read_text(encoding="utf-8") == reference.starter_file(), "run tools/settings_docs.py"
    for s in reference.settings():
        assert f"| `{s.key}` |" in readme or f"| **`{s.key}:`** |" in readme


def _uncommented(text: str, with_examples: bool, sections: tuple[str, ...] = ()) -> str:
    """The starter with the "# " taken off its setting lines (all, or only those showing defaults)."""
    out = []
    skipping = False
    for line in text.splitlines():
        body = line[2:]
        if not line.startswith("# ") or not re.match(r"^\s*[A-Za-z-]+:(\s|$)", body):
            continue  # the header, a meaning, a blank
        if body and not body.startswith(" "):
            skipping = body.rstrip(":") in sections
        if skipping or (not with_examples and "# e.g." in body):
            continue
        out.append(body)
    return "\n".join(out) + "\n"


def test_the_values_the_starter_shows_are_the_defaults() -> None:
    """The header's claim: uncomment every line that is not an example and nothing changes."""
    text = STARTER.read_text(encoding="utf-8")
    assert "Each setting shows its default" in text
    # notify: a section's presence switches a channel on (and e-mail then needs a server), so it is
    # left out here and checked with its examples below.
    assert parse_config(_uncommented(text, with_examples=False, sections=("notify",))) == Config()
    # Uncommenting everything, examples too, is a valid file (the examples cannot rot).
    full = parse_config(_uncommented(text, with_examples=True))
    assert full.people == {"octocat": "octocat@example.com", "山田": "yamada@example.com"}
    assert full.vague_phrases == ("様子を見る", "keep an eye on") and full.builtin_vague_phrases
    assert full.notify.slack is not None and full.notify.slack.mention == "<!here>"
    assert full.notify.email is not None and full.notify.email.host == "smtp.example.com"
    assert parse_config(text) == Config()  # as shipped, it changes nothing


def test_defaults_in_the_table_are_the_code_s() -> None:
    table = reference.markdown_table()
    assert "| `postmortem.hour` | whole number 0 to 23 | `10` |" in table
    assert "| `video.mode` | one of `require`, `warn`, `off` | `require` |" in table
    assert "| `tick-boxes` | true / false | `false` |" in table
