#!/usr/bin/env bash
# The project's test command (README: "Run the tests").
# Installs what the tests need, then checks formatting, lints and runs every
# test. Safe to run again; exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }

if ! need cargo; then
    echo "cargo is not installed: install the Rust toolchain (https://rustup.rs) first" >&2
    exit 1
fi
# rustfmt and clippy come with rustup's default profile; add them if missing.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    if need rustup; then
        rustup component add rustfmt clippy
    else
        echo "cargo fmt / cargo clippy are missing and rustup is not available" >&2
        exit 1
    fi
fi

# Real Docker daemons for the integration tests (tests/docker.rs): two plain
# ones and one with TLS, started here and stopped again if we started them.
if [[ $EUID -eq 0 ]]; then
    # tmux drives the real terminal UI in tests/tui.rs
    if ! command -v tmux >/dev/null; then
        echo "==> apt-get install tmux"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends tmux >/dev/null 2>&1 ||
            { apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends tmux >/dev/null; }
    fi
    # kubectl is the independent client of the Kubernetes tests (tests/kube*.rs)
    if ! command -v kubectl >/dev/null; then
        echo "==> apt-get install kubernetes-client"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends kubernetes-client >/dev/null 2>&1 ||
            { apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends kubernetes-client >/dev/null; }
    fi
    # gnome-keyring's Secret Service (and dbus-run-session) for
    # tests/keyring_secret_service.rs, which starts a private session itself
    if ! command -v gnome-keyring-daemon >/dev/null || ! command -v dbus-run-session >/dev/null; then
        echo "==> apt-get install gnome-keyring dbus"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gnome-keyring dbus >/dev/null 2>&1 ||
            { apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gnome-keyring dbus >/dev/null; }
    fi
    # engines.sh also starts the registry with htpasswd auth of tests/registry.rs
    # (scripts/auth-registry.sh: installs docker-registry and apache2-utils)
    echo "==> scripts/engines.sh start"
    already_up=0
    ZOE_ENGINES_TLS=1 scripts/engines.sh status >/dev/null 2>&1 && already_up=1
    ZOE_ENGINES_TLS=1 scripts/engines.sh start >/dev/null
    if [[ $already_up == 0 ]]; then
        trap 'ZOE_ENGINES_TLS=1 scripts/engines.sh stop >/dev/null 2>&1 || true' EXIT
    fi
    # a test slapd (ldaps:// and StartTLS from a test CA) for tests/auth_ldap.rs;
    # left running, like a daemon the tests share (scripts/ldap.sh stop ends it)
    echo "==> scripts/ldap.sh start"
    scripts/ldap.sh start >/dev/null
    export ZOE_ENGINES_DIR="${ZOE_ENGINES_DIR:-/tmp/zoe-engines}"
    export ZOE_REQUIRE_ENGINES=1
else
    echo "warning: not root, so no test Docker daemons: the Docker integration tests will be skipped" >&2
fi

# the tests say who runs zoe themselves (SUDO_USER as root is believed, a
# session bus would pick the Secret Service): nothing of the caller's leaks in
unset SUDO_USER SUDO_UID SUDO_GID SUDO_COMMAND DBUS_SESSION_BUS_ADDRESS

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --quiet -- -D warnings
echo "==> cargo test"
cargo test --all-targets
# the benchmark still runs (small sizes, no timing asserted; README: "Benchmark")
if [[ $EUID -eq 0 ]]; then
    echo "==> scripts/bench.sh --quick"
    scripts/bench.sh --quick
fi
