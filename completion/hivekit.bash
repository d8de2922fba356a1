# bash completion for hivekit(1)                           -*- shell-script -*-
# Installed as share/bash-completion/completions/hivekit.

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

    local commands="info ls get export check set rm mkkey new import recover inject"
    if [[ $cword -eq 1 ]]; then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return
    fi

    local cmd=${words[1]}
    local wcommon="--backup --time --verbose -v --help"
    local wdirty="--recover --force"
    local opts
    case $cmd in
        info)    opts="--json --help" ;;
        ls)      opts="--json --help" ;;
        get)     opts="--raw --json --help" ;;
        export)  opts="--prefix --output -o --utf16 --help" ;;
        check)   opts="--json --strict --allow-dirty --help" ;;
        set)     opts="--parents -p --hex --sep $wcommon $wdirty" ;;
        rm|mkkey) opts="$wcommon $wdirty" ;;
        new)     opts="--minor $wcommon" ;;
        import)  opts="--prefix $wcommon $wdirty" ;;
        recover) opts="--log --dry-run -n $wcommon" ;;
        inject)  opts="--system --software --root --inf --driver --windows
                       --arch --dry-run -n --json --undo --devicepath $wcommon $wdirty" ;;
        *)       return ;;
    esac

    # arguments of options
    case $prev in
        --system|--software|--log|--undo|-o|--output)
            COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null
            return ;;
        --inf)
            COMPREPLY=($(compgen -f -X '!*.[iI][nN][fF]' -- "$cur")
                       $(compgen -d -- "$cur"))
            compopt -o filenames 2>/dev/null
            return ;;
        --root)
            COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null
            return ;;
        --driver)
            COMPREPLY=($(compgen -W "viostor vioscsi" -- "$cur")); return ;;
        --arch)
            COMPREPLY=($(compgen -W "amd64 x86 arm64" -- "$cur")); return ;;
        --minor)
            COMPREPLY=($(compgen -W "3 4 5 6" -- "$cur")); return ;;
        --time)
            COMPREPLY=($(compgen -W "now" -- "$cur")); return ;;
        --prefix|--sep|--windows|--devicepath)
            return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi

    # positional arguments: the first is a hive file (import: then a .reg
    # file); set: the 4th is a value type
    local i npos=0
    for ((i = 2; i < cword; i++)); do
        case ${words[i]} in
            --time|--prefix|--sep|--minor|--log|--system|--software|--root|\
            --inf|--driver|--windows|--arch|--undo|--devicepath|-o|--output)
                ((i++)) ;;
            -*) ;;
            *) ((npos++)) ;;
        esac
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
