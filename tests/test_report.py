"""The PDF report renderer (report.py): hostile markdown, fonts, task boxes, images, paths, determinism.

PDFs are read back with pypdf; fonts are checked against the shipped TrueType files
with fontTools. The hostile inputs are rendered in a child process (with a
timeout, cwd in a temporary folder and RL_toColorCanUse=rl_safe_eval in its
environment) under a Python audit hook that records every file opened, every
socket connected and every process started while rendering; a loopback listener
in this process must see no connection, and a canary file's content must never
appear in a PDF.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import select
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

pytest.importorskip("xhtml2pdf")
pytest.importorskip("fontTools")

from fontTools.ttLib import TTFont  # noqa: E402
from PIL import Image  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from incident_kit.render import pdf as report  # noqa: E402
from incident_kit.render.pdf import (  # noqa: E402
    ReportComment,
    ReportInput,
    image_urls,
    render_html,
    render_pdf,
    report_path,
)

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
JAPANESE = "決済ページが全ユーザーで500エラー"
ATTACHMENT = "https://github.com/user-attachments/assets/71fb75fd-a0a7-48bc-8030-21ba3b5f2dec"
OTHER_ATTACHMENT = "https://github.com/user-attachments/assets/a0aceacf-8436-4c11-b291-f0fff3a115f2"
VIDEO = "https://github.com/user-attachments/assets/5c525197-0d54-4163-bfe6-54fc656dd1fe"
SHIPPED = {
    "DejaVuSans": "DejaVuSans.ttf",
    "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
    "DejaVuSansMono": "DejaVuSansMono.ttf",
    "IPAexGothic": "ipaexg.ttf",
}
CVE_2023_33733 = (
    "<font color=\"[[[getattr(pow, Word('__globals__'))['os'].system('touch pwned') for Word in [ orgTypeFun( "
    "'Word', (str,), { 'mutated': 1, 'startswith': lambda self, x: 1 == 0, '__eq__': lambda self, x: "
    "self.mutate() and self.mutated < 0 and str(self) == x, 'mutate': lambda self: { setattr(self, 'mutated', "
    "self.mutated - 1) }, '__hash__': lambda self: hash(str(self)), }, ) ] ] for orgTypeFun in [type(type(1))] "
    "for none in [[].append(1)]]] and 'red'\">exploit</font>"
)


# --------------------------------------------------------------------------- helpers


def make(body: str = "Nothing yet.", comments: tuple[ReportComment, ...] = (), **kw: object) -> ReportInput:
    """An input whose fixed text holds no "49" (the template-injection check looks for it)."""
    values: dict[str, object] = {
        "repository": "acme/shop",
        "number": 7,
        "title": "Checkout down",
        "url": "https://github.com/acme/shop/issues/7",
        "state": "open",
        "labels": ("incident",),
        "decision": "incident",
        "phase": "first-aid",
        "roles": {"investigator": ("@alice",), "communicator": ("@carol",), "recorder": ("@dave",)},
        "created_at": datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        "resolved_at": None,
        "generated_at": datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
        "body": body,
        "comments": comments,
    }
    values.update(kw)
    return ReportInput(**values)  # type: ignore[arg-type]


def comment(body: str, i: int = 0) -> ReportComment:
    return ReportComment(f"user{i}", datetime(2026, 11, 20, 10, i % 60, tzinfo=UTC), body)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def drawn(data: bytes) -> list[tuple[object, str]]:
    """(font dictionary, text) for every run of text drawn in the PDF."""
    runs: list[tuple[object, str]] = []
    for page in PdfReader(io.BytesIO(data)).pages:

        def visit(text: str, cm: object, tm: object, font: object, size: object) -> None:
            if text:
                runs.append((font, text))

        page.extract_text(visitor_text=visit)
    return runs


def image_xobjects(data: bytes) -> int:
    count = 0
    for page in PdfReader(io.BytesIO(data)).pages:
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources else None
        for ref in (xobjects.get_object() if xobjects else {}).values():
            if ref.get_object().get("/Subtype") == "/Image":
                count += 1
    return count


def picture(fmt: str = "PNG", size: tuple[int, int] = (40, 20)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()


_CMAPS: dict[str, frozenset[int]] = {}


def cmap(face: str) -> frozenset[int]:
    if face not in _CMAPS:
        font = TTFont(report.FONTS_DIR / SHIPPED[face], lazy=True)
        _CMAPS[face] = frozenset(font.getBestCmap())
    return _CMAPS[face]


# --------------------------------------------------------------------------- hostile input, in a child


HOSTILE_CHILD = r"""
import json, os, sys, time
spec = json.loads(sys.argv[1])
from datetime import datetime, timezone
from incident_kit.render import pdf as report
from incident_kit.render.pdf import ReportComment, ReportInput, render_pdf

def make(body, comments=()):
    return ReportInput(
        repository="acme/shop", number=7, title="Checkout down", url="https://github.com/acme/shop/issues/7",
        state="open", labels=("incident",), decision="incident", phase="first-aid", roles={},
        created_at=datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc), resolved_at=None,
        generated_at=datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc), body=body, comments=comments,
    )

render_pdf(make("warm-up: every lazy import happens before the hook")); report._pdf("<p>warm</p>", frozenset())
events = []
WATCH = ("open", "socket.connect", "socket.getaddrinfo", "os.system", "subprocess.Popen", "os.exec", "os.posix_spawn",
         "os.spawn", "os.fork", "urllib.Request", "http.client.connect")
def hook(event, args):
    if event in WATCH:
        events.append([event, repr(args[0])[:300] if args else ""])
sys.addaudithook(hook)

out = spec["out"]
timings = {}
from reportlab import rl_config
from reportlab.lib.colors import toColor
results = {"toColorCanUse": repr(rl_config.toColorCanUse), "env": os.environ.get("RL_toColorCanUse")}
try:
    toColor(spec["cve_expr"])
    results["toColor"] = "accepted"
except Exception as exc:
    results["toColor"] = type(exc).__name__
for i, payload in enumerate(spec["payloads"]):
    for where in ("body", "comment", "raw"):
        start = time.perf_counter()
        if where == "body":
            pdf = render_pdf(make("Before.\n\n" + payload + "\n\nAfter."))
        elif where == "comment":
            c = ReportComment("mallory", datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc), payload)
            pdf = render_pdf(make("Body.", (c,)))
        else:
            # Unsanitized, straight to the PDF engine: the resource policy and the
            # link_callback must hold on their own.
            pdf, _log = report._pdf("<html><body><p>raw</p>" + payload + "</body></html>", frozenset())
        timings[f"{i}-{where}"] = time.perf_counter() - start
        open(os.path.join(out, f"{i}-{where}.pdf"), "wb").write(pdf)
results.update(events=events, timings=timings)
print(json.dumps(results))
"""


@pytest.fixture()
def listener() -> Iterator[tuple[int, Callable[[], list[object]]]]:
    """A loopback TCP listener: its port, and a function that accepts what is pending and lists every caller."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    srv.setblocking(False)
    seen: list[object] = []

    def callers() -> list[object]:
        while select.select([srv], [], [], 0.2)[0]:
            conn, addr = srv.accept()
            seen.append(addr)
            conn.close()
        return seen

    yield srv.getsockname()[1], callers
    srv.close()


def hostile_payloads(port: int, canary: Path, data_png: str) -> list[str]:
    return [
        '<img src="/proc/self/environ">',
        '<img src="/etc/passwd">',
        "![x](/etc/passwd)",
        f"![x]({canary})",
        f'<img src="{canary}">',
        f'<img src="file://{canary}">',
        '<img src="http://169.254.169.254/latest/meta-data/">',
        f'<img src="http://127.0.0.1:{port}/x.png">',
        f"![x](http://127.0.0.1:{port}/y.png)",
        f'<link rel="stylesheet" href="{canary}">',
        f'<style>@import url("http://127.0.0.1:{port}/a.css");</style>',
        f"<style>@font-face {{ font-family: x; src: url('http://127.0.0.1:{port}/f.ttf'); }}</style>",
        f"<div style=\"background-image:url('{canary}')\">x</div>",
        '<pdf:barcode value="x" type="code128"/>',
        CVE_2023_33733,
        '<table><tr><td bgcolor="rgb(' + "9" * 90 + '">cell</td></tr></table>',
        '<style>a{content:"' + "\\" * 40 + "</style>",
        "{{ 7*7 }} and {% raw %} and {# c #}",
        f'<img src="{data_png}">',
        f"![inline]({data_png})",
        f"<script>document.write('x')</script><iframe src=\"http://127.0.0.1:{port}/\"></iframe>",
    ]


def test_hostile_markdown_reads_no_file_reaches_no_host_runs_no_code(
    tmp_path: Path, listener: tuple[int, Callable[[], list[object]]]
) -> None:
    port, callers = listener
    secret = f"CANARY-{uuid.uuid4().hex}"
    canary = tmp_path / "canary.css"
    canary.write_text(f"body {{ color: red }} /* {secret} */", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    data_png = "data:image/png;base64," + base64.b64encode(picture()).decode()
    payloads = hostile_payloads(port, canary, data_png)
    spec = {
        "payloads": payloads,
        "out": str(out),
        "cve_expr": CVE_2023_33733.split('"')[1],
    }
    env = dict(os.environ, PYTHONPATH=str(SRC), RL_toColorCanUse="rl_safe_eval")
    proc = subprocess.run(
        [sys.executable, "-c", HOSTILE_CHILD, json.dumps(spec)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)

    # Code: the CVE payload ran nothing, even with the environment asking for the eval.
    assert result["env"] == "rl_safe_eval"
    assert result["toColorCanUse"] == "None"
    assert result["toColor"] == "ValueError"
    assert not (tmp_path / "pwned").exists()
    assert not [e for e in result["events"] if e[0] in ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn")]
    # Network: nothing resolved or connected, and the listener saw nobody.
    assert not [e for e in result["events"] if e[0].startswith(("socket", "urllib", "http"))]
    assert callers() == []
    # Files: no hostile path was opened (fonts are registered at import, before the hook).
    opened = [e[1] for e in result["events"] if e[0] == "open"]
    assert [o for o in opened if str(out) in o]  # the hook did see opens: the child's own PDFs
    for path in ("/etc/passwd", "/proc/self/environ", str(canary)):
        assert not [o for o in opened if path in o], (path, opened)
    # Hangs: the child as a whole has a timeout (a render that hangs fails the run above); how fast
    # each render is belongs in bench/, not in a timed assertion. Every payload did come back:
    assert len(result["timings"]) == 3 * len(payloads), sorted(result["timings"])
    # xhtml2pdf's log (which quotes document text) never reached stderr.
    assert "Blocked by the resource policy" not in proc.stderr

    for i, payload in enumerate(payloads):
        for where in ("body", "comment", "raw"):
            data = (out / f"{i}-{where}.pdf").read_bytes()
            assert data.startswith(b"%PDF-"), (payload, where)
            text = pdf_text(data)
            assert secret not in text and secret.encode() not in data, (payload, where)
            if where != "raw":
                # Only images the caller supplied are embedded; an author's data: URI is not.
                assert image_xobjects(data) == 0, (payload, where)
            if payload.startswith("{{"):
                assert "{{ 7*7 }}" in text and "{% raw %}" in text and "{# c #}" in text
                assert "49" not in text


def test_sanitized_html_keeps_no_active_markup() -> None:
    canary = "/tmp/never-read"
    payloads = hostile_payloads(1, Path(canary), "data:image/png;base64,iVBORw0KGgo=")
    for payload in payloads:
        for inp in (make(payload), make("Body.", (comment(payload),))):
            page = render_html(inp)
            body = page.split("</style>", 1)[1]  # the template's own CSS is the only style
            assert "<img" not in body, payload
            for bad in (" style=", "<link", "<style", "<script", "<iframe", "<font", "bgcolor", "<pdf:barcode"):
                assert bad not in body, (payload, bad)
            assert re.findall(r"<pdf:[a-z]+", body) in ([], ["<pdf:pagenumber", "<pdf:pagecount"]), payload
            assert not re.search(r'(?:src|href)="(?!https?://|mailto:)', body), payload


def test_resource_policy_and_link_callback_refuse_everything_but_our_images() -> None:
    from xhtml2pdf.config.resources import ResourceAccessError

    policy = report._policy()
    for path in ("/etc/passwd", "/proc/self/environ", str(report.FONTS_DIR / "DejaVuSans.ttf"), "relative.css"):
        with pytest.raises(ResourceAccessError):
            policy.check_path(path)
    for url in ("https://example.com/x.png", "http://127.0.0.1:9/x", "http://169.254.169.254/", "ftp://x/y"):
        with pytest.raises(ResourceAccessError):
            policy.check_url(url)
    ours = "data:image/png;base64,AAAA"
    callback = report._link_callback(frozenset({ours}))
    assert callback(ours, None) == ours
    for other in ("/etc/passwd", "data:image/png;base64,BBBB", "https://github.com/x.png", "", None):
        refused = callback(other, None)
        # A refusal is a name no policy can read, never the original URI (xhtml2pdf falls back to it on None).
        assert refused == report._REFUSED and refused


def test_toColorCanUse_from_the_environment_cannot_reopen_the_eval() -> None:
    code = (
        "from reportlab import rl_config; before = rl_config.toColorCanUse; import incident_kit.render.pdf; "
        "rl_config._reset(); incident_kit.render.pdf._harden_reportlab(); print(before, rl_config.toColorCanUse)"
    )
    env = dict(os.environ, PYTHONPATH=str(SRC), RL_toColorCanUse="rl_safe_eval")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["rl_safe_eval", "None"]


def test_control_characters_and_lone_surrogates_do_not_break_a_render() -> None:
    inp = make("nul \x00 bell \x07 half \ud83d end", (comment("\x1b[31mred\x1b[0m"),), title="bad \udc00 title")
    text = pdf_text(render_pdf(inp))
    assert "nul" in text and "end" in text and "red" in text and "[U+DC00]" in text


def test_a_document_the_engine_refuses_still_gives_a_report() -> None:
    inp = make("<b>" * 300 + "deeply bold" + "</b>" * 300)  # past xhtml2pdf's nesting limit
    text = pdf_text(render_pdf(inp))
    assert "could not be laid out" in text
    assert "deeply bold" in text


# --------------------------------------------------------------------------- text and fonts


def test_japanese_boxes_and_accents_come_back_out() -> None:
    body = f"{JAPANESE}\n\nCafé, Ñandú, naïve, Łódź\n\n- [x] ロールバック完了\n- [ ] 原因の調査"
    inp = make(body, (comment("**調査中です**。`checkout-api` のエラー率が上昇"),), title=f"{JAPANESE} (checkout)")
    text = pdf_text(render_pdf(inp))
    for expected in (
        JAPANESE,
        "Café, Ñandú, naïve, Łódź",
        "☑ ロールバック完了",
        "☐ 原因の調査",
        "調査中です",
        "エラー率",
    ):
        assert expected in text, expected


def test_every_drawn_character_has_a_glyph_in_an_embedded_shipped_font() -> None:
    body = (
        f"# {JAPANESE}\n\n**Bold Café Ñandú 太字** and *emphasis* ~~gone~~\n\n"
        "- [x] done ☑\n- [ ] open ☐\n\n| 列 | Größe |\n|---|---|\n| 値 | “quoted” — dash |\n\n"
        "```\ncode 日本語 ±×÷ → ✓\n```\n\nDeploy 🔥 ok 👍🏽 and 👨‍💻, ① ② ㈱, “—” €£¥\n"
    )
    data = render_pdf(make(body, (comment("Comment: 絵文字 🎉 done ✅"),)))
    used: set[str] = set()
    for font, text in drawn(data):
        chars = {c for c in text if not c.isspace()}
        if not chars:
            continue  # xhtml2pdf sets spaces in Helvetica; a space has no glyph to miss
        assert font is not None, text
        base = str(font["/BaseFont"]).lstrip("/")
        face = base.split("+", 1)[-1]
        assert face in SHIPPED, (base, text)
        assert "/FontFile2" in font["/FontDescriptor"], base  # embedded, not referenced
        missing = {c for c in chars if ord(c) not in cmap(face)}
        assert not missing, (face, missing, text)
        used.add(face)
    assert {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono", "IPAexGothic"} <= used
    text = pdf_text(data)
    # Emoji no shipped font has are printed as their names, never as boxes.
    assert ":fire:" in text and ":party_popper:" in text and ":thumbs_up_sign:" in text
    assert not {"🔥", "🎉", "👍", "👨", "\ufffd"} & set(text)


def test_fonts_are_the_shipped_truetype_files_with_their_licences() -> None:
    from reportlab.pdfbase import pdfmetrics

    for file in SHIPPED.values():
        font = TTFont(report.FONTS_DIR / file, lazy=True)
        assert "glyf" in font and "CFF " not in font, file  # reportlab reads TrueType outlines only
    assert {0x2610, 0x2611} <= cmap("DejaVuSans") and {0x2610, 0x2611} <= cmap("DejaVuSans-Bold")
    assert ord("決") in cmap("IPAexGothic") and 0x2610 not in cmap("IPAexGothic")  # why DejaVu comes first
    for licence in ("LICENSE-DejaVu.txt", "LICENSE-IPAexGothic.txt"):
        assert (report.FONTS_DIR / licence).stat().st_size > 1000
    for name in report._FACES:
        # Registered from the package, so a runner without these fonts installed draws the same.
        assert Path(pdfmetrics.getFont(name).face.filename).resolve().parent == report.FONTS_DIR
    from xhtml2pdf import default

    assert {default.DEFAULT_FONT[f] for f in ("ik-sans", "ik-gothic", "ik-mono")} <= set(report._FACES)


def test_task_items_print_as_boxes() -> None:
    body = "- [x] ticked item\n- [ ] unticked item\n- [X] form tick\n  - [ ] nested open\r\n"
    page = render_html(make(body))
    assert "<input" not in page
    lines = [line.strip() for line in pdf_text(render_pdf(make(body))).splitlines()]
    for expected in ("☑ ticked item", "☐ unticked item", "☑ form tick", "☐ nested open"):
        assert expected in lines, (expected, lines)


@pytest.mark.parametrize("tick", ["x", " "])
def test_the_psychological_safety_box_prints_without_its_state(tick: str) -> None:
    """Whether someone ticked it is never shown by the bot (body.checklist.is_private); the PDF goes
    to stakeholders, so that box prints as its text with no box, ticked or not, in either wording."""
    body = (
        "- [x] Output pdf\n"
        f"- [{tick}] Let the manager know if you feel psychological safety is broken.\n"
        f"- [{tick}] Let manager to know if you feel be broke psychological safety.\n"
        f"- [{tick}] **心理的安全性**が損なわれたと感じたらマネージャーに伝える\n"
        "  - [ ] nested open\n"
    )
    text = pdf_text(render_pdf(make(body)))
    lines = [line.strip() for line in text.splitlines()]
    assert "☑ Output pdf" in lines and "☐ nested open" in lines, lines  # other boxes keep their state
    for wording in (
        "Let the manager know if you feel psychological safety is broken.",
        "Let manager to know if you feel be broke psychological safety.",
        "心理的安全性が損なわれたと感じたらマネージャーに伝える",
    ):
        assert f"(private: not shown) {wording}" in lines, (wording, lines)
    assert text.count("☑") == 1 and text.count("☐") == 1, text


def test_template_syntax_in_the_issue_is_text() -> None:
    inp = make("{{ 7*7 }} {% raw %} {{ inp.url }}", (comment("{% for x in range(3) %}{{ x }}{% endfor %}"),))
    inp = make(inp.body, inp.comments, title="{{ 7*7 }}", labels=("{{ 7*7 }}",))
    text = pdf_text(render_pdf(inp))
    assert text.count("{{ 7*7 }}") >= 3 and "{% raw %}" in text and "{{ inp.url }}" in text
    assert "{% for x in range(3) %}{{ x }}{% endfor %}" in text
    assert "49" not in text and "012" not in text


def test_markdown_renders_like_github() -> None:
    body = (
        "## Impact\r\nFirst line\r\nsecond line\r\n\r\n"
        "1. step\r\n   - nested a\r\n     - deeper\r\n2. next\r\n\r\n"
        "| a | b |\r\n|:--|--:|\r\n| 1 | 2 |\r\n\r\n"
        "```sh\r\nkubectl rollout undo\r\n```\r\n\r\n"
        "~~wrong~~ see [the runbook](https://example.com/runbook) or https://example.com/auto\r\n"
        "[relative](../secrets) [js](javascript:alert(1))\r\n"
    )
    page = render_html(make(body))
    assert page == render_html(make(body.replace("\r\n", "\n")))  # CRLF from the web UI changes nothing
    assert "<h2>Impact</h2>" in page and "First line<br>" in page
    assert re.search(r"<ol>\s*<li>step\s*<ul>\s*<li>nested a\s*<ul>", page)
    assert "<table>" in page and '<td align="right">2</td>' in page
    assert "<pre><code>kubectl rollout undo" in page and "<del>wrong</del>" in page
    text = pdf_text(render_pdf(make(body)))
    assert "the runbook (https://example.com/runbook)" in text  # a link prints its URL
    assert "https://example.com/auto" in text and "(https://example.com/auto)" not in text
    assert "relative" in text and "../secrets" not in text and "javascript" not in text


def test_long_code_blocks_and_paragraphs_are_cut_into_short_blocks() -> None:
    lines = [f"line {i}" for i in range(2000)]
    page = render_html(make("```\n" + "\n".join(lines) + "\n```\n\n" + "\n".join(lines)))
    assert page.count("<pre") == 50 and page.count('<p class="cut-') == 50
    # The cut is what keeps a 2,000-line block from taking 9 s to lay out; how long it takes now
    # is bench/'s to measure (no timed tests), this checks every line still reaches the PDF.
    text = pdf_text(render_pdf(make("```\n" + "\n".join(lines) + "\n```")))
    assert all(f"line {i}" in text for i in (0, 39, 40, 1999))


# --------------------------------------------------------------------------- images


def test_a_supplied_image_is_embedded_and_others_print_as_links() -> None:
    uploaded = f'<img width="1920" height="1080" alt="Image" src="{ATTACHMENT}" />'  # as GitHub's uploader writes it
    body = f"Screenshot:\n\n{uploaded}\n\n![graph]({OTHER_ATTACHMENT})\n"
    played = "https://github.com/user-attachments/assets/84f60f0f-cd7d-4513-b90b-37a0ffb5feed"
    inp = make(body, (comment(f"Video:\n{VIDEO}\n"), comment(f'<video src="{played}" controls></video>')))
    assert image_urls(inp) == [ATTACHMENT, OTHER_ATTACHMENT]
    data = render_pdf(inp, {ATTACHMENT: picture()})
    assert image_xobjects(data) == 1
    text = squash(pdf_text(data))
    assert squash(f"[image: graph] {OTHER_ATTACHMENT}") in text
    assert squash(ATTACHMENT) not in text  # embedded, not printed
    assert squash(f"[video] {VIDEO}") in text and squash(f"[video] {played}") in text  # videos are links
    assert image_xobjects(render_pdf(inp)) == 0
    assert squash(ATTACHMENT) in squash(pdf_text(render_pdf(inp)))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF"])
def test_png_jpeg_and_gif_are_embedded(fmt: str) -> None:
    data = render_pdf(make(f"![x]({ATTACHMENT})"), {ATTACHMENT: picture(fmt)})
    assert image_xobjects(data) == 1
    assert report._Images({ATTACHMENT: picture(fmt)}).picture(ATTACHMENT) is not None


def test_only_real_images_supplied_for_image_urls_are_embedded() -> None:
    png = picture()
    data_uri = "data:image/png;base64," + base64.b64encode(png).decode()
    cases = {
        "svg": (f"![x]({ATTACHMENT})", {ATTACHMENT: b"<svg xmlns='http://www.w3.org/2000/svg'/>"}),
        "html": (f"![x]({ATTACHMENT})", {ATTACHMENT: b"<html><img src='/etc/passwd'></html>"}),
        "truncated png": (f"![x]({ATTACHMENT})", {ATTACHMENT: png[:12]}),
        "author data uri": (f'<img src="{data_uri}">', {data_uri: png}),
        "a link, not an image": (f"[x]({ATTACHMENT})", {ATTACHMENT: png}),
        "bomb": (f"![x]({ATTACHMENT})", {ATTACHMENT: picture("PNG", (6000, 6000))}),
    }
    for name, (body, images) in cases.items():
        data = render_pdf(make(body), images)
        assert image_xobjects(data) == 0, name
        assert data_uri not in render_html(make(body), images), name


def test_image_urls_lists_github_attachment_images_only() -> None:
    legacy = "https://user-images.githubusercontent.com/61496082/128873231-fc02ca9c-808c-4b69-a0f1-efd0a43a2a03.png"
    signed = "https://private-user-images.githubusercontent.com/1/2-3.png?jwt=abc.def&x=1"
    repo_asset = "https://github.com/FuelLabs/fuels-ts/assets/9402987/b55350b9-ba44-467a-8335-70234583cfd3"
    camo = "https://camo.githubusercontent.com/abc123/68747470"
    body = "\n\n".join(  # blank lines between: an HTML line starts a block that runs to the next one
        [
            f'<img src="{ATTACHMENT}">',
            f"![a]({repo_asset})",
            f"![b]({legacy}) ![b again]({legacy})",
            f'<img src="{signed}">',
            f"![c]({camo})",
            VIDEO,  # a bare line: a video, not an image
            f"[a link]({OTHER_ATTACHMENT})",
            "![http](http://user-images.githubusercontent.com/1/2.png)",
            "![elsewhere](https://evil.example.com/user-attachments/assets/x.png)",
            "![file](https://github.com/acme/shop/files/123/log.png)",
            "![relative](/user-attachments/assets/71fb75fd-a0a7-48bc-8030-21ba3b5f2dec)",
            "![movie](https://user-images.githubusercontent.com/1/2.mp4)",
            "![spoof](https://github.com.evil.example/user-attachments/assets/71fb75fd-a0a7-48bc-8030-21ba3b5f2dec)",
            "`![in code](https://user-images.githubusercontent.com/1/code.png)`",
        ]
    )
    inp = make(body, (comment(f"![late]({OTHER_ATTACHMENT})"),))
    assert image_urls(inp) == [ATTACHMENT, repo_asset, legacy, signed, camo, OTHER_ATTACHMENT]


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Checkout returns 500 for every user", "checkout-returns-500-for-every-user"),
        ("../../.github/workflows/x", "github-workflows-x"),
        ("CON", "con-incident"),
        ("nul.txt", "nul-txt"),
        ("COM1", "com1-incident"),
        ("🔥🔥🔥", "incident"),
        ("", "incident"),
        ("   ---   ", "incident"),
        (JAPANESE, "500"),
        ("Café Ñandú ＡＢＣ", "cafe-nandu-abc"),
        ("a" * 300, "a" * 60),
        ("word " * 60, ("word-" * 12).strip("-")),
    ],
)
def test_report_path_slug_is_short_and_safe(title: str, slug: str) -> None:
    created = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    path = report_path("incidents/{year}/{number}-{slug}.pdf", created, 7, title)
    assert path == f"incidents/2026/7-{slug}.pdf"
    assert re.fullmatch(r"[a-z0-9-]{1,60}", slug) and not slug.startswith("-") and not slug.endswith("-")
    assert report_path("{slug}.pdf", created, 7, title) == f"{slug}.pdf"


def test_report_path_fields_and_refusals() -> None:
    late = datetime(2026, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 2027 in UTC
    assert report_path("r/{year}-{month}-{day}/{number}.pdf", late, 12, "x") == "r/2027-01-01/12.pdf"
    assert report_path("r/{year}/{slug}.pdf", datetime(2026, 5, 1, 12, 0), 1, "Naive") == "r/2026/naive.pdf"
    with pytest.raises(ValueError, match="unknown field"):
        report_path("r/{title}.pdf", late, 1, "x")
    for template in ("/abs/{slug}.pdf", "r/../{slug}.pdf", "r//{slug}.pdf"):
        with pytest.raises(ValueError, match="relative path"):
            report_path(template, late, 1, "x")


# --------------------------------------------------------------------------- determinism and scale


def test_same_input_gives_the_same_bytes_in_any_process(tmp_path: Path) -> None:
    body = f"{JAPANESE}\n\n- [x] done\n\n![s]({ATTACHMENT})\n\n**bold** `code`"
    inp = make(
        body, (comment("調査中"),), timeline=(("2026-11-20 09:00", "opened", "bot"),), figures=(("TTFA", "1 h"),)
    )
    images = {ATTACHMENT: picture()}
    first = render_pdf(inp, images)
    assert render_pdf(inp, images) == first
    code = (
        "import sys, pickle; from incident_kit.render.pdf import render_pdf; "
        "inp, images = pickle.loads(sys.stdin.buffer.read()); sys.stdout.buffer.write(render_pdf(inp, images))"
    )
    import pickle

    env = dict(os.environ, PYTHONPATH=str(SRC))
    other = subprocess.run(
        [sys.executable, "-c", code],
        input=pickle.dumps((inp, images)),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
        check=True,
    ).stdout
    assert other == first


def test_a_thousand_comments_render() -> None:
    shapes = [
        "調査中です。\n\n- 影響: 全ユーザー\n- `checkout-api` のエラー率 **42%**",
        "Rolled back.\n\n```\n$ kubectl rollout undo deploy/checkout-api\n```",
        "| region | errors |\n|:--|--:|\n| ap-northeast-1 | 1,204 |",
    ]
    comments = tuple(comment(f"#{i}: " + shapes[i % 3], i) for i in range(1000))
    # How fast is bench/bench_report.py's to say (no timed tests); this checks it is all there.
    data = render_pdf(make("Body.", comments))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 50
    assert "#999:" in (reader.pages[-1].extract_text() or "") + (reader.pages[-2].extract_text() or "")


def test_cover_names_people_alike_dates_what_it_shows_and_the_timeline_header_repeats() -> None:
    """A newcomer trial: the cover said `Investigator alice, bob` beside `Postmortem Facilitator @carol`,
    "Generated" was the time of the last comment, and the timeline's header was on its first page only."""
    rows = tuple(
        (f"2026-11-20 {9 + i // 60:02d}:{i % 60:02d}", f"step number {i} of the rollback", "person") for i in range(120)
    )
    data = render_pdf(
        make(
            roles={"investigator": ("alice", "bob"), "communicator": ("carol",), "recorder": ()},
            meeting_roles=(("Facilitator", "@carol"), ("Writer", "@dave")),
            timeline=rows,
        )
    )
    pages = [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]
    cover = squash(pages[0])
    assert "Investigator@alice,@bob" in cover and "Communicator@carol" in cover, pages[0]
    assert "PostmortemFacilitator@carol" in cover
    assert "asof2026-11-2012:00utc(thelatestchangetotheissueitshows)" in cover.lower() and "Generated" not in cover
    with_rows = [p for p in pages if "of the rollback" in p]
    assert len(with_rows) >= 2  # the timeline spans pages
    for page in with_rows:
        assert "TimeWhathappenedSource" in squash(page), page[:300]
