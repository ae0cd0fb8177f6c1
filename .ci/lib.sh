#!/usr/bin/env bash
# Shared by the binding stages (.ci/python-app.sh, .ci/java-app.sh). Source it after setting
# STAGE (the name in the log lines), APP_OUT (the app's cloud assembly), CFN_LINT and
# PARLIAMENT_PYTHON (a Python with the parliament package, default .venv/bin/python).

TIMINGS=()
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# step NAME COMMAND...: runs the command, logs and records its duration.
step() {
  local name="$1"
  shift
  echo "==> $STAGE: $name"
  local start
  start="$(now)"
  "$@"
  local secs
  secs="$(since "$start")"
  TIMINGS+=("$(printf '%-28s %7s s' "$name" "$secs")")
  echo "<== $STAGE: $name: ${secs} s"
}

# cfn-lint, with the same policy as the TypeScript example (.ci/cfn-lint.sh): its exit code is a
# bit mask (1 fatal, 2 error, 4 warning, 8 informational); fatal and error fail the stage,
# warnings and informational findings are printed and do not. The bindings synthesize templates
# the TypeScript tests and example also check, so a warning is fixed in the library or
# acknowledged there; failing here on it would only fail the same finding twice.
# .ci/cfn-lint.sh lints one cloud assembly directory: run it on each one that holds templates
# (nested assemblies of stages are subdirectories).
lint_templates() {
  local dirs=()
  mapfile -t dirs < <(find "$APP_OUT" -name '*.template.json' -printf '%h\n' | sort -u)
  [[ ${#dirs[@]} -gt 0 ]] || { echo "$STAGE: no *.template.json under $APP_OUT" >&2; return 1; }
  local dir
  for dir in "${dirs[@]}"; do
    CFN_LINT="$CFN_LINT" bash .ci/cfn-lint.sh "$dir"
  done
}

# parliament, with the same policy as the TypeScript example (the 'parliament TypeScript
# templates' stage of .ci/run): .ci/parliament.py extracts every IAM policy document from every
# *.template.json under the app's cloud assembly (nested assemblies included), renders the
# CloudFormation intrinsics into placeholder ARNs and lints them; known false positives are
# filtered by rule there, any other finding fails the step.
lint_policies() {
  "$PARLIAMENT_PYTHON" .ci/parliament.py "$APP_OUT"
}

# check_parliament: fails unless $PARLIAMENT_PYTHON can import parliament; prints its version.
check_parliament() {
  "$PARLIAMENT_PYTHON" -c 'import parliament; print("parliament " + parliament.__version__)' 2>/dev/null \
    || { echo "$STAGE: parliament is not importable with $PARLIAMENT_PYTHON (set PARLIAMENT_PYTHON)" >&2; return 1; }
}

# typescript_template: makes sure the TypeScript example's ServerlessDataLakeExample template,
# which the app compares its own with, is there and current. .ci/run synthesizes it (`npm run
# example`) before the binding stages; run on its own, the stage synthesizes it when it is
# missing or older than the sources it is made from (src/, examples/typescript/,
# package-lock.json). Exports TYPESCRIPT_TEMPLATE (the file, relative to the repository root).
typescript_template() {
  export TYPESCRIPT_TEMPLATE=cdk.out/ServerlessDataLakeExample.template.json
  local reason=''
  if [[ ! -f "$TYPESCRIPT_TEMPLATE" ]]; then
    reason='missing'
  elif [[ -n "$(find src examples/typescript package-lock.json -type f -newer "$TYPESCRIPT_TEMPLATE" -print -quit)" ]]; then
    reason='older than the sources'
  fi
  if [[ -n "$reason" ]]; then
    echo "$STAGE: $TYPESCRIPT_TEMPLATE is $reason: synthesizing the TypeScript example (npm run example)"
    npm run example
    [[ -f "$TYPESCRIPT_TEMPLATE" ]] || { echo "$STAGE: npm run example wrote no $TYPESCRIPT_TEMPLATE" >&2; return 1; }
  fi
  echo "$STAGE: the app compares its ServerlessDataLakeExample with $TYPESCRIPT_TEMPLATE"
}

# summary START: prints the step timings and the stage's total.
summary() {
  echo "$STAGE: step timings"
  printf '  %s\n' "${TIMINGS[@]}"
  echo "$STAGE: passed in $(since "$1") s"
}
