#!/bin/sh
# check-help.sh - the man page and the shell completions against --help.
#
#   AISHELL=build/src/aishell AIS_SRC=. sh tests/docs/check-help.sh
#
# For every command, the options `$AISHELL <command> --help` prints (long and
# short) must be .TP entries of that command's section of doc/aishell.1, and
# every option of those entries must be in --help.  Every long option must
# appear in completions/aishell.bash, and be an _arguments option spec of the
# function _aishell_<command> in completions/_aishell; and (when bash is
# installed) the bash completion of `aishell <command> -` must offer exactly
# the options of --help.  Every variable in the Environment list of
# `aishell help` must be an entry of the man page's ENVIRONMENT section.
# Nothing here lists options: a new option in --help fails until the man page
# and the completions have it too.
#
# AIS_MAN, AIS_BASH_COMPLETION and AIS_ZSH_COMPLETION override the files
# checked (default: under $AIS_SRC).  Exit 0 when everything matches, 1 when
# not (each difference is printed); the last line is "N passed, N failed".

if [ -z "${AISHELL-}" ] || [ -z "${AIS_SRC-}" ]; then
	echo "check-help.sh: set AISHELL to the aishell binary and AIS_SRC to the source tree" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
MAN=${AIS_MAN:-$AIS_SRC/doc/aishell.1}
BASH_COMP=${AIS_BASH_COMPLETION:-$AIS_SRC/completions/aishell.bash}
ZSH_COMP=${AIS_ZSH_COMPLETION:-$AIS_SRC/completions/_aishell}

LC_ALL=C
export LC_ALL

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); printf 'FAIL: %s\n' "$*"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-help.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

for f in "$AISHELL" "$MAN" "$BASH_COMP" "$ZSH_COMP"; do
	if [ -r "$f" ]; then
		pass
	else
		fail "cannot read $f"
	fi
done
if [ "$failed" -ne 0 ]; then
	echo "$passed passed, $failed failed"
	exit 1
fi

# Option names (-x, --long-name) in text on stdin, one per line, sorted:
# a dash or two and a letter, at the start of a line or after a space,
# tab, comma, '[' or '|'.
options() {
	grep -oE -- '(^|[][ 	,|])--?[A-Za-z][A-Za-z0-9-]*' |
		sed 's/^[^-]*//' | sort -u
}

# The text of the man page, as roff source, between the .SS heading
# "aishell CMD" (words after CMD allowed) and the next .SS or .SH.
man_section() {
	awk -v want="aishell $1" '
		function plain(s) {
			gsub(/\\-/, "-", s)
			gsub(/\\f(\[[^]]*\]|\(..|.)/, "", s)
			gsub(/"/, "", s)
			sub(/^\.SS[ \t]+/, "", s)
			sub(/[ \t]+$/, "", s)
			return s
		}
		/^\.S[HS]([ \t]|$)/ {
			if (/^\.SS/) {
				h = plain($0)
				inside = (h == want || index(h, want " ") == 1)
				if (inside)
					found = 1
			} else
				inside = 0
			next
		}
		inside { print }
		END { exit !found }
	' "$MAN"
}

# The tag lines of the .TP entries in roff source on stdin, as plain text.
tp_tags() {
	awk '
		/^\.TP([ \t]|$)/ { tag = 1; next }
		tag && /^\.\\"/ { next }
		tag {
			s = $0
			sub(/^\.[A-Za-z]+[ \t]*/, " ", s)
			gsub(/\\-/, "-", s)
			gsub(/\\f(\[[^]]*\]|\(..|.)/, "", s)
			gsub(/\\[ ~]/, " ", s)
			gsub(/\\&/, "", s)
			gsub(/"/, " ", s)
			print s
			tag = 0
		}
	'
}

# set_minus A B: the lines of file A that are not lines of file B.
set_minus() {
	grep -vxF -f "$2" "$1" || :
}

# ---- the man page renders without warnings -------------------------------

if command -v groff >/dev/null 2>&1; then
	if groff -man -Tutf8 -ww -z "$MAN" >"$tmp/groff.out" 2>&1 &&
		! [ -s "$tmp/groff.out" ]; then
		pass
	else
		fail "groff -man -ww reports on $MAN:"
		sed 's/^/  /' "$tmp/groff.out"
	fi
else
	echo "note: no groff; the man page's rendering is not checked"
fi

# ---- each command's options ----------------------------------------------

have_bash=
command -v bash >/dev/null 2>&1 && have_bash=1
[ -n "$have_bash" ] ||
	echo "note: no bash; the bash completion is only grepped"

for cmd in ensure status prune "devcontainer generate" "hooks install" \
	"hooks uninstall" "hooks status" hook; do
	# shellcheck disable=SC2086  # $cmd is one or two words
	if "$AISHELL" $cmd --help >"$tmp/help" 2>"$tmp/help.err" &&
		[ -s "$tmp/help" ]; then
		pass
	else
		fail "'aishell $cmd --help' failed or printed nothing:"
		sed 's/^/  /' "$tmp/help.err"
		continue
	fi
	options <"$tmp/help" >"$tmp/help.opts"
	if [ -s "$tmp/help.opts" ]; then
		pass
	else
		fail "no options found in 'aishell $cmd --help'"
	fi

	# The man page: --help's options are .TP entries of the section, and
	# the section's entries are --help's options.
	if man_section "$cmd" >"$tmp/section"; then
		pass
	else
		fail "$MAN has no section '.SS \"aishell $cmd\"'"
		continue
	fi
	tp_tags <"$tmp/section" | options >"$tmp/man.opts"
	set_minus "$tmp/help.opts" "$tmp/man.opts" >"$tmp/missing"
	set_minus "$tmp/man.opts" "$tmp/help.opts" >"$tmp/extra"
	while read -r opt; do
		if grep -qxF -- "$opt" "$tmp/man.opts"; then
			pass
		else
			fail "aishell $cmd: $opt is in --help but not a .TP entry of the man page's section"
		fi
	done <"$tmp/help.opts"
	while read -r opt; do
		fail "aishell $cmd: the man page's section has $opt, which --help does not"
	done <"$tmp/extra"
	[ -s "$tmp/extra" ] || pass

	# The completions mention every long option: the bash file anywhere
	# (what it offers is checked below), the zsh file as an _arguments
	# spec ('--opt[...]', '--opt=[...]', {-o,--opt}'[...]', not just in an
	# exclusion list) in the function _aishell_<command>.
	zfunc=_aishell_${cmd%% *}
	if awk -v f="$zfunc" '
		index($0, f "() {") == 1 { on = 1; found = 1 }
		on { print }
		on && /^}/ { on = 0 }
		END { exit !found }
	' "$ZSH_COMP" >"$tmp/zfunc"; then
		pass
	else
		fail "$ZSH_COMP has no function $zfunc() for 'aishell $cmd'"
	fi
	grep -- '^--' "$tmp/help.opts" >"$tmp/long.opts"
	while read -r opt; do
		if grep -qE -- "(^|[^A-Za-z0-9-])$opt([^A-Za-z0-9-]|\$)" "$BASH_COMP"; then
			pass
		else
			fail "aishell $cmd: $opt is in --help but not in $BASH_COMP"
		fi
		if grep -qE -- "(^|[^A-Za-z0-9-])$opt(=-?|\+)?[[}]" "$tmp/zfunc"; then
			pass
		else
			fail "aishell $cmd: $opt is in --help but not an option of $zfunc() in $ZSH_COMP"
		fi
	done <"$tmp/long.opts"

	# The bash completion of `aishell CMD -` offers exactly --help's options.
	[ -n "$have_bash" ] || continue
	# shellcheck disable=SC2016  # expanded by bash, not here
	# shellcheck disable=SC2086  # $cmd is one or two words
	if bash -c '
		source "$1" || exit 1
		shift
		COMP_WORDS=(aishell "$@" -)
		COMP_CWORD=$(($# + 1))
		COMPREPLY=()
		_aishell
		printf "%s\n" "${COMPREPLY[@]}"
	' check-help "$BASH_COMP" $cmd >"$tmp/bash.out" 2>"$tmp/bash.err"; then
		pass
	else
		fail "sourcing $BASH_COMP and completing 'aishell $cmd -' failed:"
		sed 's/^/  /' "$tmp/bash.err"
		continue
	fi
	sed '/^$/d' "$tmp/bash.out" | sort -u >"$tmp/bash.opts"
	while read -r opt; do
		if grep -qxF -- "$opt" "$tmp/bash.opts"; then
			pass
		else
			fail "aishell $cmd: bash completes 'aishell $cmd -' without $opt"
		fi
	done <"$tmp/help.opts"
	set_minus "$tmp/bash.opts" "$tmp/help.opts" >"$tmp/extra"
	while read -r opt; do
		fail "aishell $cmd: bash completes 'aishell $cmd -' with $opt, which --help does not have"
	done <"$tmp/extra"
	[ -s "$tmp/extra" ] || pass
done

# ---- environment variables -----------------------------------------------

# The variables named in the Environment list of `aishell help`
# (NAME_WITH_UNDERSCORES words, up to the next blank line).
if "$AISHELL" help >"$tmp/help" 2>/dev/null; then
	pass
else
	fail "'aishell help' failed"
fi
awk '/^Environment:/ { on = 1; next } on && /^$/ { exit } on' "$tmp/help" |
	grep -oE '\$?[A-Z][A-Z0-9]*_[A-Z0-9_]*' | grep -v '^\$' | sort -u >"$tmp/env"
if [ -s "$tmp/env" ]; then
	pass
else
	fail "no Environment list in 'aishell help'"
fi
awk '/^\.SH/ { on = ($0 ~ /^\.SH[ \t]+"?ENVIRONMENT"?[ \t]*$/); next } on' "$MAN" |
	tp_tags | grep -oE '[A-Z][A-Z0-9_]*' | sort -u >"$tmp/man.env"
while read -r var; do
	if grep -qxF -- "$var" "$tmp/man.env"; then
		pass
	else
		fail "$var is in the Environment list of 'aishell help' but not an entry of the man page's ENVIRONMENT"
	fi
done <"$tmp/env"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
