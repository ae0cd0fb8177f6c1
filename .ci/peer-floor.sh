#!/usr/bin/env bash
# Stage: the construct tests against the oldest aws-cdk-lib the peer range allows.
#
# package.json promises `aws-cdk-lib ^2.239.0`, and the library is developed on the newest
# release. This copies the checkout (with its installed node_modules) to a temporary folder,
# installs aws-cdk-lib 2.239.0 there and runs every construct test on it. Left out: the
# example-synth tests (they run the CloudFormation validation plugin) and the cdk-nag tests
# (cdk-nag 3 plugs into `Validations`); aws-cdk-lib 2.239.0 predates both.
#
# Run from the repository root after `npm ci` and the bundle step (`npx projen bundle`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

FLOOR=2.239.0
# The registrar's emulator tests start moto's server from the repository's venv (not copied).
export MOTO_SERVER="${MOTO_SERVER:-$PWD/.venv/bin/moto_server}"
export PYICEBERG_PYTHON="${PYICEBERG_PYTHON:-$PWD/.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

git ls-files -z | xargs -0 -I{} cp --parents {} "$work"/
cp -r node_modules assets "$work"/
cd "$work"
# aws-cdk-lib's bundled cloud-assembly-api needs the schema package next to it.
npm install --no-save --no-audit --no-fund --loglevel=error "aws-cdk-lib@$FLOOR" "@aws-cdk/cloud-assembly-schema@^50.3.0" >/dev/null
installed="$(node -p "require('aws-cdk-lib/package.json').version")"
[[ "$installed" == "$FLOOR" ]] || { echo "peer-floor: expected aws-cdk-lib $FLOOR, got $installed" >&2; exit 1; }
echo "peer-floor: aws-cdk-lib $installed"
# cdk-nag 3 needs a newer aws-cdk-lib than the floor: its checks (test/nag/ and the tests named
# 'cdk-nag ...') run in the main test run, on the aws-cdk-lib the repository builds with.
CDK_DISABLE_VERSION_CHECK=1 npx vitest run --reporter=dot --exclude 'test/lint/**' --exclude 'test/nag/**' -t '^(?!.*cdk-nag)' --outputFile.json=/dev/null
