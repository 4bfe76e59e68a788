# bash completion for minivmm(1); make install puts it in
# PREFIX/share/bash-completion/completions/minivmm, where bash-completion
# loads it on demand.  The long options are --help's (tests/install/
# man-tests.sh checks that the two lists are the same); values are
# completed where they are a file, a folder or a word from a fixed list.
# It uses only bash's own compgen, so it works without bash-completion's
# helpers too (`. completion/minivmm.bash`).

_minivmm_options='--kernel --initrd --cmdline --mem --cpus --console --console-device
	--disk --no-rng --seccomp --timeout --share --modules --expect --result-json --fail-on
	--dump --dump-on --gdb --gdb-wait --dtb --dump-dtb --boot --kernel-addr --kernel-align
	--initrd-addr --initrd-align --load --fw-cfg --print-images --trace-boot --verbose --help
	--version'

# The options that take a value (the next word).
_minivmm_valued=' --kernel --initrd --cmdline --mem --cpus --console --console-device --disk
	--seccomp --timeout --share --modules --expect --result-json --fail-on --dump --dump-on --gdb --boot
	--dtb --dump-dtb --kernel-addr --kernel-align --initrd-addr --initrd-align --load --fw-cfg '
_minivmm_valued=${_minivmm_valued//[[:space:]]/ }

# _minivmm_list CUR WORDS...: complete the last item of a comma-separated
# list of WORDS (--fail-on, --dump-on).
_minivmm_list()
{
	local cur=$1 head=''
	shift
	[[ $cur == *,* ]] && head=${cur%,*},
	local IFS=$'\n'
	mapfile -t COMPREPLY < <(compgen -P "$head" -W "$*" -- "${cur##*,}")
	[[ ${#COMPREPLY[@]} -eq 1 ]] && compopt -o nospace 2>/dev/null
	return 0
}

_minivmm()
{
	# bash splits words at = and : too (COMP_WORDBREAKS): the whole words
	# are taken from the line itself, and the replies cut back to the
	# part bash replaces.
	local line=${COMP_LINE:0:COMP_POINT} i words=()
	read -ra words <<<"$line"
	[[ $line =~ [[:space:]]$ ]] && words+=('')
	local n=${#words[@]}
	local cur=${words[n - 1]:-} prev=''
	((n > 1)) && prev=${words[n - 2]}

	# After "--" (not an option's value) the words are the guest command's.
	local j m=0
	for ((j = 1; j < n - 1; j++)); do
		[[ ${words[j]} == -- ]] && { ((m++)); break; }
		[[ $_minivmm_valued == *" ${words[j]} "* ]] && { [[ ${words[j + 1]} == -- ]] && ((m++)); ((j++)); }
	done
	if ((j < n - 1)); then
		if ((j + 2 == n)); then
			mapfile -t COMPREPLY < <(compgen -c -- "$cur")
			return 0
		fi
		# The same "--" in bash's own words, for bash-completion's helper.
		for ((i = 1; i < COMP_CWORD; i++)); do
			[[ ${COMP_WORDS[i]} == -- ]] && ((--m == 0)) && break
		done
		if declare -F _command_offset >/dev/null; then
			_command_offset $((i + 1))
		else
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		return 0
	fi

	COMPREPLY=()
	case $prev in
	--kernel | --initrd | --result-json | --dump | --disk | --load | --dump-dtb)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	--modules | --share)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
	--boot)
		mapfile -t COMPREPLY < <(compgen -W 'auto linux64 pvh' -- "$cur") ;;
	--seccomp)
		mapfile -t COMPREPLY < <(compgen -W 'on off' -- "$cur") ;;
	--dtb)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -W 'auto off' -- "$cur"; compgen -f -- "$cur") ;;
	--console)
		if [[ $cur == file:* ]]; then
			mapfile -t COMPREPLY < <(compgen -P file: -f -- "${cur#file:}")
		else
			mapfile -t COMPREPLY < <(compgen -W 'stdio none file:' -- "$cur")
			[[ ${COMPREPLY[*]} == file: ]] && compopt -o nospace 2>/dev/null
		fi ;;
	--console-device)
		mapfile -t COMPREPLY < <(compgen -W 'serial virtio' -- "$cur") ;;
	--fail-on)
		_minivmm_list "$cur" all panic warning bug oops gpf kasan ubsan lockdep rcu-stall \
			soft-lockup hard-lockup hung-task ;;
	--dump-on)
		_minivmm_list "$cur" crash timeout exit ;;
	--cmdline | --mem | --cpus | --timeout | --expect | --kernel-addr | --kernel-align | \
		--initrd-addr | --initrd-align | --fw-cfg)
		;;   # free values: nothing to offer
	*)
		case $cur in
		--print-images=*)
			mapfile -t COMPREPLY < <(compgen -P --print-images= -W 'table json' -- \
				"${cur#--print-images=}") ;;
		-*)
			mapfile -t COMPREPLY < <(compgen -W "$_minivmm_options --" -- "$cur") ;;
		esac ;;
	esac
	# Cut each reply to what bash replaces: the word after the last = or :.
	# (After "--print-images=" bash's word is "=" itself, and is replaced
	# by "=table".)
	local pre=${cur%"${COMP_WORDS[COMP_CWORD]}"}
	[[ -n $pre ]] && COMPREPLY=("${COMPREPLY[@]#"$pre"}")
	return 0
}
complete -F _minivmm minivmm
