//! Zoe's password file (spec §9.3).
