"""Times as people write them in an incident: dates, clock times, zones, in English and Japanese.

The timeline and the postmortem line are written by hand, under pressure, on laptops
and phones, by teams in more than one zone. This module reads one leading time stamp
and says how it read it, so a misread is visible (the status comment shows every time
as UTC and in the team's zone):

- dates: ``2026-12-03``, ``2026/12/03``, ``2026.12.03``, ``12/03`` (month first),
  ``12月3日``, ``2026年12月3日`` (a weekday such as ``(火)`` may follow), ISO ``2026-12-03T19:00``;
- clock times: ``19:00``, ``19:00:30``, ``7pm``, ``7:05 p.m.``, ``午後7時``, ``19時30分``, ``19時半``;
  a timeline line may leave out the date and then has the date of the line above it;
- zones: ``UTC``/``GMT``/``Z``, offsets (``+09:00``, ``-0800``, ``UTC+9``), the unambiguous
  abbreviations in :data:`ZONES` (JST, KST, PST/PDT, EST/EDT, CET/CEST, ...), IANA names
  such as ``Asia/Tokyo``; an ambiguous abbreviation (:data:`AMBIGUOUS`: CST, IST, ...)
  is an error asking for an offset, never a guess; no zone means the zone the caller gives
  (the timeline passes the zone of the line above that wrote one, else the team's ``timezone:``).

Text is expected NFKC-folded already (:func:`incident_kit.body.text.fold`), so full-width
digits, colons and letters arrive as ASCII. A yearless date takes the year that puts it
closest to the issue's creation.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

from incident_kit.basics.patterns import LazyPattern
from incident_kit.basics.times import FIRST_YEAR, LAST_YEAR

# Abbreviations with one meaning in practice, as offsets from UTC in hours.
ZONES: dict[str, float] = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "WEST": 1,
    "CET": 1,
    "CEST": 2,
    "MET": 1,
    "MEST": 2,
    "EET": 2,
    "EEST": 3,
    "MSK": 3,
    "ICT": 7,
    "WIB": 7,
    "SGT": 8,
    "HKT": 8,
    "AWST": 8,
    "PHT": 8,
    "JST": 9,
    "KST": 9,
    "ACST": 9.5,
    "AEST": 10,
    "AEDT": 11,
    "NZST": 12,
    "NZDT": 13,
    "HST": -10,
    "AKST": -9,
    "AKDT": -8,
    "PST": -8,
    "PDT": -7,
    "MST": -7,
    "MDT": -6,
    "EST": -5,
    "EDT": -4,
}
# Abbreviations that name more than one zone: reading one would be a guess.
AMBIGUOUS: dict[str, str] = {
    "CST": "US Central (-06:00), China (+08:00) or Cuba (-05:00)",
    "CDT": "US Central daylight (-05:00) or Cuba daylight (-04:00)",
    "IST": "India (+05:30), Israel (+02:00) or Ireland (+01:00)",
    "BST": "British summer (+01:00) or Bangladesh (+06:00)",
    "AST": "Atlantic (-04:00) or Arabia (+03:00)",
    "ADT": "Atlantic daylight (-03:00) or Arabia daylight (+04:00)",
}

_DATE = (
    r"(?:(?P<y>\d{4})[-/.](?P<mo>\d{1,2})[-/.](?P<d>\d{1,2})"
    r"|(?:(?P<yj>\d{4})\s*年\s*)?(?P<moj>\d{1,2})\s*月\s*(?P<dj>\d{1,2})\s*日(?:\s*[(（][^)）\s]{1,3}[)）])?"
    r"|(?P<mo2>\d{1,2})/(?P<d2>\d{1,2})(?![/\d]))"
)
_TIME = (
    r"(?P<pre>午前|午後)?\s*(?P<h>\d{1,2})"
    r"(?::(?P<mi>\d{2})(?::\d{2}(?:\.\d+)?)?|\s*時\s*(?:(?P<mij>\d{1,2})\s*分|(?P<half>半))?)?"
    r"(?:\s*(?P<ampm>[ap])\.?\s?m(?![A-Za-z])\.?)?"
)
_ABBREVIATIONS = "|".join(sorted([*ZONES, *AMBIGUOUS], key=len, reverse=True))
_ZONE = (
    r"(?:\s*[(\[]?\s*(?:"
    r"(?P<gmt>UTC|GMT)\s*(?P<gsign>[+-])\s*(?P<gh>\d{1,2})(?::?(?P<gm>\d{2}))?"
    r"|(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2})"
    r"|(?P<iana>[A-Za-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?)"
    rf"|(?P<abbr>{_ABBREVIATIONS})"
    r")(?![A-Za-z0-9])\s*[)\]]?)?"
)
_STAMP = re.compile(rf"^(?:{_DATE}(?:\s*[T,]\s*|\s+(?:at\s+)?)?)?(?:{_TIME}){_ZONE}", re.I)
_DATE_ONLY = LazyPattern(rf"^{_DATE}", re.I)
_REST_LEAD = " \t:-–—|"


@dataclass(frozen=True)
class ReadTime:
    """One time stamp as read: the moment (aware, UTC), what follows it, and how the zone was chosen."""

    when: datetime | None
    rest: str  # the text after the stamp (and its separator)
    error: str | None  # why no time could be read, in words a person can act on
    written: str = ""  # the stamp as written (folded)
    zone: str = ""  # the zone as read: "JST", "+09:00", "Asia/Tokyo", or "Asia/Tokyo (team zone)"
    local: datetime | None = None  # the same moment in the zone it was written in
    zone_written: bool = False  # the stamp names its zone (else it was given by the caller)


@functools.cache
def zone_info(name: str) -> tzinfo:
    """An IANA zone (or UTC); raises KeyError for a name the tz database does not have."""
    if name.upper() == "UTC":
        return UTC
    import zoneinfo  # deferred: most bodies in most teams never need the tz database

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise KeyError(name) from None


def _offset(hours: float) -> tzinfo:
    return UTC if hours == 0 else timezone(timedelta(minutes=round(hours * 60)))


def _is_range(m: re.Match[str], text: str) -> bool:
    """``19:00-21:00`` is a range, not the offset -21:00: a sign glued to a plain HH:MM starts an end time.

    An offset glued to the time is ISO 8601 (``2026-12-03T19:00-08:00``, ``19:00:00+09:00``).
    """
    if not m["sign"]:
        return False
    head = text[: m.start("sign")]
    return head[-1:].isdigit() and "T" not in head.upper() and head.count(":") < 2


def _zone_of(m: re.Match[str], team_zone: str | tzinfo) -> tuple[tzinfo | None, str, str | None]:
    """(zone, how it reads, error) for a matched stamp."""
    if m["gmt"]:
        hours = int(m["gh"]) + int(m["gm"] or 0) / 60
        if hours > 14:
            return None, "", f"'{m['gmt']}{m['gsign']}{m['gh']}' is not an offset from UTC (at most 14 hours)"
        sign = -1 if m["gsign"] == "-" else 1
        return _offset(sign * hours), f"{m['gmt'].upper()}{m['gsign']}{m['gh']}{':' + m['gm'] if m['gm'] else ''}", None
    if m["sign"]:
        hours = int(m["oh"]) + int(m["om"]) / 60
        if hours > 14 or int(m["om"]) >= 60:
            return None, "", f"'{m['sign']}{m['oh']}:{m['om']}' is not an offset from UTC"
        return _offset((-1 if m["sign"] == "-" else 1) * hours), f"{m['sign']}{m['oh']}:{m['om']}", None
    if m["iana"]:
        try:
            return zone_info(m["iana"]), m["iana"], None
        except KeyError:
            pass  # "CI/CD" after a time is text, not a zone: read it in the team's zone
    if m["abbr"]:
        abbr = m["abbr"].upper()
        if abbr in AMBIGUOUS:
            return (
                None,
                abbr,
                f"'{abbr}' could mean {AMBIGUOUS[abbr]}: write the offset instead, such as 19:00 +08:00, "
                "or an IANA zone such as Asia/Shanghai",
            )
        return _offset(ZONES[abbr]), abbr, None
    if isinstance(team_zone, str):
        return zone_info(team_zone), f"{team_zone} (team zone)", None
    return team_zone, str(team_zone), None


def _hour(m: re.Match[str]) -> tuple[int, int] | None:
    """(hour, minute) in 24-hour form, or None when the clock time cannot exist."""
    hour = int(m["h"])
    minute = 30 if m["half"] else int(m["mi"] or m["mij"] or 0)
    ampm = (m["ampm"] or "").lower()
    if m["pre"] == "午前":
        ampm = "a"
    elif m["pre"] == "午後":
        ampm = "p"
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return hour, minute


# The years a written stamp may have. Python's datetime ends at 0001 and 9999: a postmortem on
# 9999-12-31 23:00 would end past it, and 0001-01-01 shown in any zone west of UTC falls before it.


def _nearest(month: int, day: int, hour: int, minute: int, zone: tzinfo, reference: datetime) -> datetime:
    """The moment for a yearless date in ``zone``, in the year closest to ``reference``."""
    candidates = []
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            candidates.append(datetime(year, month, day, hour, minute, tzinfo=zone))
        except ValueError:
            continue
    if not candidates:
        raise ValueError("no such date")
    return min(candidates, key=lambda c: abs((c - reference).total_seconds()))


def read_time(
    text: str,
    reference: datetime,
    team_zone: str | tzinfo = "UTC",
    default_date: date | None = None,
    *,
    zone_label: str | None = None,
    after: datetime | None = None,
) -> ReadTime:
    """Read the time stamp at the start of ``text`` (folded). ``default_date``: the date of a time-only stamp.

    ``team_zone`` is the zone of a time written without one: an IANA name (the ``timezone:``
    setting), or a zone object (an end time in its start's zone, a timeline line in the zone of
    the line above); ``zone_label`` says how that zone was chosen ("JST, as on line 12").
    ``after``: the moment of the line above. A time-only stamp then takes that line's date (as a
    day in the stamp's zone), or the next day when that is nearer: ``23:50`` then ``00:10`` is
    twenty minutes later, not a day earlier; ``19:00`` then ``18:30`` stays on the same day (and
    is out of order).
    """
    m = _STAMP.match(text)
    if m is not None and _is_range(m, text):
        m = _STAMP.match(text[: m.start("sign")] + " " * (len(text) - m.start("sign")))
        if m is not None:
            m = _STAMP.match(text, 0, len(text[: m.end()].rstrip()))
    if m is None or not (m["mi"] or m["mij"] or m["half"] or "時" in m.group(0) or m["ampm"] or m["pre"]):
        if _DATE_ONLY.match(text):
            return ReadTime(None, text, "the date has no time of day: add one, such as 19:00")
        return ReadTime(None, text, "no date and time at the start")
    written = m.group(0).strip()
    rest = text[m.end() :].lstrip(_REST_LEAD + "〜~").strip()
    has_date = bool(m["y"] or m["moj"] or m["mo2"])
    if not has_date and default_date is None and after is None:
        return ReadTime(None, rest, f"'{written}' has no date: write it as MM/DD HH:MM or YYYY-MM-DD HH:MM", written)
    zone, zone_text, error = _zone_of(m, team_zone)
    zone_written = _names_zone(m)
    if not zone_written and zone_label is not None:
        zone_text = zone_label
    if m["iana"] and zone is not None and m["iana"] != zone_text:
        rest = text[m.start("iana") :].strip()  # "19:00 CI/CD broke": the slash word is text
    if zone is None:
        return ReadTime(None, rest, error, written, zone_text)
    clock = _hour(m)
    if clock is None:
        return ReadTime(
            None, rest, f"'{written}' is not a real date and time (no such time of day)", written, zone_text
        )
    hour, minute = clock
    try:
        if m["y"] or m["yj"]:
            year = int(m["y"] or m["yj"])
            month, day = (int(m["mo"]), int(m["d"])) if m["y"] else (int(m["moj"]), int(m["dj"]))
            local = datetime(year, month, day, hour, minute, tzinfo=zone)
        elif has_date:
            month, day = (int(m["moj"]), int(m["dj"])) if m["moj"] else (int(m["mo2"]), int(m["d2"]))
            local = _nearest(month, day, hour, minute, zone, reference)
        elif after is not None:
            local = _following(after, hour, minute, zone)
        else:
            assert default_date is not None
            local = datetime(default_date.year, default_date.month, default_date.day, hour, minute, tzinfo=zone)
    except ValueError:
        return ReadTime(
            None, rest, f"'{written}' is not a real date and time (dates are month first: MM/DD)", written, zone_text
        )
    if not FIRST_YEAR <= local.year <= LAST_YEAR:
        return ReadTime(
            None, rest, f"the year {local.year} is out of range (write one from {FIRST_YEAR} to {LAST_YEAR})", written
        )
    return ReadTime(local.astimezone(UTC), rest, None, written, zone_text, local, zone_written)


def _names_zone(m: re.Match[str]) -> bool:
    """Whether the stamp itself names a zone (a slash word that is not a tz name does not)."""
    if m["gmt"] or m["sign"] or m["abbr"]:
        return True
    if m["iana"]:
        try:
            zone_info(m["iana"])
        except KeyError:
            return False
        return True
    return False


def _following(after: datetime, hour: int, minute: int, zone: tzinfo) -> datetime:
    """A time-only stamp after the moment ``after``: on its day in ``zone``, or the next day when nearer."""
    day = after.astimezone(zone).date()
    same = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    if same >= after:
        return same
    following = datetime.combine(day + timedelta(days=1), same.timetz())
    return following if following - after < after - same else same


_HEADING_ZONE = LazyPattern(r"[(\[]\s*([^()\[\]]{1,40}?)\s*[)\]]")
_ZONE_ALONE = LazyPattern(rf"^{_ZONE}$", re.I)


def heading_zone(heading: str) -> tuple[tzinfo, str] | None:
    """The zone a heading names in brackets (``Timeline(JST)``, ``Datetime (Asia/Tokyo)``), or None.

    The template's own ``(UTC)`` is None: it is the template's default, so the ``timezone:``
    setting still decides; a team that wrote another zone there means its lines are in it.
    """
    for found in _HEADING_ZONE.finditer(heading):
        m = _ZONE_ALONE.match(found.group(1))
        if m is None or not _names_zone(m):
            continue
        zone, label, error = _zone_of(m, "UTC")
        if zone is None or error is not None:
            continue
        if zone.utcoffset(None) == timedelta(0) and label.upper() in ("UTC", "GMT", "Z"):
            return None
        return zone, label
    return None


def quote_time(
    stamp: str, when: datetime, local: datetime | None, zone: str, zone_written: bool, *, year: bool = False
) -> str:
    """A time as the user wrote it, with the zone it was read in named: never a bare converted time.

    ``'19:01 JST' (10:01 UTC)``, ``'11/20 18:58' (no zone written: read in UTC (team zone))``,
    ``'19時' (no zone written: read in JST, as on line 12, = 10:00 UTC)``.
    """
    utc = when.astimezone(UTC)
    utc_text = f"{utc:%Y-%m-%d %H:%M} UTC" if year else f"{utc:%m/%d %H:%M} UTC"
    if zone_written:
        if local is not None and local.utcoffset() == timedelta(0):
            return f"'{stamp}'"
        return f"'{stamp}' (= {utc_text})"
    if local is not None and local.utcoffset() == timedelta(0):
        return f"'{stamp}' (no zone written: read in {zone}, {utc_text})"
    return f"'{stamp}' (no zone written: read in {zone}, = {utc_text})"


def in_zones(moment: datetime, zones: tuple[str, ...]) -> list[str]:
    """The time in UTC and in each named zone (the team's first), as people read it."""
    out = [f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"]
    for name in dict.fromkeys(zones):
        if name.upper() == "UTC":
            continue
        try:
            local = moment.astimezone(zone_info(name))
        except KeyError:
            continue
        out.append(f"{local:%Y-%m-%d %H:%M} {name}")
    return out
