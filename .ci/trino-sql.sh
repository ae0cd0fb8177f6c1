#!/usr/bin/env bash
# Stage: Athena SQL through Trino's parser.
#
# Parses the SQL of every AWS::Athena::NamedQuery (QueryString) and AWS::Athena::PreparedStatement
# (QueryStatement) in the synthesized templates with Trino's own SQL parser (io.trino:trino-parser
# from Maven Central): Athena engine version 3 is Trino, so a statement that fails here fails in
# Athena too. The harness is the Maven project .ci/trino-sql (ParseAthenaSql); it prints one line
# per statement and `trino-sql: N statements parsed, M failed`, and fails when M > 0, when a query
# is not a plain string (the library must emit literal SQL), or when it found no statement at all.
#
#   bash .ci/trino-sql.sh [CLOUD_ASSEMBLY_DIR...]     (default: cdk.out)
#
# Run from the repository root after a synth; the directories are relative to the root and are
# searched recursively, so nested assemblies (assembly-*/) are included.
# Needs: Maven 3.6.3+, Maven Central, and a JDK whose version is at least the harness's
# maven.compiler.release (24: trino-parser 476 is compiled for Java 24). The JDK is, in order:
# $TRINO_SQL_JAVA_HOME if set (it must qualify), $JAVA_HOME if it qualifies, else the oldest
# qualifying JDK under /usr/lib/jvm. It is used for both the Maven build and the run; the
# default Java 17 of the other stages is left alone.
#
# Creates (and removes again at the next run): .ci/trino-sql/target/; and the Maven local
# repository $MAVEN_REPO_LOCAL (default ~/.m2/repository), a download cache kept between runs.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

MAVEN_REPO_LOCAL="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
HARNESS_DIR=.ci/trino-sql
HARNESS_MAIN=io.github.cdkserverlessdatalake.ci.ParseAthenaSql
JVM_DIR=/usr/lib/jvm
if [[ $# -gt 0 ]]; then
  ASSEMBLIES=("$@")
else
  ASSEMBLIES=(cdk.out)
fi

STAGE=trino-sql
# shellcheck source=lib.sh
source .ci/lib.sh

# pom_property NAME: the value of <NAME> in the harness's pom.xml.
pom_property() {
  sed -n "s:.*<$1>\\([^<]*\\)</$1>.*:\\1:p" "$HARNESS_DIR/pom.xml" | head -n 1
}

# jdk_major HOME: the feature version of the JDK at HOME (from its release file; 1.8 -> 8), or
# nothing when HOME is not a JDK (a JRE has no javac).
jdk_major() {
  local home="$1" version
  [[ -x "$home/bin/java" && -x "$home/bin/javac" && -f "$home/release" ]] || return 0
  version="$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")"
  version="${version#1.}"
  version="${version%%[!0-9]*}"
  echo "$version"
}

# select_jdk: exports JAVA_HOME as a JDK of version $REQUIRED_JAVA or newer, or fails.
select_jdk() {
  local major
  if [[ -n "${TRINO_SQL_JAVA_HOME:-}" ]]; then
    major="$(jdk_major "$TRINO_SQL_JAVA_HOME")"
    if [[ -z "$major" || "$major" -lt "$REQUIRED_JAVA" ]]; then
      echo "trino-sql: TRINO_SQL_JAVA_HOME=$TRINO_SQL_JAVA_HOME is not a JDK $REQUIRED_JAVA or newer (found: ${major:-no JDK})" >&2
      return 1
    fi
    export JAVA_HOME="$TRINO_SQL_JAVA_HOME"
    return 0
  fi
  if [[ -n "${JAVA_HOME:-}" ]]; then
    major="$(jdk_major "$JAVA_HOME")"
    if [[ -n "$major" && "$major" -ge "$REQUIRED_JAVA" ]]; then
      export JAVA_HOME
      return 0
    fi
  fi
  # Debian lists each JDK under several names (symbolic links): compare the real directories.
  local home real best='' best_major='' seen=()
  for home in "$JVM_DIR"/*/; do
    [[ -d "$home" ]] || continue
    real="$(readlink -f "$home")"
    major="$(jdk_major "$real")"
    [[ -n "$major" ]] || continue
    seen+=("$(basename "$home") ($major)")
    if [[ "$major" -ge "$REQUIRED_JAVA" && ( -z "$best" || "$major" -lt "$best_major" ) ]]; then
      best="$real"
      best_major="$major"
    fi
  done
  if [[ -z "$best" ]]; then
    echo "trino-sql: trino-parser $TRINO_VERSION needs a JDK $REQUIRED_JAVA or newer; none found" >&2
    echo "trino-sql:   JAVA_HOME=${JAVA_HOME:-(unset)}; JDKs under $JVM_DIR: ${seen[*]:-none}" >&2
    echo "trino-sql:   install one (e.g. a Temurin JDK $REQUIRED_JAVA+) or set TRINO_SQL_JAVA_HOME" >&2
    return 1
  fi
  export JAVA_HOME="$best"
}

preflight() {
  command -v mvn >/dev/null || { echo "trino-sql: mvn (Maven 3.6.3+) is required" >&2; return 1; }
  local dir
  for dir in "${ASSEMBLIES[@]}"; do
    [[ -d "$dir" ]] || { echo "trino-sql: no cloud assembly directory $dir: synthesize first" >&2; return 1; }
  done
  REQUIRED_JAVA="$(pom_property maven.compiler.release)"
  TRINO_VERSION="$(pom_property trino.version)"
  [[ "$REQUIRED_JAVA" =~ ^[0-9]+$ ]] || { echo "trino-sql: no maven.compiler.release in $HARNESS_DIR/pom.xml" >&2; return 1; }
  select_jdk
  mkdir -p "$MAVEN_REPO_LOCAL"
  echo "trino-sql: trino-parser $TRINO_VERSION, JDK $(jdk_major "$JAVA_HOME") at $JAVA_HOME ($("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1))"
  echo "trino-sql: $(mvn -v 2>/dev/null | head -n 1 | sed 's/\x1b\[[0-9;]*m//g'), Maven local repository $MAVEN_REPO_LOCAL"
  echo "trino-sql: cloud assemblies: ${ASSEMBLIES[*]}"
}

build() {
  rm -rf "$HARNESS_DIR/target"
  # Maven's own Guava calls sun.misc.Unsafe, which JDK 24+ warns about on every run.
  local maven_opts="${MAVEN_OPTS:-}"
  [[ "$(jdk_major "$JAVA_HOME")" -lt 23 ]] || maven_opts="${maven_opts:+$maven_opts }--sun-misc-unsafe-memory-access=allow"
  # The compile phase also writes the runtime classpath to target/classpath.txt (see pom.xml).
  MAVEN_OPTS="$maven_opts" mvn -q -B -f "$HARNESS_DIR/pom.xml" -Dmaven.repo.local="$MAVEN_REPO_LOCAL" compile
  [[ -s "$HARNESS_DIR/target/classpath.txt" ]] || { echo "trino-sql: the build wrote no $HARNESS_DIR/target/classpath.txt" >&2; return 1; }
}

parse() {
  "$JAVA_HOME/bin/java" -cp "$HARNESS_DIR/target/classes:$(cat "$HARNESS_DIR/target/classpath.txt")" \
    "$HARNESS_MAIN" "${ASSEMBLIES[@]}"
}

stage_start="$(now)"
step preflight preflight
step "mvn compile (harness)" build
step "parse Athena SQL" parse

summary "$stage_start"
