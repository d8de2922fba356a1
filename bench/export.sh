#!/usr/bin/env bash
# bench/export.sh -- benchmark (not a test) of `hivekit export` against peer
# tools on a large real SYSTEM hive.  Prints per-tool median/min wall time,
# peak RSS, output size and the ratio to hivekit, then a verdict.
#
# Usage: bench/export.sh [HIVE]
#   HIVE        hive file to export (a *.xz file is decompressed first);
#               default: $CORPUS/regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz
# Environment:
#   CORPUS      corpus root            (default: $repo/../shared/corpus)
#   HIVEKIT     hivekit binary         (default: $repo/build/hivekit)
#   RUNS        timed runs of hivekit  (default: 10)
#   PEER_RUNS   timed runs of a peer   (default: 5)
#   PREFIX      registry prefix for the peers' .reg output
#               (default: HKEY_LOCAL_MACHINE\SYSTEM)
#
# Every command gets 1 untimed warm-up run, then N timed runs (wall time,
# measured in-process with bash's $EPOCHREALTIME: no fork is inside the timed
# interval except the tool's own), then 1 extra run under /usr/bin/time for
# peak RSS.  Exit status: 0 when hivekit ran and wrote output, else 1.
# Missing targets do not change the exit status: this is a benchmark.
set -euo pipefail
export LC_ALL=C

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$script_dir/.." && pwd)

CORPUS=${CORPUS:-$repo/../shared/corpus}
HIVEKIT=${HIVEKIT:-$repo/build/hivekit}
RUNS=${RUNS:-10}
PEER_RUNS=${PEER_RUNS:-5}
PREFIX=${PREFIX:-'HKEY_LOCAL_MACHINE\SYSTEM'}
DEFAULT_HIVE=$CORPUS/regipy/regipy_tests/data/SYSTEM_WIN_10_1709.xz

die()  { printf 'export.sh: error: %s\n' "$*" >&2; exit 1; }
note() { printf 'note: %s\n' "$*" >&2; }

case "${1:-}" in
  -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
[[ $# -le 1 ]] || die "usage: bench/export.sh [HIVE]"
[[ $RUNS =~ ^[1-9][0-9]*$ ]]      || die "RUNS must be a positive integer (got '$RUNS')"
[[ $PEER_RUNS =~ ^[1-9][0-9]*$ ]] || die "PEER_RUNS must be a positive integer (got '$PEER_RUNS')"

src_hive=${1:-$DEFAULT_HIVE}
[[ -f $src_hive ]] || die "hive not found: $src_hive (set CORPUS=... or pass a hive path)"

# ---------------------------------------------------------------- tools
# tool command -> Debian package
declare -A PKG=(
  [reged]=chntpw [hivexml]=libhivex-bin [hivexregedit]=libwin-hivex-perl
  [reglookup]=reglookup [xz]=xz-utils [/usr/bin/time]=time
)
have() {
  if [[ $1 == /* ]]; then [[ -x $1 ]]; else command -v "$1" >/dev/null 2>&1; fi
}

missing=()
for t in "${!PKG[@]}"; do have "$t" || missing+=("$t"); done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing packages for missing tools: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq &&
           apt-get install -y -qq chntpw libhivex-bin libwin-hivex-perl reglookup \
             hyperfine time xz-utils; } >&2; then
      note "apt-get failed; tools that are still missing will be skipped"
    fi
  else
    note "not root (or no apt-get): cannot install ${missing[*]}; skipping what is missing"
  fi
fi
have /usr/bin/time || note "/usr/bin/time missing: peak RSS will not be measured"

# ---------------------------------------------------------------- hivekit
if [[ ! -x $HIVEKIT ]]; then
  if [[ $HIVEKIT == "$repo/build/hivekit" ]]; then
    [[ -f $repo/CMakeLists.txt ]] ||
      die "$HIVEKIT not found and $repo/CMakeLists.txt missing; build hivekit first (make build)"
    command -v cmake >/dev/null 2>&1 || die "$HIVEKIT not found and cmake is not installed"
    echo "hivekit not built: building it (Release) ..." >&2
    { cmake -S "$repo" -B "$repo/build" -DCMAKE_BUILD_TYPE=Release &&
      cmake --build "$repo/build"; } >&2 ||
      die "building hivekit failed; fix the build or run 'make build' first"
    [[ -x $HIVEKIT ]] || die "build finished but $HIVEKIT still does not exist"
  else
    die "HIVEKIT=$HIVEKIT is not an executable file"
  fi
fi

# ---------------------------------------------------------------- work dir
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hivekit-bench.XXXXXX")
cleanup() { rm -rf -- "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Work on a private copy so no tool can touch the caller's file.
hive=$tmp/hive
if [[ $src_hive == *.xz ]]; then
  have xz || die "xz is needed to decompress $src_hive"
  xz -dc -- "$src_hive" > "$hive"
else
  cp -- "$src_hive" "$hive"
fi
hive_bytes=$(stat -c %s "$hive")
((hive_bytes > 0)) || die "hive is empty: $src_hive"

# ---------------------------------------------------------------- commands
# set_cmd NAME OUT: sets CMD (argv) and STDOUT (where the tool's stdout goes).
set_cmd() {
  local out=$2
  STDOUT=/dev/null
  case $1 in
    hivekit)      CMD=("$HIVEKIT" export "$hive" -o "$out") ;;
    reged)        CMD=(reged -x "$hive" "$PREFIX" '\' "$out") ;;  # prints one line per key on stdout
    hivexml)      CMD=(hivexml "$hive"); STDOUT=$out ;;
    reglookup)    CMD=(reglookup "$hive"); STDOUT=$out ;;
    hivexregedit) CMD=(hivexregedit --export --prefix "$PREFIX" "$hive" '\'); STDOUT=$out ;;
    *) die "unknown tool $1" ;;
  esac
}
declare -A EXT=([hivekit]=reg [reged]=reg [hivexml]=xml [reglookup]=csv [hivexregedit]=reg)

# Print a command line, shell-quoted, for the report.
shq() {
  if [[ $1 =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then printf '%s' "$1"
  else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}
show_cmd() {
  local s= a
  for a in "${CMD[@]}"; do s+="$(shq "$a") "; done
  [[ $STDOUT == /dev/null ]] && s+=">/dev/null" || s+="> $STDOUT"
  printf '%s' "$s"
}

now_us() {
  if [[ -n ${EPOCHREALTIME:-} ]]; then REPLY=${EPOCHREALTIME/./}
  else REPLY=$(date +%s%6N); fi
}

# run_once OUT ERR: one untimed run, returns the tool's exit status.
run_once() {
  rm -f -- "$1"
  local rc=0
  "${CMD[@]}" >"$STDOUT" 2>>"$2" </dev/null || rc=$?
  return "$rc"
}

declare -A MED MIN RSS SIZE STATUS CMDLINE
WARN=()
# bench NAME RUNS
bench() {
  local name=$1 runs=$2 i t0 t1 rc=0
  local out=$tmp/out.$name.${EXT[$name]} err=$tmp/err.$name times=$tmp/times.$name
  : >"$err"; : >"$times"
  set_cmd "$name" "$out"
  CMDLINE[$name]=$(show_cmd)
  printf '  %-13s warm-up + %d runs ...' "$name" "$runs" >&2
  run_once "$out" "$err" || rc=$?
  for ((i = 0; i < runs && rc == 0; i++)); do
    rm -f -- "$out"
    now_us; t0=$REPLY
    "${CMD[@]}" >"$STDOUT" 2>>"$err" </dev/null || rc=$?
    now_us; t1=$REPLY
    echo $((t1 - t0)) >>"$times"
  done
  if ((rc != 0)); then
    STATUS[$name]="FAILED (exit $rc)"
    printf ' failed (exit %d)\n' "$rc" >&2
    return 0
  fi
  SIZE[$name]=$(stat -c %s "$out" 2>/dev/null || echo 0)
  STATUS[$name]=ok
  if ((SIZE[$name] == 0)); then
    STATUS[$name]="FAILED (exit 0 but empty output)"
  elif ((SIZE[$name] < hive_bytes / 20)); then
    # e.g. reged exits 0 and writes only the .reg header when it cannot parse the hive
    STATUS[$name]="ok?"
    WARN+=("$name: output is only ${SIZE[$name]} bytes (< 5% of the hive): likely incomplete, check it")
  fi
  # median (mean of the two middle values for an even count) and min, in ms
  read -r MED[$name] MIN[$name] < <(sort -n "$times" | awk '
    { v[NR] = $1 }
    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "%.1f %.1f\n", m / 1000, v[1] / 1000 }')
  RSS[$name]=
  if have /usr/bin/time; then
    local rssf=$tmp/rss.$name
    rm -f -- "$out"
    if /usr/bin/time -f %M -o "$rssf" "${CMD[@]}" >"$STDOUT" 2>>"$err" </dev/null; then
      RSS[$name]=$(tail -n 1 "$rssf")   # KiB
    fi
  fi
  printf ' median %s ms\n' "${MED[$name]}" >&2
}

# ---------------------------------------------------------------- machine info
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
[[ -n $cpu ]] || cpu=$(lscpu 2>/dev/null | awk -F': *' '/^Model name/ { print $2; exit }' || true)
mem_kib=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo 2>/dev/null || echo 0)
rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)

echo "== hivekit export benchmark"
printf 'machine : %s cores, %s, %.1f GiB RAM, %s\n' "$(nproc)" "${cpu:-unknown CPU}" \
  "$(awk -v k="$mem_kib" 'BEGIN { print k / 1048576 }')" "$(uname -srm)"
printf 'hive    : %s (%d bytes = %.2f MiB)\n' "$src_hive" "$hive_bytes" \
  "$(awk -v b="$hive_bytes" 'BEGIN { print b / 1048576 }')"
printf 'hivekit : %s (repo rev %s)\n' "$HIVEKIT" "$rev"
printf 'runs    : hivekit %d, peers %d (each after 1 warm-up; +1 run for peak RSS)\n' \
  "$RUNS" "$PEER_RUNS"
echo

tools=(hivekit)
skipped=()
for p in reged hivexml reglookup hivexregedit; do
  if have "$p"; then tools+=("$p"); else skipped+=("$p ${PKG[$p]} not installed"); fi
done

echo "running:" >&2
bench hivekit "$RUNS"
for p in "${tools[@]:1}"; do bench "$p" "$PEER_RUNS"; done
echo >&2

# ---------------------------------------------------------------- report
fmt_size() {
  awk -v b="$1" 'BEGIN { if (b >= 1e6) printf "%.1f MB", b / 1e6
                         else if (b >= 1e3) printf "%.1f kB", b / 1e3
                         else printf "%d B", b }'
}
fmt_rss()  { [[ -n $1 ]] && awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' || printf -- '-'; }

# MED is set whenever every run exited 0; STATUS is ok only if output is non-empty too.
hk_ok=0
[[ ${STATUS[hivekit]} == ok* ]] && hk_ok=1

printf '%-13s %10s %10s %10s %12s %8s  %s\n' tool "median ms" "min ms" "RSS MiB" output ratio status
printf '%-13s %10s %10s %10s %12s %8s  %s\n' ------------- ---------- ---------- ---------- ------------ -------- ------
for t in "${tools[@]}"; do
  if [[ -n ${MED[$t]:-} ]]; then
    ratio=-
    [[ -n ${MED[hivekit]:-} ]] && ratio=$(awk -v a="${MED[$t]}" -v b="${MED[hivekit]}" \
      'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
    printf '%-13s %10s %10s %10s %12s %8s  %s\n' "$t" "${MED[$t]}" "${MIN[$t]}" \
      "$(fmt_rss "${RSS[$t]}")" "$(fmt_size "${SIZE[$t]}")" "$ratio" "${STATUS[$t]}"
  else
    printf '%-13s %10s %10s %10s %12s %8s  %s\n' "$t" - - - - - "${STATUS[$t]}"
  fi
done
for s in "${skipped[@]+"${skipped[@]}"}"; do
  printf '%-13s %10s %10s %10s %12s %8s  %s\n' "${s%% *}" - - - - - "skipped: ${s#* }"
done
echo "(ratio = tool median / hivekit median; output = size of the tool's output file)"
echo

echo "commands:"
for t in "${tools[@]}"; do printf '  %-13s %s\n' "$t" "${CMDLINE[$t]//$tmp/\$TMP}"; done
echo

# failures: show the tail of stderr
for t in "${tools[@]}"; do
  if [[ ${STATUS[$t]} != ok* ]]; then
    echo "$t stderr (last lines):"
    if [[ -s $tmp/err.$t ]]; then tail -n 5 "$tmp/err.$t" | sed 's/^/  | /'
    else echo "  | (nothing on stderr)"; fi
  fi
done

echo "verdict:"
for w in "${WARN[@]+"${WARN[@]}"}"; do echo "  WARNING: $w"; done
if ((!hk_ok)); then
  echo "  n/a: hivekit export failed (${STATUS[hivekit]})"
  exit 1
fi
best= best_med=
for t in "${tools[@]:1}"; do
  [[ ${STATUS[$t]} == ok* ]] || continue
  if [[ -z $best ]] || awk -v a="${MED[$t]}" -v b="$best_med" 'BEGIN { exit !(a < b) }'; then
    best=$t best_med=${MED[$t]}
  fi
done
if [[ -n $best ]]; then
  awk -v p="$best_med" -v h="${MED[hivekit]}" -v n="$best" 'BEGIN {
    s = (h > 0) ? p / h : 0
    if (s >= 1) printf "  speed : hivekit is %.1fx faster than the fastest peer (%s: %s ms vs %s ms)", s, n, p, h
    else        printf "  speed : hivekit is %.1fx SLOWER than the fastest peer (%s: %s ms vs %s ms)", 1 / s, n, p, h
    printf "  [target >= 10x: %s]\n", (s >= 10) ? "PASS" : "FAIL" }'
else
  echo "  speed : no peer ran successfully; nothing to compare against"
fi
if [[ -n ${RSS[hivekit]} ]]; then
  awk -v k="${RSS[hivekit]}" -v b="$hive_bytes" 'BEGIN {
    rss = k * 1024; bound = b + 8 * 1048576
    printf "  memory: hive %.2f MiB, hivekit peak RSS %.2f MiB, bound (hive + 8 MiB) %.2f MiB: %s\n",
      b / 1048576, rss / 1048576, bound / 1048576, (rss <= bound) ? "PASS" : "FAIL" }'
else
  echo "  memory: peak RSS not measured (/usr/bin/time missing or the RSS run failed)"
fi
