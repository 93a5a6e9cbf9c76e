"""The pages of moderation, one module an area:

- :mod:`.catalogue`: house rules and help resources, public and for moderators;
- :mod:`.reporting`: the report form, its receipt and a member's own reports;
- :mod:`.queue`: the moderators' queues (reports, held posts, appeals) and settings;
- :mod:`.measures`: the ladder of measures, lifting one, and signposting to help;
- :mod:`.decisions`: a statement of reasons, "my decisions", appeals and their outcome;
- :mod:`.transparency`: the public log and the transparency report with its charts.
"""

from __future__ import annotations

from flask import Blueprint


def register(bp: Blueprint) -> None:
    from . import catalogue, decisions, measures, queue, reporting, transparency

    for area in (catalogue, reporting, queue, measures, decisions, transparency):
        area.register(bp)
