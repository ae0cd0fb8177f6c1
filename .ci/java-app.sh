#!/usr/bin/env bash
# Stage: the Java binding, end to end.
#
# Builds the jar with jsii-pacmak (`npx projen package:java`, which runs `mvn deploy` into the
# Maven repository dist/java), compiles and runs examples/java (synth + template assertions, and
# ServerlessDataLakeExample and IcebergExample compared with the TypeScript example's templates,
# cdk.out/<stack>.template.json: synthesized first with `npm run example` when one is missing or
# stale) with Maven against that jar and aws-cdk-lib from Maven Central, and lints the
# synthesized templates with cfn-lint and parliament.
#
# Run from the repository root after `npm ci` and `npx projen build` (.jsii and lib/ must exist).
# Needs: Node 20, Java 17, Maven 3.6.3+, Maven Central, and cfn-lint at $CFN_LINT (default
# .venv/bin/cfn-lint).
#
# Creates (and removes again at the next run): dist/java/, examples/java/target/,
# examples/java/cdk.out/; and the Maven local repository $MAVEN_REPO_LOCAL (default
# ~/.m2/repository), a download cache kept between runs.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

CFN_LINT="${CFN_LINT:-.venv/bin/cfn-lint}"
PARLIAMENT_PYTHON="${PARLIAMENT_PYTHON:-.venv/bin/python}"
MAVEN_REPO_LOCAL="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
APP_DIR=examples/java
APP_OUT="$APP_DIR/cdk.out"
# Where a local repository keeps the library's jar (groupId/artifactId/version).
LIBRARY_IN_REPO="$MAVEN_REPO_LOCAL/io/github/cdk-serverless-data-lake/cdk-serverless-data-lake/0.0.0"

# The jsii runtime (under pacmak and under the Java app) prints a Node 20 end-of-life banner and
# would fetch a release list on every start.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export JSII_SILENCE_SUPPORT_WARNING=1
# jsii-pacmak builds the jar with its own Maven settings and, unless told otherwise, a fresh
# local repository in a temporary directory: every run would download aws-cdk-lib and the
# Maven plugins again (~150 MB), and the app's own Maven run a second time. Point both at one
# local repository (jsii-pacmak reads its options from JSII_PACMAK_* variables).
export JSII_PACMAK_MAVEN_LOCAL_REPOSITORY="$MAVEN_REPO_LOCAL"

STAGE=java-app
# The stacks the app synthesizes into $APP_OUT; cfn-lint and parliament must find each one there.
APP_STACKS=(StreamIngestExample LakeExample ServerlessDataLakeExample IcebergExample)
# shellcheck source=lib.sh
source .ci/lib.sh

preflight() {
  [[ -f .jsii && -d lib ]] || { echo "java-app: .jsii or lib/ missing: run 'npx projen build' (or compile) first" >&2; return 1; }
  [[ -x "$CFN_LINT" ]] || { echo "java-app: cfn-lint not found at $CFN_LINT (set CFN_LINT)" >&2; return 1; }
  check_parliament
  command -v java >/dev/null || { echo "java-app: java (17+) is required" >&2; return 1; }
  command -v mvn >/dev/null || { echo "java-app: mvn (Maven 3.6.3+) is required: jsii-pacmak's java target and the app use it" >&2; return 1; }
  mkdir -p "$MAVEN_REPO_LOCAL"
  echo "java-app: $(java -version 2>&1 | head -n 1), $(mvn -v 2>/dev/null | head -n 1 | sed 's/\x1b\[[0-9;]*m//g'), node $(node --version), $("$CFN_LINT" --version)"
  echo "java-app: Maven local repository $MAVEN_REPO_LOCAL"
}

clean() {
  # The library's version is always 0.0.0: drop the copy a previous run left in the local
  # repository, so the app can only resolve the jar built below.
  rm -rf dist/java "$APP_DIR/target" "$APP_OUT" "$LIBRARY_IN_REPO"
}

package_java() {
  npx projen package:java
  local jar="dist/java/io/github/cdk-serverless-data-lake/cdk-serverless-data-lake/0.0.0/cdk-serverless-data-lake-0.0.0.jar"
  [[ -f "$jar" ]] || { echo "java-app: expected $jar" >&2; return 1; }
  echo "java-app: built $jar ($(du -h "$jar" | cut -f1))"
  # The jar embeds the npm tarball of the library; anything packed by mistake (a virtual
  # environment at the repository root, say) makes it tens of MB instead of a few hundred KB.
  local stray
  stray="$(python3 - "$jar" <<'EOF'
import io, sys, tarfile, zipfile
with zipfile.ZipFile(sys.argv[1]) as jar:
    tgz = next(n for n in jar.namelist() if n.endswith('.jsii.tgz'))
    with tarfile.open(fileobj=io.BytesIO(jar.read(tgz))) as tar:
        tops = sorted({m.name.split('/')[1] for m in tar.getmembers() if m.name.count('/') >= 2})
allowed = {'lib', 'assets'}
print(' '.join(t for t in tops if t not in allowed))
EOF
)"
  if [[ -n "$stray" ]]; then
    echo "java-app: WARNING: the npm tarball in the jar contains unexpected folders: $stray (add them to npmIgnoreOptions in .projenrc.ts)" >&2
  fi
}

run_app() {
  mvn -B -q -f "$APP_DIR/pom.xml" -Dmaven.repo.local="$MAVEN_REPO_LOCAL" \
    -Dtypescript.assembly="$PWD/$TYPESCRIPT_ASSEMBLY" compile exec:java
}

stage_start="$(now)"
step preflight preflight
step clean clean
step "package:java (pacmak)" package_java
step "TypeScript templates" typescript_templates
step "mvn compile exec:java" run_app
step cfn-lint lint_templates
step parliament lint_policies

summary "$stage_start"
