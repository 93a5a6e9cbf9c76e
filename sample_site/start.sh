#!/usr/bin/env sh
# Install civicforum with the sample library site into .venv, create the database with
# Dutch demo data, and serve it on http://127.0.0.1:5000/ (the forum is at /forum), with
# the forum's worker (queued work, digests) running beside it.
# Needs only Python 3.11+ with venv. Run it again at any time: it adds nothing twice.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
export FLASK_APP=sample_site
.venv/bin/flask civicforum db upgrade
.venv/bin/flask civicforum demo-data
# The library's agenda, as its calendar system publishes it; again later takes changes over.
.venv/bin/flask civicforum events import leesclub sample_site/agenda.ics --organiser "Femke (bibliotheek)"
# Leesclub as an ActivityPub group: its page, topics and replies answer other servers
# (they reach it once the site has a public https address: CIVICFORUM_SITE_URL).
.venv/bin/flask civicforum federation enable leesclub
# Everything above, findable on the search page.
.venv/bin/flask civicforum search reindex
if [ -n "${SAMPLE_SITE_OIDC:-}" ]; then
  .venv/bin/flask patient-group
fi
# The forum's worker beside the web server, as a real site runs it: queued work and,
# every five minutes, the digests that are due (sent when CIVICFORUM_MAIL_SERVER is set).
# It stops with the site.
.venv/bin/flask civicforum worker &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null || true' EXIT INT TERM
echo
echo "Bibliotheek Voorbeeldstad: http://127.0.0.1:${PORT:-5000}/  (forum: /forum/)"
echo "Site login (the host's own accounts): sanne / lezen-is-leuk"
.venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
