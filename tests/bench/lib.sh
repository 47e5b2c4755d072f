# Shared by the benchmark scripts (sourced, not run): a scratch directory, a
# daemon on a free loopback port, provisioning and one wrk measurement.
# The caller sets `here` (this directory) and `build` first.
require_wrk() {
  command -v wrk >/dev/null || { echo "$0: wrk not found (apt-get install wrk)" >&2; exit 1; }
}

work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
password="bench password"
printf '%s\n' "$password" >"$work/password"

# provision STATE USERS MESSAGES: users, their subscriptions, an account "bench"
# that may report NewMail and ObjectModified.
provision() {
  "$build/tests/ocs-bench-provision" "$1" "$2" "$3" >/dev/null
  "$build/ocsmanager-account" --state-dir "$1" add bench --backends SOGo --events NewMail,ObjectModified \
    --password-file "$work/password" >/dev/null
}

# start_daemon STATE [OPTION...]: sets pid, url and session.
start_daemon() {
  local state=$1
  shift
  rm -f "$work/port"
  "$build/ocsmanagerd" --listen 127.0.0.1:0 --state-dir "$state" --port-file "$work/port" \
    --set log.console=false --set log.file="$work/daemon.log" --set limits.max_occurs=1000 "$@" \
    >"$work/daemon.out" 2>&1 &
  pid=$!
  for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
  [ -s "$work/port" ] || { cat "$work/daemon.out" >&2; exit 1; }
  url="http://127.0.0.1:$(cat "$work/port")/"
  session=$("$build/ocsmanager-client" --url "$url" login --login bench --password-file "$work/password")
}

stop_daemon() {
  kill "$pid"
  wait "$pid" || true
  pid=
}

# metrics: the daemon's /metrics answer.
metrics() {
  local port=${url#http://127.0.0.1:}
  port=${port%/}
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  cat <&3
  exec 3<&-
}

# metric NAME: the value of an unlabelled series of the daemon's /metrics.
metric() {
  metrics | awk -v name="$1" '$1 == name {print $2}'
}

# drain: waits until store.tdb has taken every journaled event, so that a
# measurement does not pay for the applying the one before it left behind.
drain() {
  local backlog=
  for _ in $(seq 1200); do
    backlog=$(metric ocsmanager_journal_backlog_events)
    [ "$backlog" = 0 ] && return
    sleep 0.1
  done
  echo "$0: the journal backlog stays at ${backlog:-?} events" >&2
  exit 1
}

# measure SCRIPT CONNECTIONS SECONDS [LUA_ARGS...]: prints
# "requests_per_second p50_us p99_us non2xx socket_errors".
measure() {
  local script=$1 connections=$2 seconds=$3
  shift 3
  local threads=$(( connections < 2 ? 1 : 2 ))
  local out check
  out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$here/$script" "$url" -- "$@")
  check=$(grep '^check' <<<"$out")
  printf '%s %s %s %s %s\n' "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(sed -n 's/.*p50_us=\([0-9]*\).*/\1/p' <<<"$check")" \
    "$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$check")" \
    "$(sed -n 's/.*non2xx=\([0-9]*\).*/\1/p' <<<"$check")" \
    "$(sed -n 's/.*socket_errors=\([0-9]*\).*/\1/p' <<<"$check")"
}

machine() {
  echo "machine: $(nproc) cores, $(uname -m), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); wrk on the same cores"
}
