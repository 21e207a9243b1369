//! Secrets in the OS keyring (kernel keyutils or the Secret Service).
