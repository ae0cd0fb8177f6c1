#!/usr/bin/env bash
# Shared by the binding stages (.ci/python-app.sh, .ci/java-app.sh). Source it after setting
# STAGE (the name in the log lines), APP_OUT (the app's cloud assembly), APP_STACKS (the stacks
# the app synthesizes there), CFN_LINT and PARLIAMENT_PYTHON (a Python with the parliament
# package, default .venv/bin/python).

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
  expect_app_templates
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
  expect_app_templates
  "$PARLIAMENT_PYTHON" .ci/parliament.py "$APP_OUT"
}

# expect_app_templates: fails unless each stack of APP_STACKS (set by the stage: the stacks its app
# synthesizes) has its template directly under $APP_OUT, so that cfn-lint and parliament, which
# lint whatever templates they find there, are known to cover every one of them.
expect_app_templates() {
  local stack missing=()
  for stack in "${APP_STACKS[@]}"; do
    [[ -f "$APP_OUT/$stack.template.json" ]] || missing+=("$stack")
  done
  [[ ${#missing[@]} -eq 0 ]] || { echo "$STAGE: no template under $APP_OUT for: ${missing[*]}" >&2; return 1; }
  echo "$STAGE: linting the templates under $APP_OUT, among them ${APP_STACKS[*]}"
}

# check_parliament: fails unless $PARLIAMENT_PYTHON can import parliament; prints its version.
check_parliament() {
  "$PARLIAMENT_PYTHON" -c 'import parliament; print("parliament " + parliament.__version__)' 2>/dev/null \
    || { echo "$STAGE: parliament is not importable with $PARLIAMENT_PYTHON (set PARLIAMENT_PYTHON)" >&2; return 1; }
}

# typescript_templates: makes sure the TypeScript example's templates that the app compares its
# own with (TYPESCRIPT_COMPARED_STACKS: ServerlessDataLakeExample and IcebergExample) are there and
# current. .ci/run synthesizes them (`npm run example`) before the binding stages; run on its own,
# the stage synthesizes them when one is missing or older than the sources it is made from (src/,
# examples/typescript/, package-lock.json). Exports TYPESCRIPT_ASSEMBLY (the TypeScript example's
# cloud assembly directory, relative to the repository root), where the app reads
# <stack>.template.json.
TYPESCRIPT_COMPARED_STACKS=(ServerlessDataLakeExample IcebergExample)
typescript_templates() {
  export TYPESCRIPT_ASSEMBLY=cdk.out
  local reason='' stack file
  for stack in "${TYPESCRIPT_COMPARED_STACKS[@]}"; do
    file="$TYPESCRIPT_ASSEMBLY/$stack.template.json"
    if [[ ! -f "$file" ]]; then
      reason="$file is missing"
    elif [[ -n "$(find src examples/typescript package-lock.json -type f -newer "$file" -print -quit)" ]]; then
      reason="$file is older than the sources"
    fi
    [[ -z "$reason" ]] || break
  done
  if [[ -n "$reason" ]]; then
    echo "$STAGE: $reason: synthesizing the TypeScript example (npm run example)"
    npm run example
    for stack in "${TYPESCRIPT_COMPARED_STACKS[@]}"; do
      file="$TYPESCRIPT_ASSEMBLY/$stack.template.json"
      [[ -f "$file" ]] || { echo "$STAGE: npm run example wrote no $file" >&2; return 1; }
    done
  fi
  for stack in "${TYPESCRIPT_COMPARED_STACKS[@]}"; do
    echo "$STAGE: the app compares its $stack with $TYPESCRIPT_ASSEMBLY/$stack.template.json"
  done
}

# summary START: prints the step timings and the stage's total.
summary() {
  echo "$STAGE: step timings"
  printf '  %s\n' "${TIMINGS[@]}"
  echo "$STAGE: passed in $(since "$1") s"
}
