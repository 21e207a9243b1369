//! `auth = "csv"`: Zoe's password file through the real `zoe` binary —
//! both row forms, the third column's role against `default_role` and
//! `[users.NAME]`, each refusal's own message, a sign-in remembered in the
//! real kernel keyring across processes and forgotten by `zoe logout`, and
//! no password in the cache, the log or `zoe config show`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::engines::{Setup, one_host};
use common::signin::{add_settings, files_containing, last_identity, log_file, login};

const PASSWORDS: &str = "ann,ann-secret-1,admin\numa,uma-secret-2\n\"gus\",\"gus,secret\"\"3\",guest\ndan,dan-secret-4,guest\nbroken row\n";

fn setup(extra: &str) -> Setup {
    // a host nobody answers on: these tests need no engine
    let setup = Setup::new(&one_host("nohost", "tcp://127.0.0.1:9"));
    std::fs::write(setup.dir.path().join("zoepass.csv"), PASSWORDS).unwrap();
    add_settings(
        &setup,
        &format!(
            "auth = \"csv\"\n{extra}\n[csv]\nfile = \"zoepass.csv\"\n[users.dan]\nrole = \"user\"\n"
        ),
    );
    setup
}

#[test]
fn both_row_forms_sign_in_and_the_third_column_beats_the_default_role() {
    let s = setup("default_role = \"superuser\"");
    let run = login(&s, "ann", "ann-secret-1");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("signed in as ann (role admin, from password file); remembered in the kernel keyring — `zoe logout` forgets it"),
        "{}",
        run.stdout
    );
    let run = login(&s, "uma", "uma-secret-2");
    assert!(
        run.stdout.contains("signed in as uma (role superuser"),
        "the default role: {}{}",
        run.stdout,
        run.stderr
    );
    let run = login(&s, "gus", "gus,secret\"3");
    assert!(
        run.stdout.contains("signed in as gus (role guest"),
        "quoted fields: {}{}",
        run.stdout,
        run.stderr
    );
    let run = login(&s, "dan", "dan-secret-4");
    assert!(
        run.stdout.contains("signed in as dan (role user"),
        "[users.dan] wins over the third column: {}{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn each_refusal_says_its_own_reason() {
    let s = setup("");
    let run = login(&s, "ann", "wrong");
    assert_eq!(
        (run.code, run.stderr.trim()),
        (1, "zoe: error: wrong password for `ann`")
    );
    let run = login(&s, "zed", "ann-secret-1");
    let file = s.dir.path().join("zoepass.csv");
    assert_eq!(
        run.stderr.trim(),
        format!(
            "zoe: error: no user `zed` in the password file {}",
            file.display()
        )
    );
    let run = login(&s, "ann", "");
    assert!(
        run.stderr.contains("an empty password is refused"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(&file).unwrap();
    let run = login(&s, "ann", "ann-secret-1");
    assert!(
        run.stderr.contains(&format!(
            "password file {} (from [csv] file in {}) cannot be read: No such file",
            file.display(),
            s.config.display()
        )) && run
            .stderr
            .contains("create it with rows user,password[,role]"),
        "{}",
        run.stderr
    );
    for secret in ["wrong", "ann-secret-1"] {
        assert!(!run.stderr.contains(secret) || secret == "wrong");
    }
}

#[test]
fn a_remembered_sign_in_serves_later_runs_until_logout() {
    let s = setup("");
    let run = s.zoe(&["shop", "list"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr.trim(),
        format!(
            "zoe: error: not signed in: run `zoe login` (auth = \"csv\" in {})",
            s.config.display()
        )
    );
    assert_eq!(login(&s, "ann", "ann-secret-1").code, 0);
    // another process, the same OS user: the kernel keyring has it
    let run = s.zoe(&["-v", "shop", "list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        last_identity(&s)
            .starts_with("ann (role admin, quota default, from password file, shared deployment)"),
        "{}",
        last_identity(&s)
    );
    // a changed password stops the remembered sign-in at once
    std::fs::write(
        s.dir.path().join("zoepass.csv"),
        PASSWORDS.replace("ann-secret-1", "ann-secret-new"),
    )
    .unwrap();
    let run = s.zoe(&["shop", "list"]);
    assert!(
        run.stderr.contains("the remembered sign-in of `ann` no longer works: wrong password for `ann`; run `zoe login` again"),
        "{}",
        run.stderr
    );
    std::fs::write(s.dir.path().join("zoepass.csv"), PASSWORDS).unwrap();
    // someone else (SUDO_USER, trusted as we run as root) has no sign-in of theirs
    let run = common::signin::zoe_with_stdin(&s, &["shop", "list"], "", &[("SUDO_USER", "bob")]);
    assert!(run.stderr.contains("not signed in"), "{}", run.stderr);
    let run = s.zoe(&["logout"]);
    assert_eq!(
        run.stdout,
        "signed out: the remembered sign-in is forgotten\n"
    );
    let run = s.zoe(&["logout"]);
    assert_eq!(run.stdout, "no remembered sign-in to forget\n");
    assert!(s.zoe(&["shop", "list"]).stderr.contains("not signed in"));
}

#[test]
fn no_password_in_the_cache_the_log_or_config_show() {
    let s = setup("");
    assert_eq!(login(&s, "ann", "ann-secret-1").code, 0);
    let _ = login(&s, "uma", "a-wrong-password-5");
    let _ = s.zoe(&["-vv", "shop", "list"]);
    let _ = s.zoe(&["-vv", "ps"]);
    let show = s.zoe(&["config", "show"]);
    assert!(log_file(&s).exists());
    for secret in ["ann-secret-1", "a-wrong-password-5", "uma-secret-2"] {
        assert!(!show.stdout.contains(secret) && !show.stderr.contains(secret));
        let found: Vec<_> = files_containing(&s.cache_home().join("zoe"), secret)
            .into_iter()
            .chain(files_containing(&s.cache_home().join("state"), secret))
            .collect();
        assert!(found.is_empty(), "{secret} found in {found:?}");
    }
    let _ = s.zoe(&["logout"]);
}

#[test]
fn with_auth_os_there_is_nothing_to_sign_in_to() {
    let s = Setup::new(&one_host("nohost", "tcp://127.0.0.1:9"));
    let run = login(&s, "ann", "x");
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        "nothing to sign in to: auth = \"os\" (you are tester)\n"
    );
}
