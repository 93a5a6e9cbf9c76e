"""A whole community moves between sites like a mailbox: export to one JSON Lines file,
import into another forum's database.

- :mod:`.export` writes the file: a manifest line, then records by kind, streaming.
- :mod:`.reading` reads it back and checks all of it (checksum, schema, ids, references)
  before anything is written.
- :mod:`.importing` writes a checked file in one transaction.
- :mod:`.kinds` knows each record kind of the forum; plugins add theirs with the
  ``civicforum_community_records`` hook.

The format is described in docs/export-format.md and by the JSON Schema shipped beside
this module (``community-export.schema.json``).
"""
