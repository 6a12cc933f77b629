"""Reads calendar files with two independent readers, for tests/suite/calendar.rs.

Usage: read.py FILE.ics...  Prints one JSON object: for each file, whether every line ends in
CRLF and is at most 75 octets, and its events as Python's `icalendar` reads them, with the
start and end in UTC worked out three ways: by icalendar with the zone its TZID names, by
icalendar with the VTIMEZONE the file itself defines (`Timezone.to_tz`), and by `vobject`
(which also uses the file's VTIMEZONE). All-day items give their dates instead.
"""

import datetime
import json
import sys

import icalendar
import vobject

UTC = datetime.timezone.utc


def when(value, tz=None):
    """An instant in UTC (ISO 8601, Z), or a date (YYYY-MM-DD) for an all-day item."""
    if isinstance(value, datetime.datetime):
        if tz is not None:
            value = value.replace(tzinfo=tz)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def read(path):
    data = open(path, "rb").read()
    lines = data.split(b"\r\n")
    cal = icalendar.Calendar.from_ical(data)
    zones = {str(z["TZID"]): z.to_tz() for z in cal.walk("VTIMEZONE")}
    events = []
    for ev in cal.walk("VEVENT"):
        start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
        tzid = ev["DTSTART"].params.get("TZID")
        own = zones.get(tzid) if tzid else None
        events.append(
            {
                "uid": str(ev["UID"]),
                "summary": str(ev["SUMMARY"]),
                "all_day": ev["DTSTART"].params.get("VALUE") == "DATE",
                "start": when(start),
                "end": when(end),
                "start_by_own_zone": when(start, own) if own else None,
                "end_by_own_zone": when(end, own) if own else None,
                "location": str(ev["LOCATION"]) if "LOCATION" in ev else None,
                "url": str(ev["URL"]) if "URL" in ev else None,
                "description": str(ev.get("DESCRIPTION", "")),
                "dtstamp": when(ev.decoded("DTSTAMP")),
                "transparent": str(ev.get("TRANSP", "")) == "TRANSPARENT",
            }
        )
    other = vobject.readOne(data.decode("utf-8"))
    second = {
        str(e.uid.value): when(e.dtstart.value)
        for e in getattr(other, "vevent_list", [])
    }
    return {
        "crlf": data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b""),
        "longest_line": max(len(line) for line in lines),
        "version": str(cal.get("VERSION")),
        "method": str(cal.get("METHOD")),
        "calname": str(cal["X-WR-CALNAME"]) if "X-WR-CALNAME" in cal else None,
        "zones": sorted(zones),
        "events": events,
        "vobject_starts": second,
    }


print(json.dumps({path: read(path) for path in sys.argv[1:]}, indent=1, sort_keys=True))
