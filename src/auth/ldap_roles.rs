//! Which role an LDAP user gets: 2017.12's gid numbers (`admin_gid`,
//! `user_gid`, `guest_gid` among the values of `group_attribute` and the
//! gidNumbers of posixGroups listing the user) and, beyond Zoe, group DNs
//! (`admin_groups`, `user_groups`, `guest_groups`). The highest wins; no
//! group gives `guest`, as 2017.12 does, with a note.

use crate::config::access_settings::LdapSetting;

/// What the directory says about a user's groups.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Found {
    /// Gid values: the entry's `group_attribute` and posixGroups' gidNumber.
    pub gids: Vec<String>,
    /// The configured group DNs that list the user.
    pub group_dns: Vec<String>,
}

/// The role, and a note when no group matched.
pub fn role_of(ldap: &LdapSetting, found: &Found) -> (&'static str, Option<String>) {
    let has_gid = |gid: &str| found.gids.iter().any(|g| g.trim() == gid.trim());
    let in_groups = |groups: &[String]| {
        groups
            .iter()
            .any(|g| found.group_dns.iter().any(|f| f.eq_ignore_ascii_case(g)))
    };
    if has_gid(&ldap.admin_gid) || in_groups(&ldap.admin_groups) {
        ("admin", None)
    } else if has_gid(&ldap.user_gid) || in_groups(&ldap.user_groups) {
        ("user", None)
    } else if has_gid(&ldap.guest_gid) || in_groups(&ldap.guest_groups) {
        ("guest", None)
    } else {
        ("guest", Some("no group matched: guest".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(gids: &[&str], dns: &[&str]) -> Found {
        Found {
            gids: gids.iter().map(|s| s.to_string()).collect(),
            group_dns: dns.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn zoes_gid_mapping_the_highest_wins() {
        let s = LdapSetting::default();
        assert_eq!(role_of(&s, &found(&["5000"], &[])).0, "admin");
        assert_eq!(role_of(&s, &found(&["5001"], &[])).0, "user");
        assert_eq!(role_of(&s, &found(&["5002"], &[])).0, "guest");
        assert_eq!(
            role_of(&s, &found(&["5002", "5000", "5001"], &[])).0,
            "admin"
        );
        assert_eq!(role_of(&s, &found(&["5002", "5001"], &[])).0, "user");
        assert_eq!(
            role_of(&s, &found(&["6000"], &[])),
            ("guest", Some("no group matched: guest".into()))
        );
        assert_eq!(
            role_of(&s, &found(&[], &[])).1.as_deref(),
            Some("no group matched: guest")
        );
    }

    #[test]
    fn group_dns_count_too() {
        let s = LdapSetting {
            admin_groups: vec!["cn=ops,ou=groups,dc=example,dc=test".into()],
            user_groups: vec!["cn=staff,ou=groups,dc=example,dc=test".into()],
            ..LdapSetting::default()
        };
        assert_eq!(
            role_of(
                &s,
                &found(&["5002"], &["CN=ops,ou=groups,dc=example,dc=test"])
            )
            .0,
            "admin"
        );
        assert_eq!(
            role_of(
                &s,
                &found(&["6000"], &["cn=staff,ou=groups,dc=example,dc=test"])
            )
            .0,
            "user"
        );
        assert_eq!(
            role_of(
                &s,
                &found(&["5000"], &["cn=staff,ou=groups,dc=example,dc=test"])
            )
            .0,
            "admin"
        );
    }
}
