# Sourced by the scripts that start throw-away daemons (engines.sh,
# auth-registry.sh, ldap.sh): what they share.

# The daemons outlive the script that starts them: they must not inherit its
# open files (a lock a test runner holds, a pipe of the caller's), so the
# sourcing shell closes all but 0-2.
close_inherited_fds() {
  local fd
  for fd in /proc/$$/fd/*; do
    fd="${fd##*/}"
    if [[ "$fd" -gt 2 ]]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

# alive PID: running and not a zombie (a killed daemon lingers as one until reaped)
alive() { kill -0 "$1" 2>/dev/null && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }
