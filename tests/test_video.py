"""Video detection against GitHub's real attachment URL forms (``shared/fixtures/attachments.json``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import check, rules

from incident_kit.body import edits
from incident_kit.body.parse import parse_incident
from incident_kit.body.video import DEFAULT_VIDEO_HOSTS, classify


def _written(shape: str, url: str) -> str:
    """The markdown GitHub's uploader (or a person) writes for a URL of a given shape."""
    if shape.startswith("bare-line"):
        return url
    if shape.startswith("!["):
        return f"![image]({url})"
    if shape.startswith("<img"):
        return f'<img width="601" alt="Image" src="{url}" />'
    if shape.startswith("["):
        return f"[file]({url})"
    return f"see {url} for the recording"


def test_real_attachment_examples(shared: Path, template: str) -> None:
    examples = json.loads((shared / "fixtures" / "attachments.json").read_text())["examples"]
    assert len(examples) >= 20
    for example in examples:
        body = edits.attach_video(template, _written(example["markdown_shape"], example["url"]))
        found = parse_incident(body).videos
        expected_video = example["kind"].startswith("video")
        assert bool(found) == expected_video, example
        if expected_video:
            assert found[0].url == example["url"].rstrip(".,;:")


@pytest.mark.parametrize(
    ("url", "context", "kind"),
    [
        ("https://github.com/user-attachments/assets/5c525197-0d54-4163-bfe6-54fc656dd1fe", "bare", "video"),
        ("https://github.com/user-attachments/assets/5c525197-0d54-4163-bfe6-54fc656dd1fe", "image", "image"),
        ("https://github.com/user-attachments/assets/5c525197-0d54-4163-bfe6-54fc656dd1fe", "video", "video"),
        ("https://github.com/user-attachments/files/1/screen.webm", "bare", "video"),
        ("https://github.com/user-attachments/files/1/notes.pdf", "bare", "link"),
        ("https://github.com/o/r/files/2/rec.MOV", "bare", "video"),
        ("https://www.youtube.com/watch?v=x", "bare", "video"),
        ("https://youtu.be/x", "bare", "video"),
        ("https://drive.google.com/file/d/1/view", "bare", "video"),
        ("https://evil-youtube.com/x", "bare", "link"),
        ("https://example.com/recording.mp4", "bare", "link"),
    ],
)
def test_classify(url: str, context: str, kind: str) -> None:
    assert classify(url, context, DEFAULT_VIDEO_HOSTS)[0] == kind


def test_video_tag_and_allowed_host_config(template: str) -> None:
    from incident_kit.settings.config import Config, VideoSettings

    body = edits.attach_video(template, '<video src="https://example.com/a.mp4"></video>')
    assert "video-missing" in rules(check(body))  # not GitHub's host, not allowed
    loom = edits.attach_video(template, "https://www.loom.com/share/abc")
    assert "video-missing" not in rules(check(loom))
    assert "video-missing" in rules(check(loom, config=Config(video=VideoSettings(hosts=("vimeo.com",)))))
    other = edits.attach_video(template, "https://cdn.example.com/rec.webm")
    msg = next(f.message for f in check(other).findings if f.rule == "video-missing")
    assert "https://cdn.example.com/rec.webm is a video on a host not in video.allowed-hosts" in msg


def test_video_outside_the_section_does_not_count_but_missing_heading_searches_all(template: str) -> None:
    url = "https://github.com/user-attachments/assets/5c525197-0d54-4163-bfe6-54fc656dd1fe"
    elsewhere = edits.fill_field(template, "First aid", url)
    assert parse_incident(elsewhere).videos == ()
    no_heading = "Checkout is down\n\n" + url + "\n"
    assert [v.url for v in parse_incident(no_heading).videos] == [url]
