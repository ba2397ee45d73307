# Helpers shared by the CLI test scripts (sourced).

# checkpoints DIR EXT: how many checkpoint files with extension EXT a run into DIR has kept.
checkpoints() { ls "$1/.partial/"*/ 2>/dev/null | grep -c "\.$2\$"; }

# kill_after_checkpoints PID DIR EXT N [TRIES]: waits (25 ms at a time) until the run PID has kept
# N checkpoint files of extension EXT in DIR, then kills it with SIGKILL, as a crash would.
kill_after_checkpoints() {
  local pid=$1 dir=$2 ext=$3 n=$4 tries=${5:-400}
  for _ in $(seq "$tries"); do [ "$(checkpoints "$dir" "$ext")" -ge "$n" ] && break; sleep 0.025; done
  kill -9 "$pid"; wait "$pid" 2>/dev/null
}

# check NAME CONDITION: counts the condition (evaluated) as passed or failed, naming it if failed.
check() { if eval "$2"; then passed=$((passed+1)); else echo "FAIL: $1"; fail=$((fail+1)); fi; }
