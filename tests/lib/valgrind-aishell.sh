#!/bin/sh
# valgrind-aishell.sh - aishell under valgrind memcheck, as $AISHELL for the integration tests (the
# "valgrind: integration" stage of tests/run.sh). Any memcheck error, or a definite or indirect leak, makes
# the command exit 99 and leaves a non-empty log in $AIS_VALGRIND_LOGS.
#
#   AIS_VALGRIND_BIN  the aishell binary to run
#   AIS_VALGRIND_LOGS the directory for one log per process (vg.<pid>.log)
: "${AIS_VALGRIND_BIN:?AIS_VALGRIND_BIN must name the aishell binary}"
: "${AIS_VALGRIND_LOGS:?AIS_VALGRIND_LOGS must name a directory for the logs}"
exec valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--suppressions="$(dirname "$0")/../valgrind.supp" \
	--log-file="$AIS_VALGRIND_LOGS/vg.%p.log" "$AIS_VALGRIND_BIN" "$@"
