"""Local events as iCalendar: the feed the forum publishes and the agendas it imports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from civicforum.plugins.events import ical
from civicforum.plugins.events.ical import CalendarError, CalendarEvent, fingerprint
from civicforum.plugins.events.ical import parse_calendar as parse

AMS = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC
AGENDA = Path(__file__).parent.parent / "sample_site" / "agenda.ics"
SITE = "https://www.bibliotheek-voorbeeldstad.example"
LIVE = "https://live.bibliotheek-voorbeeldstad.example"


def at(text: str, zone: dt.tzinfo = AMS, fold: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone, fold=fold)


def event(**changes: Any) -> CalendarEvent:
    fields: dict[str, Any] = {
        "uid": "boekenclub@bibliotheek-voorbeeldstad.example",
        "summary": "Boekenclub",
        "description": "We bespreken een roman.\nNieuwe leden zijn welkom.",
        "start": at("2027-01-21 19:30"),
        "end": at("2027-01-21 21:00"),
        "timezone": "Europe/Amsterdam",
        "location": "Centrale Bibliotheek, Stationsplein 12, 1234 AB Voorbeeldstad",
        "url": f"{SITE}/agenda/boekenclub",
        "last_modified": at("2026-11-20 09:15", UTC),
        "sequence": 1,
    }
    return CalendarEvent(**(fields | changes))


def export(*events: CalendarEvent, **options: Any) -> bytes:
    def page(event: CalendarEvent) -> str:
        return event.url or f"{SITE}/forum/agenda/{event.uid}"

    return ical.export_calendar(
        events, name="Agenda", prodid_site="voorbeeldstad.example", url_for_event=page, **options
    )


def ics(*parts: str, head: str = "") -> bytes:
    """An agenda around some VEVENTs; lines split on newlines, written with CRLF."""
    text = "\n".join(["BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Test//NL", head, *parts])
    lines = [line for line in f"{text}\nEND:VCALENDAR".split("\n") if line]
    return ("\r\n".join(lines) + "\r\n").encode()


def vevent(props: str, uid: str | None = "a@example", summary: str = "Taalcafé") -> str:
    own = f"UID:{uid}\n" if uid else ""
    return f"BEGIN:VEVENT\n{own}DTSTAMP:20261101T120000Z\nSUMMARY:{summary}\n{props}\nEND:VEVENT"


ONE_HOUR = "DTSTART:20270110T100000\nDTEND:20270110T110000"

# A season of the library's events, in every status and way of attending.
DST_NIGHT = event(  # the clocks go back from 03:00 to 02:00 on the last Sunday of October
    uid="nacht@example", start=at("2027-10-31 01:00"), end=at("2027-10-31 04:00")
)
REPEATED_HOUR = event(  # the second time 02:30 comes round that night
    uid="nog-eens@example", start=at("2027-10-31 02:30", fold=1), end=at("2027-10-31 03:30")
)
SEASON = [
    event(),
    DST_NIGHT,
    REPEATED_HOUR,
    event(uid="afgelast@example", status="cancelled", description=""),
    event(uid="uitgesteld@example", status="postponed"),
    event(uid="uitgesteld-kort@example", status="postponed", description=""),
    event(
        uid="verhuisd@example",
        status="moved_online",
        attendance_mode="online",
        online_url=f"{LIVE}/boekenclub",
    ),
    event(uid="online@example", location=None, attendance_mode="online", online_url=f"{LIVE}/x"),
    event(uid="gemengd@example", attendance_mode="mixed", online_url=f"{LIVE}/debat"),
    event(  # over the spring change
        uid="markt@example", start=at("2027-03-27 00:00"), end=at("2027-03-29 00:00"), all_day=True
    ),
    event(
        uid="new-york@example",
        start=at("2027-05-01 18:00", ZoneInfo("America/New_York")),
        end=at("2027-05-01 19:00", ZoneInfo("America/New_York")),
        timezone="America/New_York",
        last_modified=None,
        sequence=0,
    ),
]


def test_export_then_parse_gives_the_same_events() -> None:
    result = parse(export(*SEASON))

    assert result.skipped == ()
    assert list(result.events) == SEASON
    for parsed, original in zip(result.events, SEASON, strict=True):
        assert (parsed.timezone, parsed.start.utcoffset(), parsed.end.utcoffset()) == (
            original.timezone,
            original.start.utcoffset(),
            original.end.utcoffset(),
        )


def test_an_event_across_the_october_change_keeps_its_real_length() -> None:
    text = export(DST_NIGHT).decode()

    assert "DTSTART;TZID=Europe/Amsterdam:20271031T010000" in text
    assert "DTEND;TZID=Europe/Amsterdam:20271031T040000" in text
    (night,) = parse(text.encode()).events
    assert night.end.astimezone(UTC) - night.start.astimezone(UTC) == dt.timedelta(hours=4)
    assert night.start.utcoffset() == dt.timedelta(hours=2)  # CEST
    assert night.end.utcoffset() == dt.timedelta(hours=1)  # CET


def test_the_second_0230_of_the_october_night_is_written_in_utc() -> None:
    # With a TZID, 02:30 that night means the first one (CEST), RFC 5545 §3.3.5.
    assert "DTSTART:20271031T013000Z" in export(REPEATED_HOUR).decode()


def test_an_event_without_a_page_of_its_own_links_to_the_forum() -> None:
    (parsed,) = parse(export(event(url=None))).events

    assert parsed.url == f"{SITE}/forum/agenda/boekenclub@bibliotheek-voorbeeldstad.example"


# Structure, checked on the raw text rather than through a library.


def content_lines(data: bytes) -> list[str]:
    """Unfolded content lines, after checking line endings and fold width."""
    assert data.endswith(b"\r\n")
    physical = data[:-2].split(b"\r\n")
    assert not any(b"\n" in line or b"\r" in line for line in physical), "a bare CR or LF"
    assert all(len(line) <= 75 for line in physical), "a line longer than 75 octets"
    unfolded: list[str] = []
    for line in physical:
        if line[:1] in (b" ", b"\t"):
            unfolded[-1] += line[1:].decode()
        else:
            unfolded.append(line.decode())
    return unfolded


def components(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(name, its own property lines) of every component, after checking BEGIN/END."""
    found: list[tuple[str, list[str]]] = []
    stack: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("BEGIN:"):
            stack.append((line[6:], []))
        elif line.startswith("END:"):
            found.append(stack.pop())
            assert found[-1][0] == line[4:], f"END:{line[4:]} closes BEGIN:{found[-1][0]}"
        else:
            stack[-1][1].append(line)
    assert stack == []
    return found


def names(props: list[str]) -> set[str]:
    return {re.split("[;:]", prop, maxsplit=1)[0] for prop in props}


def test_the_export_is_a_well_formed_calendar() -> None:
    long_text = "Wij lezen voor uit ‘Pluk van de Petteflet’ — " * 8  # multi-octet characters
    lines = content_lines(export(*SEASON, event(uid="lang@example", description=long_text)))
    found = components(lines)

    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    (calendar,) = [props for name, props in found if name == "VCALENDAR"]
    assert {"PRODID", "VERSION", "CALSCALE", "X-WR-CALNAME"} <= names(calendar)
    assert {"VERSION:2.0", "CALSCALE:GREGORIAN", "X-WR-CALNAME:Agenda"} <= set(calendar)
    assert "PRODID:-//voorbeeldstad.example//civicforum//EN" in calendar
    events = [props for name, props in found if name == "VEVENT"]
    assert len(events) == len(SEASON) + 1
    for props in events:
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} <= names(props)
        assert any(re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", prop) for prop in props)
    used = set(re.findall(r";TZID=([^;:]+)", "\n".join(lines)))
    defined = {p[5:] for name, props in found if name == "VTIMEZONE" for p in props if "TZID:" in p}
    assert used == {"Europe/Amsterdam", "America/New_York"} and used <= defined
    assert any(len(line.encode()) > 75 for line in lines), "nothing needed folding"
    assert parse(export(event(description=long_text))).events[0].description == long_text


def test_statuses_map_to_what_calendar_apps_understand() -> None:
    events = [
        props for name, props in components(content_lines(export(*SEASON))) if name == "VEVENT"
    ]

    def props_of(uid: str) -> list[str]:
        (props,) = [props for props in events if f"UID:{uid}" in props]
        return props

    assert "STATUS:CONFIRMED" in props_of(SEASON[0].uid)
    assert "STATUS:CANCELLED" in props_of("afgelast@example")
    postponed = props_of("uitgesteld@example")
    assert "STATUS:TENTATIVE" in postponed
    note = "DESCRIPTION:Postponed: a new date will be announced.\\n\\nWe bespreken een roman."
    assert any(prop.startswith(note) for prop in postponed)
    moved = props_of("verhuisd@example")
    assert "STATUS:CONFIRMED" in moved
    assert f"LOCATION:{LIVE}/boekenclub" in moved
    assert f"CONFERENCE;FEATURE=VIDEO;VALUE=URI:{LIVE}/boekenclub" in moved


def test_the_postponement_note_is_the_feeds_own() -> None:
    text = export(SEASON[4], postponed_note="Uitgesteld: de nieuwe datum volgt.").decode()

    assert "DESCRIPTION:Uitgesteld: de nieuwe datum volgt.\\n\\nWe bespreken" in text
    assert parse(text.encode()).events[0].description == SEASON[4].description


def test_dtstamp_is_the_last_change_else_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ical, "now", lambda: at("2026-11-22 08:00:00.000123", UTC))

    text = export(event(), event(uid="nieuw@example", last_modified=None)).decode()

    assert "DTSTAMP:20261120T091500Z" in text and "DTSTAMP:20261122T080000Z" in text
    assert export(event()) == export(event()), "the same events give the same bytes"


def test_export_refuses_what_it_cannot_write() -> None:
    with pytest.raises(ValueError, match="two events have the UID"):
        export(event(), event(summary="Anders"))
    with pytest.raises(ValueError, match="not in the calendar's Europe/Amsterdam"):
        export(dataclasses.replace(SEASON[9], timezone="Europe/Brussels"))
    with pytest.raises(ValueError, match="timezone: 'Europe/Voorbeeldstad'"):
        export(event(), timezone="Europe/Voorbeeldstad")
    with pytest.raises(ValueError, match="one non-empty paragraph"):
        export(event(), postponed_note="Uitgesteld.\n\nMeer volgt.")


# Broken agendas: nothing is taken, and the message says where and what.

BROKEN = [
    (ics(vevent(ONE_HOUR, uid=None)), "VEVENT #1", "has no UID"),
    (ics(vevent("DTSTART:2027-01-01 10:00\nDTEND:20270101T110000")), "DTSTART cannot be read"),
    (ics(vevent("DTSTART:20271301T100000\nDTEND:20270101T110000")), "DTSTART cannot be read"),
    (ics(vevent("DTSTART:20270101T100000Z\nDURATION:een uur")), "DURATION cannot be read"),
    (ics(vevent("DTEND:20270101T110000Z")), "has no DTSTART"),
    (
        ics(vevent("DTSTART:20270101T100000Z\nDTEND:20270101T090000Z")),
        "ends (2027-01-01T09:00:00+00:00) before it starts (2027-01-01T10:00:00+00:00)",
    ),
    (
        ics(vevent("DTSTART;TZID=Mars/Olympus_Mons:20270101T100000\nDURATION:PT1H")),
        "DTSTART has an unknown time zone TZID='Mars/Olympus_Mons'",
    ),
    (
        ics(vevent("DTSTART;VALUE=DATE:20270101\nDTEND:20270101T110000Z")),
        "DTEND and DTSTART must both be dates or both be date-times",
    ),
    (ics(vevent(f"{ONE_HOUR}\nURL:javascript:alert(1)")), "is not an http or https address"),
    (ics(vevent(f"{ONE_HOUR}\nSTATUS:NEEDS-ACTION")), "STATUS 'NEEDS-ACTION' is not one of"),
    (ics(vevent(f"{ONE_HOUR}\nSUMMARY:Nog een titel")), "has 2 SUMMARY properties"),
    (ics(vevent(ONE_HOUR), vevent(ONE_HOUR)), "VEVENT #2 (uid=a@example)", "same UID as VEVENT #1"),
    (ics(head="X-WR-TIMEZONE:Europe/Voorbeeldstad"), "VCALENDAR", "X-WR-TIMEZONE 'Europe/"),
    (b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Bibliotheek\r\nEND:VCARD\r\n", "not an iCalendar file"),
    (b"<!doctype html><title>Agenda</title>", "not an iCalendar file"),
    (bytes(range(256)) * 4, "not UTF-8 text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text"),
    (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", "has no END:VCALENDAR"),
    (b"BEGIN:VCALENDAR\r\nnot a property\r\nEND:VCALENDAR\r\n", "cannot be read as iCalendar"),
    (ics() + ics(), "holds 2 VCALENDARs"),
    (ics(head="X-PUBLISHED-TTL;VALUE=DURATION:soms"), "VCALENDAR", "X-PUBLISHED-TTL cannot be"),
    (b"", "is empty"),
    (b" \r\n\r\n", "is empty"),
]


@pytest.mark.parametrize("case", BROKEN, ids=lambda case: case[-1])
def test_a_broken_agenda_is_refused_whole(case: tuple[Any, ...]) -> None:
    data, *component, problem = case
    if not component:
        component = ["VEVENT #1 (uid=a@example)" if b"VEVENT" in data else "calendar file"]

    with pytest.raises(CalendarError) as caught:
        parse(data)

    assert caught.value.component == component[0]
    assert problem in caught.value.problem
    assert str(caught.value) == f"{component[0]}: {caught.value.problem}"


def test_a_broken_event_after_good_ones_still_refuses_the_file() -> None:
    bad = vevent("DTSTART:20270102T100000\nDTEND:20270102T090000", uid="fout@example")

    with pytest.raises(CalendarError, match=r"^VEVENT #2 \(uid=fout@example\): ends"):
        parse(ics(vevent(ONE_HOUR), bad))


# Events an import leaves out, saying why.


def test_recurring_events_are_skipped_with_a_reason() -> None:
    weekly = "DTSTART;TZID=Europe/Amsterdam:20270106T140000\nDURATION:PT1H30M"
    data = ics(
        vevent(f"{weekly}\nRRULE:FREQ=WEEKLY;COUNT=10", uid="wekelijks@example"),
        vevent(
            f"{weekly}\nRECURRENCE-ID;TZID=Europe/Amsterdam:20270113T140000",
            uid="wekelijks@example",
        ),
        vevent(f"{ONE_HOUR}\nRDATE:20270117T100000", uid="twee-keer@example"),
        vevent(ONE_HOUR, uid="eenmalig@example"),
    )

    result = parse(data)

    assert [event.uid for event in result.events] == ["eenmalig@example"]
    skipped = [(skip.uid_or_index, skip.reason) for skip in result.skipped]
    assert [uid for uid, _ in skipped] == ["wekelijks@example"] * 2 + ["twee-keer@example"]
    for (_, reason), prop in zip(skipped, ["RRULE", "RECURRENCE-ID", "RDATE"], strict=True):
        assert f"is a recurring event ({prop}); recurring agendas cannot be imported yet" == reason


def test_events_without_an_end_a_length_or_a_title_are_skipped_not_guessed() -> None:
    data = ics(
        vevent("DTSTART:20270110T100000", uid="geen-eind@example"),
        vevent("DTSTART:20270110T100000\nDTEND:20270110T100000", uid="nul@example"),
        vevent("DTSTART:20270110T100000\nDURATION:PT0S", uid="nul-duur@example"),
        vevent(ONE_HOUR, uid="naamloos@example", summary=" "),
    )

    result = parse(data)

    assert result.events == ()
    reasons = {skip.uid_or_index: skip.reason for skip in result.skipped}
    assert "no end (DTEND or DURATION); the forum does not guess" in reasons["geen-eind@example"]
    assert (
        reasons["nul@example"]
        == reasons["nul-duur@example"]
        == "has no length (it ends when it starts)"
    )
    assert reasons["naamloos@example"] == "has no title (SUMMARY)"


# Dates, floating times and time zones.


def test_all_day_events_run_from_midnight_to_midnight_in_the_calendars_zone() -> None:
    data = ics(
        vevent("DTSTART;VALUE=DATE:20270313\nDTEND;VALUE=DATE:20270314", uid="markt@example"),
        vevent("DTSTART;VALUE=DATE:20270327", uid="een-dag@example"),
        vevent("DTSTART;VALUE=DATE:20270327\nDURATION:P2D", uid="weekend@example"),
    )

    market, one_day, weekend = parse(data).events

    assert market.all_day and market.timezone == "Europe/Amsterdam"
    assert (market.start, market.end) == (at("2027-03-13 00:00"), at("2027-03-14 00:00"))
    assert one_day.end == at("2027-03-28 00:00")
    # Two days on the calendar, though the spring change makes them 47 hours.
    assert weekend.end == at("2027-03-29 00:00")
    assert weekend.end.astimezone(UTC) - weekend.start.astimezone(UTC) == dt.timedelta(hours=47)


def test_x_wr_timezone_sets_the_zone_of_dates_and_floating_times() -> None:
    lisbon = ZoneInfo("Europe/Lisbon")
    data = ics(vevent("DTSTART;VALUE=DATE:20270313"), head="X-WR-TIMEZONE:Europe/Lisbon")

    result = parse(data)

    assert result.timezone == "Europe/Lisbon"
    assert result.events[0].start == at("2027-03-13 00:00", lisbon)
    assert result.events[0].timezone == "Europe/Lisbon"


def test_floating_times_are_read_in_the_default_zone() -> None:
    data = ics(vevent("DTSTART:20270706T100000\nDTEND:20270706T113000"))

    (floating,) = parse(data).events
    (in_london,) = parse(data, default_timezone="Europe/London").events

    assert floating.start == at("2027-07-06 10:00") and floating.timezone == "Europe/Amsterdam"
    assert floating.start.utcoffset() == dt.timedelta(hours=2)
    assert in_london.start == at("2027-07-06 10:00", ZoneInfo("Europe/London"))


def test_utc_windows_and_self_defined_zones_are_shown_in_the_calendars_zone() -> None:
    own_zone = "BEGIN:VTIMEZONE\nTZID:Raadhuistijd\nBEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE"
    data = ics(
        own_zone,
        vevent("DTSTART:20270110T090000Z\nDURATION:PT1H", uid="utc@example"),
        vevent("DTSTART;TZID=W. Europe Standard Time:20270110T100000\nDURATION:PT1H", uid="o@e"),
        vevent("DTSTART;TZID=Raadhuistijd:20270110T100000\nDURATION:PT1H", uid="eigen@example"),
        vevent("DTSTART;TZID=Europe/London:20270110T090000\nDURATION:PT1H", uid="londen@e"),
    )

    *shown_here, london = parse(data).events

    for event in shown_here:
        assert (event.start, event.timezone) == (at("2027-01-10 10:00"), "Europe/Amsterdam")
        assert event.start.tzinfo == AMS and event.start.hour == 10
    assert london.timezone == "Europe/London" and london.start.hour == 9
    # icalendar remembers the zones of files it read; a file using one it does not define fails.
    with pytest.raises(CalendarError, match="unknown time zone TZID='Raadhuistijd'"):
        parse(ics(vevent("DTSTART;TZID=Raadhuistijd:20270110T100000\nDURATION:PT1H")))


def test_an_external_agenda_is_read_in_the_forums_words() -> None:
    data = ics(
        vevent(f"{ONE_HOUR}\nSTATUS:TENTATIVE\nLOCATION:https://meet.example/a", uid="link@e"),
        vevent(f"{ONE_HOUR}\nLOCATION:Noord\nCONFERENCE;VALUE=URI:https://meet.example/b"),
        vevent(
            f"{ONE_HOUR}\nSTATUS:CANCELLED\nSEQUENCE:3\nLAST-MODIFIED:20261101T080000Z", uid="x@e"
        ),
    )

    link, both, gone = parse(data).events

    assert (link.status, link.attendance_mode) == ("scheduled", "online")
    assert (link.location, link.online_url) == (None, "https://meet.example/a")
    assert (both.attendance_mode, both.location) == ("mixed", "Noord")
    assert both.online_url == "https://meet.example/b"
    assert (gone.status, gone.sequence) == ("cancelled", 3)
    assert gone.last_modified == at("2026-11-01 08:00", UTC)


# The sample site's agenda.


def test_the_sample_agenda_parses_cleanly() -> None:
    result = parse(AGENDA.read_bytes())

    assert result.skipped == () and len(result.events) >= 8
    assert result.calendar_name == "Agenda Bibliotheek Voorbeeldstad"
    assert all(e.uid.endswith("@bibliotheek-voorbeeldstad.example") for e in result.events)
    assert all((e.url or "").startswith(f"{SITE}/agenda/") for e in result.events)
    assert {e.status for e in result.events} == {"cancelled", "scheduled"}
    assert any(e.attendance_mode == "online" and e.online_url for e in result.events)
    assert any(e.all_day for e in result.events)
    in_person = [e for e in result.events if e.attendance_mode == "in_person"]
    assert all("Voorbeeldstad" in (e.location or "") for e in in_person)
    assert all(e.start.tzinfo == AMS for e in result.events)
    content_lines(AGENDA.read_bytes())  # folded at 75 octets, CRLF line endings


def test_the_sample_agenda_survives_a_round_trip() -> None:
    events = parse(AGENDA.read_bytes()).events

    assert parse(export(*events)).events == events


# Fingerprints.


def test_the_fingerprint_is_stable_for_an_unchanged_event() -> None:
    same = event()
    bookkeeping = dataclasses.replace(same, sequence=7, last_modified=at("2027-01-01 00:00", UTC))
    in_utc = dataclasses.replace(same, start=same.start.astimezone(UTC))
    (reimported,) = parse(export(same)).events

    assert fingerprint(same) == fingerprint(event()) == fingerprint(reimported)
    assert fingerprint(same) == fingerprint(bookkeeping) == fingerprint(in_utc)
    assert re.fullmatch("[0-9a-f]{64}", fingerprint(same))


@pytest.mark.parametrize(
    "change",
    [
        {"summary": "Boekenclub (vol)"},
        {"description": "Een ander boek."},
        {"start": at("2027-01-21 19:00")},
        {"end": at("2027-01-21 21:30")},
        {"timezone": "Europe/Brussels"},
        {"location": "Filiaal Noord"},
        {"location": None},
        {"url": f"{SITE}/agenda/boekenclub-nieuw"},
        {"status": "cancelled"},
        {"status": "postponed"},
        {"attendance_mode": "mixed", "online_url": f"{LIVE}/club"},
        {"online_url": f"{LIVE}/club"},
    ],
)
def test_the_fingerprint_changes_when_a_shown_field_changes(change: dict[str, Any]) -> None:
    assert fingerprint(dataclasses.replace(event(), **change)) != fingerprint(event())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": dt.datetime(2027, 1, 21, 19, 30)}, "start must be timezone-aware"),
        ({"end": at("2027-01-21 19:30")}, "end must be after start"),
        ({"timezone": "Voorbeeldstad"}, "timezone: 'Voorbeeldstad'"),
        ({"url": "javascript:alert(1)"}, "url must be an http or https address"),
        ({"status": "rescheduled"}, "status: 'rescheduled'"),
        ({"attendance_mode": "hybrid"}, "attendance_mode: 'hybrid'"),
        ({"all_day": True}, "an all-day event starts and ends at midnight"),
        ({"summary": "  "}, "uid and summary must not be empty"),
    ],
)
def test_an_impossible_event_cannot_be_made(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        event(**change)
