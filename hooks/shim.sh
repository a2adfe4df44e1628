#!/bin/sh
# aishell-hook-shim 2: written by 'aishell hooks install'; 'aishell hooks uninstall' removes it.
# One shim serves post-checkout, post-merge and post-rewrite (the name comes from $0).  It runs
# the hook it displaced (<name>.aishell-chained) first, with the same arguments and stdin, and
# exits with that hook's status; aishell's own part never makes the git command fail.
aishell_bin='@AISHELL_BIN@'
hook=${0##*/}
status=0
case $0 in */*) chained=${0%/*}/$hook.aishell-chained ;; *) chained=./$hook.aishell-chained ;; esac
if [ -x "$chained" ]; then
	"$chained" "$@" || status=$?
fi
[ "${AISHELL_HOOKS-}" = 0 ] && exit "$status"
# Nothing to judge when HEAD did not move: a file checkout, or OLD = NEW; an amend.
case $hook in
post-checkout) { [ "${3-}" = 0 ] || [ "${1-}" = "${2-}" ]; } && exit "$status" ;;
post-rewrite) [ "${1-}" = rebase ] || exit "$status" ;;
esac
# aishell: $AISHELL_BIN, else the binary recorded at install time, else PATH (absolute paths only:
# a relative PATH entry would run whatever the checkout just wrote).
for bin in "${AISHELL_BIN-}" "$aishell_bin" "$(command -v aishell 2>/dev/null)"; do
	case $bin in /*) ;; *) continue ;; esac
	if [ -x "$bin" ] && [ ! -d "$bin" ]; then
		"$bin" hook "$hook" "$@" </dev/null
		exit "$status"
	fi
done
echo "aishell: $hook hook: cannot find aishell (set AISHELL_BIN to its absolute path or put it on PATH); image check skipped" >&2
exit "$status"
