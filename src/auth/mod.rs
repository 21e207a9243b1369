//! Who is asking, verified, and the secrets that prove it: the sign-in
//! procedures (Zoe's password file, LDAP, the operating system's word) and
//! the OS keyring that keeps remembered sign-ins, the LDAP bind password
//! and registry credentials. Depends on `model/` and `config/` only;
//! `console/` calls it for both fronts.

pub mod csv;
mod keyutils;
pub mod ldap;
pub mod ldap_roles;
pub mod ldap_tls;
pub mod os;
pub mod registry;
mod secret_service;
pub mod secrets;
pub mod signin;
