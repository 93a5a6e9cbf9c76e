#!/usr/bin/env sh
# Start "Voorbeeld-ID", a local OpenID Connect provider for trying the sample site's
# sign-in with an external identity. It is the provider the tests use
# (tests/oidc/provider, node-oidc-provider), on http://127.0.0.1:9000 (OIDC_PORT) with two test
# accounts and no passwords:
#   alice  assurance=substantial (a verified identity) and membership=patientenvereniging
#   bob    an account with nothing verified
# Needs Node.js 20 or newer with npm; installs the provider's packages on first use.
# Then, in another terminal:  SAMPLE_SITE_OIDC=http://127.0.0.1:9000 ./sample_site/start.sh
# Stop it with Ctrl-C. Everything it knows lives in memory and is gone when it stops.
set -eu
cd "$(dirname "$0")/.."
PROVIDER_DIR=tests/oidc/provider
# OIDC_PORT: the provider's port; PORT: the sample site's, as for start.sh.
OIDC_PORT="${OIDC_PORT:-9000}"
SITE_PORT="${PORT:-5000}"
# The sample site's client secret: a fixed demo value that sample_site/__init__.py also
# knows, because both run on this machine only. Set SAMPLE_SITE_OIDC_SECRET for both to
# change it.
SECRET="${SAMPLE_SITE_OIDC_SECRET:-voorbeeldstad-demo-secret}"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "Voorbeeld-ID needs Node.js 20 or newer with npm (e.g. apt-get install nodejs npm)." >&2
  exit 1
fi
if [ ! -f "$PROVIDER_DIR/node_modules/oidc-provider/package.json" ]; then
  echo "Installing the provider's npm packages into $PROVIDER_DIR/node_modules ..."
  (cd "$PROVIDER_DIR" && npm ci --no-audit --no-fund)
fi

callbacks=""
signed_out=""
for host in 127.0.0.1 localhost; do
  callbacks="$callbacks\"http://$host:$SITE_PORT/forum/account/oidc/voorbeeldid/callback\","
  signed_out="$signed_out\"http://$host:$SITE_PORT/forum/account/oidc/signed-out\","
done

export OIDC_PROVIDER_PORT="$OIDC_PORT"
export OIDC_PROVIDER_TITLE="Voorbeeld-ID"
export OIDC_PROVIDER_CLIENT="{\"client_id\": \"bibliotheek-voorbeeldstad\", \"client_secret\": \"$SECRET\", \"redirect_uris\": [${callbacks%,}], \"post_logout_redirect_uris\": [${signed_out%,}]}"
export OIDC_PROVIDER_ACCOUNTS='{"alice": {"assurance": "substantial", "membership": "patientenvereniging"}, "bob": {}}'

cat <<EOF
Voorbeeld-ID (test provider): http://127.0.0.1:$OIDC_PORT/
  discovery: http://127.0.0.1:$OIDC_PORT/.well-known/openid-configuration
  client:    bibliotheek-voorbeeldstad (for the site on port $SITE_PORT)
  accounts:  alice (verified, member of the patients' association), bob (nothing verified)

Start the sample site against it in another terminal:
  PORT=$SITE_PORT SAMPLE_SITE_OIDC=http://127.0.0.1:$OIDC_PORT ./sample_site/start.sh
then choose "Voorbeeld-ID" on the forum's sign-in page.

EOF
exec node "$PROVIDER_DIR/server.mjs"
