//! `auth = "ldap"` against the real slapd of `scripts/ldap.sh` (the README's
//! test command starts it): roles from 2017.12's gids and from group DNs,
//! `ldaps://` with the test CA and StartTLS, each refusal's own message
//! (a locked account among them),
//! LDAP filter characters in user names, the service bind's password from
//! the keyring. Without slapd a test is skipped with a message, unless
//! ZOE_REQUIRE_ENGINES=1 or CI is set, when it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;

use common::engines::{Setup, one_host};
use common::signin::{add_settings, files_containing, last_identity, login};

/// What `scripts/ldap.sh` wrote to `$ZOE_LDAP_DIR/env`.
struct Ldap(HashMap<String, String>);

impl Ldap {
    fn get() -> Option<Ldap> {
        let dir = std::env::var("ZOE_LDAP_DIR").unwrap_or_else(|_| "/tmp/zoe-ldap".into());
        let env = std::fs::read_to_string(format!("{dir}/env")).ok();
        let up = env.is_some()
            && std::process::Command::new("scripts/ldap.sh")
                .arg("status")
                .env("ZOE_LDAP_DIR", &dir)
                .output()
                .is_ok_and(|o| o.status.success());
        if !up {
            let required = std::env::var("ZOE_REQUIRE_ENGINES").is_ok_and(|v| v == "1")
                || std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
            assert!(
                !required,
                "the test slapd is not running: start it with `scripts/ldap.sh start` (scripts/test.sh does)"
            );
            eprintln!("skipped: the test slapd is not running (scripts/ldap.sh start)");
            return None;
        }
        let map = env?
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Some(Ldap(map))
    }

    fn v(&self, key: &str) -> &str {
        self.0.get(key).map(String::as_str).unwrap_or_default()
    }

    /// A setup signing in over `uri` with `[ldap]` extras, the service DN's
    /// password set in the keyring as `zoe secret set ldap-bind` does.
    fn setup(&self, uri: &str, extra: &str) -> Setup {
        let setup = Setup::new(&one_host("nohost", "tcp://127.0.0.1:9"));
        add_settings(
            &setup,
            &format!(
                "auth = \"ldap\"\n[ldap]\nuri = \"{uri}\"\nbase_dn = \"{}\"\nbind_dn = \"{}\"\ntimeout_secs = 3\n{extra}\n",
                self.v("LDAP_BASE"),
                self.v("LDAP_BIND_DN")
            ),
        );
        set_bind_password(&setup, self.v("LDAP_BIND_PW"));
        setup
    }

    fn ldaps(&self) -> Setup {
        self.setup(
            self.v("LDAPS_URI"),
            &format!("ca_file = \"{}\"", self.v("LDAP_CA")),
        )
    }
}

/// The service DN's password, kept in the real kernel keyring by
/// `zoe secret set ldap-bind` (read from stdin).
fn set_bind_password(setup: &Setup, password: &str) {
    let run = common::signin::zoe_with_stdin(setup, &["secret", "set", "ldap-bind"], password, &[]);
    assert_eq!(run.code, 0, "zoe secret set ldap-bind: {}", run.stderr);
}

fn forget(setup: &Setup) {
    let _ = setup.zoe(&["logout"]);
    let _ = setup.zoe(&["secret", "delete", "ldap-bind"]);
}

#[test]
fn each_user_gets_the_role_of_their_group_over_ldaps() {
    let Some(ldap) = Ldap::get() else { return };
    let s = ldap.ldaps();
    for (user, role) in [
        ("ann", "admin"),
        ("uma", "user"),
        ("gus", "guest"),
        ("nora", "guest"),
    ] {
        let run = login(&s, user, &format!("{user}-pw"));
        assert_eq!(run.code, 0, "{user}: {}", run.stderr);
        assert!(
            run.stdout.starts_with(&format!(
                "signed in as {user} (role {role}, from LDAP); remembered in the kernel keyring"
            )),
            "{user}: {}",
            run.stdout
        );
        assert_eq!(
            run.stdout.contains("note: no group matched: guest"),
            user == "nora",
            "{}",
            run.stdout
        );
        // the identity a later verb uses, in another process
        let run = s.zoe(&["-v", "shop", "list"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            last_identity(&s)
                .starts_with(&format!("{user} (role {role}, quota default, from LDAP")),
            "{user}: {}",
            last_identity(&s)
        );
    }
    forget(&s);
}

#[test]
fn starttls_and_group_dns() {
    let Some(ldap) = Ldap::get() else { return };
    let s = ldap.setup(
        ldap.v("LDAP_URI"),
        &format!(
            "starttls = true\nca_file = \"{}\"\nadmin_groups = [\"cn=leads,ou=groups,{}\"]",
            ldap.v("LDAP_CA"),
            ldap.v("LDAP_BASE")
        ),
    );
    let run = login(&s, "gus", "gus-pw");
    assert!(
        run.stdout
            .starts_with("signed in as gus (role admin, from LDAP)"),
        "a member of an admin group DN: {}{}",
        run.stdout,
        run.stderr
    );
    let run = login(&s, "uma", "uma-pw");
    assert!(
        run.stdout
            .starts_with("signed in as uma (role user, from LDAP)"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    forget(&s);
}

#[test]
fn each_refusal_says_its_own_reason() {
    let Some(ldap) = Ldap::get() else { return };
    let s = ldap.ldaps();
    let err = |run: common::engines::Run| {
        assert_eq!(run.code, 1, "{}", run.stdout);
        run.stderr.trim().to_string()
    };
    assert_eq!(
        err(login(&s, "ann", "not-ann-pw")),
        "zoe: error: wrong password for `ann`"
    );
    assert_eq!(
        err(login(&s, "zed", "zed-pw")),
        format!(
            "zoe: error: no user `zed` in the LDAP directory {} (under {})",
            ldap.v("LDAPS_URI"),
            ldap.v("LDAP_BASE")
        )
    );
    assert_eq!(
        err(login(&s, "ann", "")),
        "zoe: error: an empty password is refused (some LDAP servers take it as an anonymous bind)"
    );
    // lou is locked by the password policy overlay
    let text = err(login(&s, "lou", "lou-pw"));
    assert!(
        text.starts_with(&format!(
            "zoe: error: account `lou` is locked or disabled on the LDAP server {}: account locked",
            ldap.v("LDAPS_URI")
        )),
        "{text}"
    );
    let wrong_ca = ldap.setup(
        ldap.v("LDAPS_URI"),
        &format!("ca_file = \"{}\"", ldap.v("LDAP_OTHER_CA")),
    );
    let text = err(login(&wrong_ca, "ann", "ann-pw"));
    assert!(
        text.contains(&format!(
            "the LDAP server {}'s certificate is not trusted by ca_file {}",
            ldap.v("LDAPS_URI"),
            ldap.v("LDAP_OTHER_CA")
        )) && text.contains("set [ldap] ca_file"),
        "{text}"
    );
    let no_ca = ldap.setup(ldap.v("LDAPS_URI"), "");
    let text = err(login(&no_ca, "ann", "ann-pw"));
    assert!(text.contains("not trusted by the system's roots"), "{text}");
    let down = ldap.setup(
        "ldaps://127.0.0.1:9/",
        &format!("ca_file = \"{}\"", ldap.v("LDAP_CA")),
    );
    let text = err(login(&down, "ann", "ann-pw"));
    assert!(
        text.contains("the LDAP server ldaps://127.0.0.1:9/ cannot be reached")
            && text.contains("check [ldap] uri"),
        "{text}"
    );
    // the service DN's password is wrong, then missing
    set_bind_password(&s, "not-the-bind-pw");
    let text = err(login(&s, "ann", "ann-pw"));
    assert!(
        text.contains(&format!("refused bind_dn {}", ldap.v("LDAP_BIND_DN")))
            && text.contains("check its password with `zoe secret set ldap-bind`"),
        "{text}"
    );
    forget(&s);
    let text = err(login(&s, "ann", "ann-pw"));
    assert!(
        text.contains("has no password in the keyring: set it with `zoe secret set ldap-bind`"),
        "{text}"
    );
    for t in [&wrong_ca, &no_ca, &down] {
        forget(t);
    }
    // no message carries a password
    for run in [
        login(&s, "ann", "ann-pw"),
        login(&wrong_ca, "ann", "ann-pw"),
    ] {
        assert!(!run.stderr.contains("ann-pw") && !run.stderr.contains("zoe-bind-pw"));
    }
}

#[test]
fn filter_characters_in_a_user_name_match_nobody_else() {
    let Some(ldap) = Ldap::get() else { return };
    let s = ldap.ldaps();
    for user in ["*", "ann*", "*)(uid=*", "ann)(|(uid=*", "an\\6e", "ann\\00"] {
        let run = login(&s, user, "ann-pw");
        assert_ne!(run.code, 0, "{user:?} signed in: {}", run.stdout);
        assert!(
            !run.stdout.contains("signed in"),
            "{user:?}: {}",
            run.stdout
        );
    }
    // annex exists: ann* is not a prefix search, and ann's password is not annex's
    assert!(
        login(&s, "annex", "ann-pw")
            .stderr
            .contains("wrong password for `annex`")
    );
    assert_eq!(login(&s, "annex", "annex-pw").code, 0);
    forget(&s);
}

#[test]
fn a_remembered_ldap_sign_in_until_logout_and_no_password_left_behind() {
    let Some(ldap) = Ldap::get() else { return };
    let s = ldap.ldaps();
    assert_eq!(login(&s, "uma", "uma-pw").code, 0);
    let run = s.zoe(&["-vv", "ps"]);
    assert!(!run.stderr.contains("not signed in"), "{}", run.stderr);
    assert!(
        last_identity(&s).starts_with("uma (role user"),
        "{}",
        last_identity(&s)
    );
    let show = s.zoe(&["config", "show"]);
    assert_eq!(
        s.zoe(&["logout"]).stdout,
        "signed out: the remembered sign-in is forgotten\n"
    );
    let run = s.zoe(&["ps"]);
    assert!(
        run.stderr
            .contains("not signed in: run `zoe login` (auth = \"ldap\""),
        "{}",
        run.stderr
    );
    for secret in ["uma-pw", "zoe-bind-pw"] {
        assert!(!show.stdout.contains(secret));
        let found = files_containing(s.cache_home(), secret);
        assert!(found.is_empty(), "{secret} in {found:?}");
    }
    forget(&s);
}
