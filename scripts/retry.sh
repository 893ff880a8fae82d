# retry CMD ARGS...: run a command that reaches a package registry; on failure show which command failed and retry it
# (RLSTUDIO_RETRIES attempts, default 3, waiting RLSTUDIO_RETRY_DELAY seconds, default 5, doubled each time).
# The command's own output is never hidden, so the last failure's message is what the user reads.
retry() {
  local attempt=1 max=${RLSTUDIO_RETRIES:-3} delay=${RLSTUDIO_RETRY_DELAY:-5} rc
  while true; do
    if "$@"; then return 0; else rc=$?; fi
    if [ "$attempt" -ge "$max" ]; then
      printf 'bootstrap: FAILED after %s attempts (exit %s): %s\n' "$attempt" "$rc" "$*" >&2
      return "$rc"
    fi
    printf 'bootstrap: attempt %s of %s failed (exit %s): %s; retrying in %ss\n' "$attempt" "$max" "$rc" "$*" "$delay" >&2
    sleep "$delay"
    attempt=$((attempt + 1))
    delay=$((delay * 2))
  done
}
