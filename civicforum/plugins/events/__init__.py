"""Local events: agendas read from and published as iCalendar, with pages and RSVP."""
