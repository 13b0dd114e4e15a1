# shellcheck shell=bash disable=SC2034   # TS, WORK, BENCH_SHIFT... are read by the sourcing scripts
# bench/lib/shoal-bench.sh -- shell helpers shared by the Shoal benchmark scripts
# (bench/run-all.sh, bench/{scale,drain,stats,window}/run.sh).  Sourced, not run:
#   . "$HERE/../lib/shoal-bench.sh"     (set BENCH_NAME before calling log/die)
#
# Variables the helpers read (set by the sourcing script): BENCH_NAME, REPO, SHOAL, SHARED,
# OUT, PROJECT, WORK.
#
#   log MSG...                   "[HH:MM:SS] $BENCH_NAME: MSG" on stderr
#   die MSG...                   log "ERROR: MSG", then exit 1
#   bench_default_paths          SHARED=$SHARED_BENCH or <repo>/../shared/bench,
#                                SHOAL=$SHOAL or <repo>/../build-bench/app/shoal, OUT=<repo>/bench/results
#   bench_common_option LAST ARGS...
#                                one step of option parsing for --shoal PATH, --out DIR and
#                                -h/--help (prints lines 2..LAST of the script, exits 0); any other
#                                option: "unknown option" on stderr, exit 2.  Sets BENCH_SHIFT to
#                                the number of arguments used (shift "$BENCH_SHIFT" after it).
#   bench_require_shoal [HINT]   die unless $SHOAL is executable ("no shoal binary at ... (HINT)")
#   bench_require_harness FILE   die unless $SHARED/FILE is executable
#   bench_absolute_shoal         make $SHOAL an absolute path
#   bench_new_run PREFIX [SUB...]
#                                TS=UTC yyyymmdd-hhmmss, WORK=mktemp -d /tmp/PREFIX.XXXXXX, then
#                                mkdir -p $WORK/SUB... and $OUT
#   bench_install_traps          EXIT runs the script's cleanup() once (traps cleared first) and
#                                exits with the status the script was leaving with; INT exits
#                                130, TERM exits 143 (both through the EXIT trap)
#   bench_refuse_running_project die if `shoal ps -p $PROJECT` says an instance already runs it
#   bench_compose_down           docker-compose -p $PROJECT -f $COMPOSE_FILE down (errors ignored)
#   bench_purge_project DOCKER NAME-PREFIX
#                                remove the containers labelled with compose project $PROJECT
#                                whose name starts with NAME-PREFIX (e.g. /bench-), then the
#                                network ${PROJECT}_default; errors ignored
#   bench_stop_pid PID [NAME]    SIGTERM PID, wait up to 5 s, then SIGKILL (logging
#                                "NAME (pid PID) did not exit ..." first if NAME is given);
#                                nothing if PID is empty or already gone
#   bench_bin_info               prints "<shoal --version>, binary built <date>; repo HEAD at run time <rev>"

log() { printf '[%s] %s: %s\n' "$(date +%H:%M:%S)" "$BENCH_NAME" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

bench_default_paths() {
  SHARED="${SHARED_BENCH:-$REPO/../shared/bench}"
  SHOAL="${SHOAL:-$REPO/../build-bench/app/shoal}"
  OUT="$REPO/bench/results"
}

bench_common_option() {
  local last="$1"; shift
  case "$1" in
    --shoal) SHOAL="$2"; BENCH_SHIFT=2 ;;
    --out) OUT="$2"; BENCH_SHIFT=2 ;;
    -h|--help) sed -n "2,${last}p" "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
}

bench_require_shoal() {
  [ -x "$SHOAL" ] || die "no shoal binary at $SHOAL${1:+ ($1)}"
}

bench_require_harness() {
  [ -x "$SHARED/$1" ] || die "shared harness not found at $SHARED (set --shared or SHARED_BENCH)"
}

bench_absolute_shoal() {
  SHOAL="$(cd "$(dirname "$SHOAL")" && pwd)/$(basename "$SHOAL")"
}

bench_new_run() {
  local prefix="$1" sub dirs=()
  shift
  TS=$(date -u +%Y%m%d-%H%M%S)
  WORK=$(mktemp -d "/tmp/$prefix.XXXXXX")
  for sub in "$@"; do dirs+=("$WORK/$sub"); done
  mkdir -p "${dirs[@]}" "$OUT"
}

bench_on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  cleanup
  exit "$rc"
}
bench_install_traps() {
  trap bench_on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

bench_refuse_running_project() {
  if "$SHOAL" ps -p "$PROJECT" >/dev/null 2>&1; then die "a shoal instance already runs project $PROJECT; stop it first"; fi
}

bench_compose_down() {
  docker-compose -p "$PROJECT" -f "$COMPOSE_FILE" down --remove-orphans -t 10 >/dev/null 2>&1 || true
}

bench_purge_project() {
  local docker="$1" prefix="$2" id name
  for id in $("$docker" ps -aq --filter "label=com.docker.compose.project=$PROJECT"); do
    name=$("$docker" inspect -f '{{.Name}}' "$id" 2>/dev/null) || continue
    case "$name" in "$prefix"*) "$docker" rm -f "$id" >/dev/null 2>&1 || true ;; esac
  done
  "$docker" network rm "${PROJECT}_default" >/dev/null 2>&1 || true
}

bench_stop_pid() {
  local pid="$1" name="${2:-}"
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  [ -z "$name" ] || log "$name (pid $pid) did not exit 5 s after SIGTERM; SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

bench_bin_info() {
  echo "$("$SHOAL" --version 2>/dev/null | head -1 || true), binary built $(date -u -r "$SHOAL" '+%Y-%m-%d %H:%M UTC'); repo HEAD at run time $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
}
