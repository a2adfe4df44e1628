#!/bin/sh
# Every devcontainer.json the golden cases expect, and one generated now with every mapping in use, validates
# with ajv-cli against the official schemas: the base schema, and the combined one (base + VS Code +
# Codespaces customizations), by the commands of tests/schemas/README.md. The schemas are the vendored copies
# in tests/schemas, checked first against the SHA-256 sums their README records. A known-bad file must fail.
set -eu
: "${AISHELL:?AISHELL must name the aishell binary (ctest sets it)}"
: "${AIS_SRC:?AIS_SRC must name the source tree (ctest sets it)}"
# shellcheck source=../lib/npm.sh
. "$AIS_SRC/tests/lib/npm.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ais-schema.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

NPM=$(npm_tools) || { echo "schema: cannot install ajv-cli" >&2; exit 1; }
AJV="$NPM/node_modules/.bin/ajv"
S=$(cd "$AIS_SRC/tests/schemas" && pwd -P)
echo "schema: using $S"
# the copies are the versions their provenance names
sed -n '/^```$/,/^```$/p' "$S/README.md" | grep -E '^[0-9a-f]{64}  ' >"$T/sums"
[ "$(wc -l <"$T/sums")" -eq 4 ] || { echo "schema: tests/schemas/README.md lists no sums" >&2; exit 1; }
(cd "$S" && sha256sum -c --quiet "$T/sums") || { echo "schema: a vendored schema differs from its README" >&2; exit 1; }

mkdir -p "$T/data" "$T/home" "$T/proj/.aishell" "$T/home/data"
n=0
for f in "$AIS_SRC"/tests/fixtures/devcontainer/*/expected.out "$AIS_SRC"/tests/fixtures/devcontainer/*/expected.file; do
    [ -f "$f" ] || continue
    case=$(basename "$(dirname "$f")")
    [ ! -f "$(dirname "$f")/expected.rc" ] || [ "$(basename "$f")" = expected.file ] || continue
    # unparseable/foreign inputs kept as they were are not ours to validate
    grep -q '"generator": "aishell devcontainer generate"' "$f" || continue
    cp "$f" "$T/data/$case-$(basename "$f" | sed 's/expected\.//').json"
    n=$((n + 1))
done
# one file from the binary, every mapping in use
cat >"$T/proj/.aishell/config.yaml" <<'YAML'
env: {A: "1", PASS: null}
mounts: ["~/data:/data:ro", "~/data:/sel:z"]
ports: ["127.0.0.1:5432:5432"]
docker_args: --cpus=2
pre_start: echo hi
YAML
printf 'FROM aishell:base\n' >"$T/proj/.aishell/Dockerfile"
HOME="$T/home" "$AISHELL" devcontainer generate -q -C "$T/proj" --recreate-on-change
cp "$T/proj/.devcontainer/devcontainer.json" "$T/data/generated.json"
n=$((n + 1))
[ "$n" -gt 20 ] || { echo "schema: only $n files found" >&2; exit 1; }

echo "schema: validating $n files against the base schema"
"$AJV" validate --spec=draft2019 --strict=false -c ajv-formats --errors=text \
    -s "$S/devContainer.base.schema.json" -d "$T/data/*.json" >"$T/base.out" 2>&1 ||
    { cat "$T/base.out" >&2; echo "schema: FAILED (base schema)" >&2; exit 1; }
[ "$(grep -c ' valid$' "$T/base.out")" = "$n" ] || { cat "$T/base.out" >&2; exit 1; }

echo "schema: validating $n files against the combined schema"
DC_SCHEMA_DIR=$S NODE_PATH="$NPM/node_modules" "$AJV" validate --spec=draft2019 --strict=false \
    -c ajv-formats -c "$AIS_SRC/tests/schemas/dc-refs.js" --errors=text \
    -s "$S/devContainer.schema.json" -d "$T/data/*.json" >"$T/full.out" 2>&1 ||
    { cat "$T/full.out" >&2; echo "schema: FAILED (combined schema)" >&2; exit 1; }
[ "$(grep -c ' valid$' "$T/full.out")" = "$n" ] || { cat "$T/full.out" >&2; exit 1; }

# the validator really validates: a mount object with readonly, and a number as image
printf '{"image": "x", "mounts": [{"type": "bind", "source": "/a", "target": "/b", "readonly": true}]}\n' >"$T/bad1.json"
printf '{"image": 5}\n' >"$T/bad2.json"
for bad in "$T/bad1.json" "$T/bad2.json"; do
    if "$AJV" validate --spec=draft2019 --strict=false -c ajv-formats -s "$S/devContainer.base.schema.json" \
        -d "$bad" >/dev/null 2>&1; then
        echo "schema: $bad was accepted" >&2
        exit 1
    fi
done
echo "schema: ok ($n files valid, 2 bad ones rejected)"
