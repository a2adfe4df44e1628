# shellcheck shell=sh
# tests/lib/npm.sh: the npm tools the devcontainer tests run, pinned, installed once into a cache dir.
#
#   . tests/lib/npm.sh; dir=$(npm_tools) || exit 1
#   "$dir/node_modules/.bin/devcontainer" ...;  "$dir/node_modules/.bin/ajv" ...
#
# The cache is $AIS_NPM_DIR, default $AIS_SRC/tests/.npm-cache (ignored by git). Installs are serialised with
# flock, and repeated only when the pinned list changes. Needs npm and the npm registry (tests/run.sh installs
# nodejs and npm when a machine lacks them).
AIS_NPM_PACKAGES="@devcontainers/cli@0.89.0 ajv-cli@5.0.0 ajv@8.20.0 ajv-formats@3.0.1"

npm_tools() {
    _npm_dir=${AIS_NPM_DIR:-${AIS_SRC:?npm_tools: set AIS_SRC (the source tree) or AIS_NPM_DIR}/tests/.npm-cache}
    mkdir -p "$_npm_dir" || return 1
    (
        flock 9 || exit 1
        if [ "$(cat "$_npm_dir/.installed" 2>/dev/null)" = "$AIS_NPM_PACKAGES" ] &&
            [ -x "$_npm_dir/node_modules/.bin/devcontainer" ] && [ -x "$_npm_dir/node_modules/.bin/ajv" ]; then
            exit 0
        fi
        command -v npm >/dev/null 2>&1 || { echo "npm_tools: npm not found (install nodejs and npm)" >&2; exit 1; }
        echo "npm_tools: installing $AIS_NPM_PACKAGES into $_npm_dir" >&2
        # shellcheck disable=SC2086
        npm install --prefix "$_npm_dir" --no-audit --no-fund --no-update-notifier --save-exact \
            $AIS_NPM_PACKAGES >"$_npm_dir/install.log" 2>&1 || {
            tail -n 20 "$_npm_dir/install.log" >&2
            echo "npm_tools: npm install failed" >&2
            exit 1
        }
        echo "$AIS_NPM_PACKAGES" >"$_npm_dir/.installed"
    ) 9>"$_npm_dir/.lock" || return 1
    echo "$_npm_dir"
}
