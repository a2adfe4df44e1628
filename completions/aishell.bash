# bash completion for aishell                                 -*- shell-script -*-
#
# Install: copy to /usr/share/bash-completion/completions/aishell (or source it
# from ~/.bashrc).  Needs nothing from the bash-completion package.
#
# The option lists mirror each command's --help (src/cli/cmd_*.c);
# tests/docs/check-help.sh checks that they do.

# _aishell_reply WORDLIST: set COMPREPLY to the words of WORDLIST starting with $cur.
_aishell_reply()
{
	local word
	COMPREPLY=()
	while IFS= read -r word; do
		COMPREPLY+=("$word")
	done < <(compgen -W "$1" -- "$cur")
}

# _aishell_paths -d|-f: set COMPREPLY to the directories (-d) or files (-f)
# starting with $cur, one per line so names with spaces survive.
_aishell_paths()
{
	local path
	compopt -o filenames 2>/dev/null
	COMPREPLY=()
	while IFS= read -r path; do
		COMPREPLY+=("$path")
	done < <(compgen "$1" -- "$cur")
}

# _aishell_tags: <repo>:base and the project's <repo>:ext-<H12>, where H12 is
# the first 12 hex digits of SHA-256 over the physical project directory (the
# -C argument on the command line, else the current directory).
_aishell_tags()
{
	local repo=${AISHELL_IMAGE_REPO:-aishell} dir=. word i h

	for ((i = 2; i < ${#COMP_WORDS[@]} - 1; i++)); do
		[[ ${COMP_WORDS[i]} == -C ]] && word=${COMP_WORDS[i + 1]}
	done
	# The word as typed: undo simple quoting ('...', "...", backslashes).
	if [[ -n $word ]]; then
		case $word in
		\'*\' | \"*\") dir=${word:1:${#word}-2} ;;
		*)
			dir=
			for ((i = 0; i < ${#word}; i++)); do
				[[ ${word:i:1} == \\ ]] && ((i++))
				dir+=${word:i:1}
			done
			;;
		esac
	fi
	[[ $dir == '~'* ]] && dir=$HOME${dir#'~'}
	printf '%s\n' "$repo:base"
	dir=$(cd -- "$dir" 2>/dev/null && pwd -P) || return 0
	h=$(printf '%s' "$dir" | sha256sum 2>/dev/null) || return 0
	[[ ${#h} -ge 12 ]] && printf '%s\n' "$repo:ext-${h:0:12}"
}

_aishell()
{
	local cur prev cword=$COMP_CWORD
	local -a words=("${COMP_WORDS[@]}")

	cur=${words[cword]}
	prev=
	((cword > 0)) && prev=${words[cword - 1]}
	# --opt=value: bash splits it into "--opt" "=" "value" (= is in
	# COMP_WORDBREAKS); complete the value of --opt.
	if [[ $cur == = ]]; then
		cur=
	elif [[ $prev == = ]] && ((cword > 1)); then
		prev=${words[cword - 2]}
	fi

	local commands='ensure push status prune devcontainer hooks hook help version'

	# An image tag holds ':', which bash also splits words at (it is in
	# COMP_WORDBREAKS): take the tag and the word before it from the line
	# itself, and reply with what follows the tag's last ':'.
	if [[ -n ${COMP_LINE-} && ${words[1]-} == ensure ]]; then
		local line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}} tcur tprev
		local -a lw
		read -ra lw <<<"$line"
		if [[ -z $line || $line == *[[:space:]] ]]; then
			tcur='' tprev=${lw[${#lw[@]} - 1]-}
		else
			tcur=${lw[${#lw[@]} - 1]} tprev=${lw[${#lw[@]} - 2]-}
		fi
		if [[ $tcur == --expect-image=* ]]; then
			tcur=${tcur#--expect-image=} tprev=--expect-image
		fi
		if [[ $tprev == --expect-image ]]; then
			cur=$tcur
			_aishell_reply "$(_aishell_tags)"
			if [[ $cur == *:* ]]; then
				local i colon=${cur%"${cur##*:}"}
				for i in "${!COMPREPLY[@]}"; do
					COMPREPLY[i]=${COMPREPLY[i]#"$colon"}
				done
			fi
			return 0
		fi
	fi

	if ((cword == 1)); then
		if [[ $cur == -* ]]; then
			_aishell_reply '--help -h --version -V'
		else
			_aishell_reply "$commands"
		fi
		return 0
	fi

	local cmd=${words[1]} sub=${words[2]-} opts=

	# The value of an option that takes one.
	case $cmd:$prev in
	ensure:-C | status:-C | devcontainer:-C)
		_aishell_paths -d
		return 0
		;;
	devcontainer:-o | devcontainer:--output)
		_aishell_paths -f
		[[ -z $cur || $cur == - ]] && COMPREPLY+=(-)
		return 0
		;;
	ensure:--expect-image)
		_aishell_reply "$(_aishell_tags)"
		return 0
		;;
	hooks:--mode)
		_aishell_reply 'warn build background off'
		return 0
		;;
	esac

	case $cmd in
	ensure)
		opts='-C -f --force --check --json -q --quiet -v --verbose
			--no-progress --recreate-on-change --devcontainer --expect-image --push -h --help'
		;;
	push)
		opts='-h --help'
		;;
	status)
		opts='-C --json -h --help'
		;;
	prune)
		opts='-n --dry-run --json -h --help'
		;;
	devcontainer)
		if ((cword == 2)); then
			if [[ $cur == -* ]]; then
				_aishell_reply '-h --help'
			else
				_aishell_reply 'generate'
			fi
			return 0
		fi
		[[ $sub == generate ]] || return 0
		opts='-C -o --output --stdout --check -f --force
			--recreate-on-change -q --quiet -h --help'
		;;
	hooks)
		if ((cword == 2)); then
			if [[ $cur == -* ]]; then
				_aishell_reply '-h --help'
			else
				_aishell_reply 'install uninstall status'
			fi
			return 0
		fi
		case $sub in
		install) opts='--mode -f --force -h --help' ;;
		uninstall | status) opts='-h --help' ;;
		*) return 0 ;;
		esac
		;;
	hook)
		if ((cword == 2)); then
			if [[ $cur == -* ]]; then
				_aishell_reply '-h --help'
			else
				_aishell_reply 'post-checkout post-merge post-rewrite'
			fi
			return 0
		fi
		# git's arguments: post-checkout OLD NEW FLAG, post-merge SQUASH,
		# post-rewrite amend|rebase.
		case $sub:$cword in
		post-checkout:5 | post-merge:3) _aishell_reply '0 1' ;;
		post-rewrite:3) _aishell_reply 'amend rebase' ;;
		esac
		return 0
		;;
	*)
		# help, version, or an unknown command: no arguments.
		return 0
		;;
	esac

	# No command takes operands: offer the options.
	if [[ -z $cur || $cur == -* ]]; then
		_aishell_reply "$opts"
	fi
	return 0
}

complete -F _aishell aishell
