//! Zoe's LDAP sign-in (spec §9.4), with TLS and group mapping.
