#!/usr/bin/env bash
# `npm start`: build, migrate, then run every service in one terminal with prefixed logs.
# Ctrl-C sends SIGINT to each service; they drain their workers and exit. Every layer execs the next
# (npm's shell, this script, concurrently), so a SIGINT or SIGTERM sent to `npm start` alone stops them too.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci --no-audit --no-fund
# .env fills in what the environment does not already set (a variable on the command line wins).
if [ -f .env ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    name=${BASH_REMATCH[2]} value=${BASH_REMATCH[3]}
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
    [ -n "${!name+set}" ] || export "$name=$value"
  done < .env
fi

npm run --silent build
npx vite build --config apps/web/vite.config.ts --logLevel warn   # the web console, served at /
npm run --silent migrate

PORT="${PORT:-3000}"
names="campaign,matching,fulfillment"
# Node options per service from package.json config.serviceNodeOptions: the API gets a 256 MB old
# generation (V8 then collects before growing: ~230 MiB RSS under load instead of 300+) and, like
# the fulfillment workers, a large young generation (fewer scavenges of short-lived request objects).
service() { echo "node $(node -p "require('./package.json').config.serviceNodeOptions['$1']") dist/apps/$1/main.js"; }
commands=("$(service campaign-service)" "$(service matching-service)" "$(service fulfillment-service)")

if [ -z "${STRIPE_SECRET_KEY:-}" ]; then
  # No Stripe account configured: use the bundled fake Stripe server so funding works locally,
  # unless a Stripe stand-in (e.g. stripe-mock) already answers at STRIPE_API_BASE.
  export STRIPE_API_BASE="${STRIPE_API_BASE:-http://127.0.0.1:12111}"
  export STRIPE_SECRET_KEY="sk_test_fake_local" STRIPE_WEBHOOK_SECRET="${STRIPE_WEBHOOK_SECRET:-whsec_fake_local}"
  stripe_host_port=$(node -p "const u = new URL(process.env.STRIPE_API_BASE); u.hostname + '/' + (u.port || (u.protocol === 'https:' ? 443 : 80))")
  if (exec 3<>"/dev/tcp/${stripe_host_port}") 2>/dev/null; then
    echo "Using the Stripe stand-in already listening at ${STRIPE_API_BASE}"
  else
    export FAKE_STRIPE_WEBHOOK_URL="${FAKE_STRIPE_WEBHOOK_URL:-http://127.0.0.1:${PORT}/payments/stripe/webhook}"
    names="$names,stripe"
    commands+=("node -r @swc-node/register libs/testing/src/fake-stripe/main.ts")
  fi
fi

# The admin password is shown only while it is the public default: a real one stays out of logs.
admin_password="(the ADMIN_PASSWORD you set)"
[[ "${ADMIN_PASSWORD:-admin-password-change-me}" != admin-password-change-me ]] || admin_password=admin-password-change-me

cat <<BANNER

  Perks Platform
  Web console    http://localhost:${PORT}/
  API            http://localhost:${PORT}
  API docs       http://localhost:${PORT}/docs   (OpenAPI: /docs-json)
  Queues         http://localhost:${PORT}/admin/queues   (admin only)
  Health         http://localhost:${PORT}/health, :${MATCHING_PORT:-3001}/health, :${FULFILLMENT_PORT:-3002}/health
  Admin login    ${ADMIN_EMAIL:-admin@perks.local} / ${admin_password}

BANNER

exec node_modules/.bin/concurrently --kill-others-on-fail --names "$names" --prefix-colors "cyan,magenta,yellow,green" "${commands[@]}"
