# bash completion for hivekit(1)                           -*- shell-script -*-
# Installed as share/bash-completion/completions/hivekit.
#
# The commands and their options come from hivekit itself, from the same
# table that its --help prints: `hivekit --list-commands` (one name a
# line) and `hivekit --list-options CMD` (one option a line, followed by
# the name of its value when it takes one: "--output FILE"). Only what an
# option's value can be (files, directories, fixed words) is said here.

_hivekit()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -n '\' || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    local prog=${words[0]}

    if [[ $cword -eq 1 ]]; then
        COMPREPLY=($(compgen -W "$("$prog" --list-commands 2>/dev/null)
                     --help --version" -- "$cur"))
        return
    fi

    local cmd=${words[1]} spec
    spec=$("$prog" --list-options "$cmd" 2>/dev/null) || return
    # opts: every spelling; valued: " --name VALUE-NAME ..." pairs
    local opts="" valued=" " name value
    while read -r name value; do
        opts+=" $name"
        [[ -n $value ]] && valued+="$name=$value "
    done <<<"$spec"

    # the value of an option
    local what=""
    [[ $valued == *" $prev="* ]] && { what=${valued#* $prev=}; what=${what%% *}; }
    if [[ -n $what ]]; then
        case $prev in
            --inf)
                COMPREPLY=($(compgen -f -X '!*.[iI][nN][fF]' -- "$cur")
                           $(compgen -d -- "$cur"))
                compopt -o filenames 2>/dev/null
                return ;;
            --driver)
                COMPREPLY=($(compgen -W "viostor vioscsi" -- "$cur")); return ;;
            --target)
                COMPREPLY=($(compgen -W "virtio-blk virtio-scsi sata nvme ide any" -- "$cur")); return ;;
            --arch)
                COMPREPLY=($(compgen -W "amd64 x86 arm64" -- "$cur")); return ;;
            --minor)
                COMPREPLY=($(compgen -W "3 4 5 6" -- "$cur")); return ;;
            --time)
                COMPREPLY=($(compgen -W "now" -- "$cur")); return ;;
        esac
        case $what in
            FILE)
                COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null ;;
            DIR)
                COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null ;;
        esac
        return
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi

    # positional arguments: the first is a hive file (import: then a .reg
    # file); set: the 4th is a value type
    local i npos=0
    for ((i = 2; i < cword; i++)); do
        if [[ ${words[i]} == -* ]]; then
            [[ ${words[i]} != *=* && $valued == *" ${words[i]}="* ]] && ((i++))
        else
            ((npos++))
        fi
    done
    if [[ $cmd == set && $npos -eq 3 ]]; then
        COMPREPLY=($(compgen -W "sz expand_sz multi_sz dword dword_be qword
                     binary none link resource_list full_resource_descriptor
                     resource_requirements_list" -- "$cur"))
        return
    fi
    if [[ $npos -eq 0 || ( $cmd == import && $npos -eq 1 ) ]]; then
        COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null
    fi
} &&
complete -F _hivekit hivekit
