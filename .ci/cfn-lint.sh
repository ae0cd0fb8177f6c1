#!/usr/bin/env bash
# Lints every CloudFormation template under the given cloud assembly directory with cfn-lint
# and fails on any error. Warnings (exit bit 4) and informational findings (bit 8) are printed
# and do not fail; errors (bit 2) and a failed run (bit 1) do.
set -uo pipefail
dir="$1"
lint="${CFN_LINT:-.venv/bin/cfn-lint}"
shopt -s nullglob
templates=("$dir"/*.template.json)
if [ "${#templates[@]}" -eq 0 ]; then
  echo "no templates under $dir"
  exit 1
fi
"$lint" --format parseable -- "${templates[@]}"
rc=$?
if (( rc & 3 )); then
  echo "cfn-lint found errors in ${#templates[@]} template(s) under $dir (exit $rc)"
  exit 1
fi
echo "cfn-lint: ${#templates[@]} template(s) under $dir, 0 errors (exit $rc)"
