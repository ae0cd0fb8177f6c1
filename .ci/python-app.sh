#!/usr/bin/env bash
# Stage: the Python binding, end to end.
#
# Builds the wheel with jsii-pacmak (`npx projen package:python`), installs it with aws-cdk-lib
# and constructs from PyPI into a fresh virtual environment, runs examples/python/app.py (synth
# + template assertions, and ServerlessDataLakeExample and IcebergExample compared with the
# TypeScript example's templates, cdk.out/<stack>.template.json: synthesized first with `npm run
# example` when one is missing or stale) and lints the synthesized templates with cfn-lint and
# parliament.
#
# Run from the repository root after `npm ci` and `npx projen build` (.jsii and lib/ must exist).
# Needs: Node 20, Python >= 3.10 as `python3` with venv and ensurepip, PyPI, and cfn-lint at
# $CFN_LINT (default .venv/bin/cfn-lint).
#
# Creates (and removes again at the next run): dist/python/, examples/python/.venv/,
# examples/python/cdk.out/. The virtual environment lives under examples/ on purpose: examples/
# is in .npmignore, so it never ends up in the npm tarball that pacmak embeds in the bindings.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

CFN_LINT="${CFN_LINT:-.venv/bin/cfn-lint}"
PARLIAMENT_PYTHON="${PARLIAMENT_PYTHON:-.venv/bin/python}"
PYTHON="${PYTHON:-python3}"
APP_DIR=examples/python
APP_VENV="$APP_DIR/.venv"
APP_OUT="$APP_DIR/cdk.out"

# The jsii runtime (under pacmak and under the Python app) prints a Node 20 end-of-life banner
# and would fetch a release list on every start.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export JSII_SILENCE_SUPPORT_WARNING=1
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1

STAGE=python-app
# The stacks the app synthesizes into $APP_OUT; cfn-lint and parliament must find each one there.
APP_STACKS=(StreamIngestExample LakeExample ServerlessDataLakeExample IcebergExample)
# shellcheck source=lib.sh
source .ci/lib.sh

preflight() {
  [[ -f .jsii && -d lib ]] || { echo "python-app: .jsii or lib/ missing: run 'npx projen build' (or compile) first" >&2; return 1; }
  [[ -x "$CFN_LINT" ]] || { echo "python-app: cfn-lint not found at $CFN_LINT (set CFN_LINT)" >&2; return 1; }
  check_parliament
  # jsii-pacmak's python target creates a venv with `python3` and pip installs setuptools, build
  # and twine from PyPI into it: python3 needs the venv module and ensurepip.
  python3 -c 'import ensurepip, venv, sys; assert sys.version_info >= (3, 10), sys.version' \
    || { echo "python-app: python3 >= 3.10 with venv and ensurepip is required (jsii-pacmak and the wheel need it)" >&2; return 1; }
  echo "python-app: $(python3 --version), node $(node --version), $("$CFN_LINT" --version)"
}

clean() {
  rm -rf dist/python "$APP_VENV" "$APP_OUT"
}

package_python() {
  npx projen package:python
  local wheels=(dist/python/*.whl)
  [[ ${#wheels[@]} -eq 1 && -f "${wheels[0]}" ]] || { echo "python-app: expected one wheel in dist/python, found: ${wheels[*]}" >&2; return 1; }
  echo "python-app: built ${wheels[0]} ($(du -h "${wheels[0]}" | cut -f1))"
  # The wheel embeds the npm tarball of the library; anything packed by mistake (a virtual
  # environment at the repository root, say) makes it tens of MB instead of a few hundred KB.
  local stray
  stray="$("$PYTHON" - "${wheels[0]}" <<'EOF'
import io, sys, tarfile, zipfile
with zipfile.ZipFile(sys.argv[1]) as whl:
    tgz = next(n for n in whl.namelist() if n.endswith('.jsii.tgz'))
    with tarfile.open(fileobj=io.BytesIO(whl.read(tgz))) as tar:
        tops = sorted({m.name.split('/')[1] for m in tar.getmembers() if m.name.count('/') >= 2})
allowed = {'lib', 'assets'}
print(' '.join(t for t in tops if t not in allowed))
EOF
)"
  if [[ -n "$stray" ]]; then
    echo "python-app: WARNING: the npm tarball in the wheel contains unexpected folders: $stray (add them to npmIgnoreOptions in .projenrc.ts)" >&2
  fi
}

install_app() {
  "$PYTHON" -m venv "$APP_VENV"
  "$APP_VENV/bin/python" -m pip install --quiet dist/python/*.whl -r "$APP_DIR/requirements.txt"
  "$APP_VENV/bin/python" -m pip list --format=freeze | grep -E '^(aws-cdk-lib|constructs|jsii|cdk-serverless-data-lake)=='
}

run_app() {
  TYPESCRIPT_ASSEMBLY="$TYPESCRIPT_ASSEMBLY" "$APP_VENV/bin/python" "$APP_DIR/app.py"
}

stage_start="$(now)"
step preflight preflight
step clean clean
step "package:python (pacmak)" package_python
step "venv + pip install" install_app
step "TypeScript templates" typescript_templates
step "run app.py" run_app
step cfn-lint lint_templates
step parliament lint_policies

summary "$stage_start"
