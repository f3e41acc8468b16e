#!/usr/bin/env bash
# Load run: gunicorn against the database in DATABASE_URL (build it with `manage.py seed_large`)
# and wrk on loopback, on the assignment list API (API token) and the dashboard (session of a
# delegate; the secretariat's sessions need a second factor). Prints wrk's figures; it is a
# measurement, not a test. Usage: scripts/load_run.sh [WORKERS] [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?set DATABASE_URL to a database built with seed_large}"
WORKERS="${1:-2}"
SECONDS_EACH="${2:-20}"
CONNECTIONS="${3:-8}"
PORT="${LOAD_PORT:-8765}"
BASE="http://127.0.0.1:${PORT}"
# One client stands for many users here: lift the per-user API throttle, and run without DEBUG
# (which keeps every query in memory), with persistent connections as in production.
export DEBUG=false API_USER_RATE=1000000/minute DB_CONN_MAX_AGE=60

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

# A delegate of the first organisation with one: an API token and a logged-in session.
read -r TOKEN SESSION < <(.venv/bin/python manage.py shell -v 0 -c '
from django.test import Client
from rest_framework.authtoken.models import Token
from accounts.choices import Role
from accounts.models import Membership
member = Membership.objects.filter(role=Role.DELEGATE, user__is_active=True).order_by("user_id").first()
token, _ = Token.objects.get_or_create(user=member.user)
client = Client()
client.force_login(member.user)
print(token.key, client.cookies["sessionid"].value)
' 2>/dev/null | tail -1)

.venv/bin/gunicorn config.wsgi --workers "$WORKERS" --bind "127.0.0.1:${PORT}" \
    --log-level warning --pid /tmp/load_run_gunicorn.pid &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null || true; wait "$GUNICORN" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs -o /dev/null "$BASE/healthz" && break; sleep 0.2; done

run() {
    local name="$1" url="$2" header="$3"
    # Check the answer first: a redirect or an error would make wrk measure the wrong page.
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "$header" "$url")
    [ "$code" = 200 ] || { echo "$name: GET $url answered $code" >&2; exit 1; }
    echo "== $name: $url, $WORKERS gunicorn workers, $CONNECTIONS connections, ${SECONDS_EACH}s"
    wrk --threads 2 --connections "$CONNECTIONS" --duration "${SECONDS_EACH}s" --latency \
        -H "$header" -H "Host: 127.0.0.1" "$url"
}

run "assignment list API" "$BASE/api/v1/assignments/" "Authorization: Token $TOKEN"
run "dashboard" "$BASE/dashboard/" "Cookie: sessionid=$SESSION"
