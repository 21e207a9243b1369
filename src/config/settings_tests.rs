use super::*;

fn parse(text: &str) -> Result<Settings, ConfigError> {
    Settings::parse(text, Path::new("/etc/zoe.toml"))
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

#[test]
fn empty_file_gives_defaults() {
    assert_eq!(parse("").unwrap(), Settings::default());
}

#[test]
fn every_key_parses() {
    let s = parse(
        "deployment_name = \"lab\"\nuser = \"alice\"\nfs_uid = 1001\nfs_gid = 6000\nshop = \"/srv/shop\"\n\
         max_memory_gib = 8.5\nmax_cores = 4\nplacement_policy = \"waterfill\"\nlog_buffer_lines = 500\ntheme = \"mono\"\n",
    )
    .unwrap();
    assert_eq!(s.deployment_name, "lab");
    assert_eq!(s.user.as_deref(), Some("alice"));
    assert_eq!((s.fs_uid, s.fs_gid), (Some(1001), 6000));
    assert_eq!(s.max_memory_gib, 8.5);
    assert_eq!(s.max_cores, 4.0, "integers are accepted for floats");
    assert_eq!(s.placement_policy, PlacementPolicy::Waterfill);
    assert_eq!(s.log_buffer_lines, 500);
    assert_eq!(s.limits().max_memory_bytes, 8 * GIB + GIB / 2);
}

#[test]
fn unknown_keys_name_the_key_and_line() {
    let e = err("theme = \"dark\"\nmax_memroy_gib = 3\n");
    assert!(e.starts_with("/etc/zoe.toml:2:1: "), "{e}");
    assert!(e.contains("max_memroy_gib"), "{e}");
}

#[test]
fn bad_values_name_the_line_and_column() {
    let e = err("\n\nmax_cores = -2\n");
    assert!(e.starts_with("/etc/zoe.toml:3:13: "), "{e}");
    assert!(e.contains("greater than 0"), "{e}");
    let e = err("placement_policy = \"best\"\n");
    assert!(
        e.starts_with("/etc/zoe.toml:1:20: ") && e.contains("average"),
        "{e}"
    );
    assert!(err("deployment_name = \"Prod\"").contains("lowercase"));
    assert!(err("deployment_name = 3").contains("string"));
    assert!(err("log_buffer_lines = 5").contains("between 100"));
    assert!(err("user = \"a b\"").contains("letters, digits"));
    assert!(err("theme = \"../x\"").contains("theme name"));
    assert!(err("max_memory_gib = nan").contains("greater than 0"));
    assert!(
        err("fs_gid = -1").contains("fs_gid")
            || err("fs_gid = -1").contains("u32")
            || err("fs_gid = -1").contains("invalid value")
    );
    assert!(
        err("x = ").starts_with("/etc/zoe.toml:1:"),
        "syntax errors are located too"
    );
}

#[test]
fn the_network_pool_is_a_cidr_cut_into_subnets_of_the_prefix() {
    let s = parse("").unwrap();
    let pool = s.subnet_pool().unwrap();
    assert_eq!(s.network_pool.to_string(), "10.213.0.0/16");
    assert_eq!((pool.subnets(), pool.containers_per_subnet()), (512, 125));
    let s = parse("network_pool = \"172.30.0.0/20\"\nnetwork_prefix = 28\n").unwrap();
    assert_eq!(s.subnet_pool().unwrap().subnets(), 256);
    assert_eq!(
        toml::to_string(&s)
            .unwrap()
            .lines()
            .find(|l| l.starts_with("network_pool")),
        Some("network_pool = \"172.30.0.0/20\"")
    );
}

#[test]
fn bad_network_settings_name_the_key_the_line_and_the_fix() {
    let e = err("theme = \"dark\"\nnetwork_pool = \"10.213.1.0/16\"\n");
    assert!(e.starts_with("/etc/zoe.toml:2:"), "{e}");
    assert!(e.contains("did you mean 10.213.0.0/16"), "{e}");
    let e = err("network_pool = \"10.213.0.0\"\n");
    assert!(e.contains("address/prefix"), "{e}");
    let e = err("network_pool = \"fd00::/64\"\n");
    assert!(e.contains("not an IPv4 address"), "{e}");
    let e = err("network_prefix = 40\n");
    assert!(
        e.starts_with("/etc/zoe.toml:1:") && e.contains("up to 29"),
        "{e}"
    );
    // the two together: the prefix must cut the pool
    let e = err("theme = \"dark\"\n\nnetwork_prefix = 30\n");
    assert!(
        e.starts_with("/etc/zoe.toml:3:1: network_prefix = 30"),
        "{e}"
    );
    assert!(e.contains("between 16") && e.contains("29"), "{e}");
    assert!(e.contains("512 execution networks"), "{e}");
    let e = err("network_pool = \"10.213.0.0/24\"\nnetwork_prefix = 20\n");
    assert!(e.starts_with("/etc/zoe.toml:2:1: network_prefix"), "{e}");
    let e = err("network_pool = \"8.0.0.0/6\"\n");
    assert!(
        e.starts_with("/etc/zoe.toml:1:1: network_pool 8.0.0.0/6"),
        "{e}"
    );
    for bad in [
        "network_pool = \"10.213.1.0/16\"",
        "network_prefix = 40",
        "network_pool = 3",
    ] {
        let key = bad.split(' ').next().unwrap();
        assert!(
            err(bad).contains(&format!("{key}:")) || err(bad).contains(key),
            "{}",
            err(bad)
        );
    }
}

#[test]
fn the_annotated_example_is_complete_and_matches_the_defaults() {
    let example = include_str!("../../config/zoe.toml");
    assert!(
        example.contains("[[hosts]]") && example.contains("[keys]"),
        "the tables are documented"
    );
    let parsed = parse(example).expect("config/zoe.toml parses");
    let expected = Settings {
        shop: parsed.shop.clone(),
        ..Settings::default()
    };
    assert_eq!(
        parsed, expected,
        "config/zoe.toml must show the built-in defaults"
    );
    // Every key, including the optional ones, is documented in the file.
    for key in [
        "deployment_name",
        "user",
        "fs_uid",
        "fs_gid",
        "shop",
        "max_memory_gib",
        "max_cores",
        "placement_policy",
        "log_buffer_lines",
        "theme",
        "docker_config",
        "network",
        "network_pool",
        "network_prefix",
        "deployment_key_file",
        "stop_grace_secs",
        "host_timeout_secs",
        "host_patience_ms",
        "scheduler_policy",
        "mouse",
    ] {
        assert!(
            example.contains(&format!("{key} =")),
            "config/zoe.toml does not mention {key}"
        );
    }
    let all = toml::to_string(&Settings {
        quota: Some(Default::default()),
        user: Some("u".into()),
        fs_uid: Some(1),
        shop: Some("s".into()),
        ..Settings::default()
    })
    .unwrap();
    for line in all.lines() {
        if line.starts_with('[') {
            let table = line.trim_matches(|c| c == '[' || c == ']');
            assert!(
                example.contains(&format!("[{table}]")),
                "config/zoe.toml does not mention [{table}]"
            );
            continue;
        }
        let key = line.split(" =").next().unwrap();
        assert!(
            example.contains(&format!("{key} =")),
            "config/zoe.toml does not mention {key}"
        );
    }
}

fn no_env(_: &str) -> Option<String> {
    None
}

#[test]
fn discovery_order() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::from_env(&|k: &str| (k == "HOME").then(|| dir.path().display().to_string()));
    // nothing anywhere: built-in defaults
    let loaded = load_settings(None, &no_env, &paths).unwrap();
    assert_eq!(loaded.origin, ConfigOrigin::BuiltIn);
    // the XDG default file
    std::fs::create_dir_all(paths.config_file.parent().unwrap()).unwrap();
    std::fs::write(
        &paths.config_file,
        "theme = \"light\"\nshop = \"myshop\"\ndeployment_key_file = \"keys/d.key\"\n",
    )
    .unwrap();
    let loaded = load_settings(None, &no_env, &paths).unwrap();
    assert_eq!(
        (loaded.origin.clone(), loaded.settings.theme.as_str()),
        (ConfigOrigin::Default, "light")
    );
    assert_eq!(
        loaded.settings.shop,
        Some(paths.config_file.parent().unwrap().join("myshop")),
        "relative to the file"
    );
    assert_eq!(
        crate::config::deployment_key::key_path(&loaded.settings, &paths),
        paths.config_file.parent().unwrap().join("keys/d.key"),
        "relative to the file"
    );
    assert_eq!(
        crate::config::deployment_key::key_path(&Settings::default(), &paths),
        paths.deployment_key_file,
        "beside the default config file"
    );
    // $ZOE_CONFIG beats the default, --config beats both
    let env_file = dir.path().join("env.toml");
    std::fs::write(&env_file, "theme = \"mono\"\n").unwrap();
    let env_path = env_file.display().to_string();
    let env = move |k: &str| (k == "ZOE_CONFIG").then(|| env_path.clone());
    assert_eq!(
        load_settings(None, &env, &paths).unwrap().settings.theme,
        "mono"
    );
    let flag_file = dir.path().join("flag.toml");
    std::fs::write(&flag_file, "theme = \"high-contrast\"\n").unwrap();
    let loaded = load_settings(Some(&flag_file), &env, &paths).unwrap();
    assert_eq!(
        (loaded.origin, loaded.settings.theme.as_str()),
        (ConfigOrigin::Flag, "high-contrast")
    );
    // a named file must exist
    let missing = load_settings(Some(&dir.path().join("nope.toml")), &no_env, &paths)
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("nope.toml") && missing.contains("--config"),
        "{missing}"
    );
}

#[test]
fn shop_resolution() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::default();
    assert_eq!(
        resolve_shop(None, &settings, dir.path()).1,
        ShopOrigin::ZoeDefault
    );
    std::fs::create_dir(dir.path().join("shop")).unwrap();
    assert_eq!(
        resolve_shop(None, &settings, dir.path()),
        (PathBuf::from("shop"), ShopOrigin::WorkingDirectory)
    );
    let configured = Settings {
        shop: Some("/srv/shop".into()),
        ..Settings::default()
    };
    assert_eq!(
        resolve_shop(None, &configured, dir.path()).1,
        ShopOrigin::Settings
    );
    assert_eq!(
        resolve_shop(Some(Path::new("/x")), &configured, dir.path()),
        (PathBuf::from("/x"), ShopOrigin::Flag)
    );
}

#[test]
fn view_key_bindings_may_be_dotted_quoted_or_a_table() {
    let path = std::path::Path::new("zoe.toml");
    for text in [
        "[keys]\nquit = [\"Q\"]\nexecutions.terminate = [\"x\"]\n",
        "[keys]\nquit = [\"Q\"]\n\"executions.terminate\" = [\"x\"]\n",
        "[keys]\nquit = [\"Q\"]\n[keys.executions]\nterminate = [\"x\"]\n",
    ] {
        let settings = Settings::parse(text, path).unwrap();
        assert_eq!(
            settings.keys["executions.terminate"],
            vec!["x".to_string()],
            "{text}"
        );
        assert_eq!(settings.keys["quit"], vec!["Q".to_string()]);
    }
    let err = Settings::parse("[keys]\nquit = 3\n", path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("executions.terminate"), "{err}");
}

#[test]
fn host_waits_are_whole_numbers_in_their_range() {
    let ok = parse("host_timeout_secs = 5\nhost_patience_ms = 0\n").unwrap();
    assert_eq!((ok.host_timeout_secs, ok.host_patience_ms), (5, 0));
    for (text, says) in [
        (
            "host_timeout_secs = 0\n",
            "between 1 and 600 seconds, found 0",
        ),
        (
            "host_patience_ms = -1\n",
            "between 0 and 600000 milliseconds, found -1",
        ),
        ("host_patience_ms = 600001\n", "found 600001"),
    ] {
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains(says), "{text}: {err}");
    }
}

#[test]
fn clusters_parse_into_targets() {
    use crate::config::kube::{Expose, KubePlacement, VolumeSource};
    use crate::config::kube_settings::kube_targets;
    let s = parse(
        "[[hosts]]\nname = \"box\"\naddress = \"h:1\"\n\n\
         [[kubernetes]]\nname = \"lab\"\nkubeconfig = [\"/a\", \"/b\"]\ncontext = \"lab-admin\"\nnamespace = \"zapps\"\n\
         expose = \"none\"\nimage_pull_secrets = [\"regcred\"]\nimage_pull_policy = \"Always\"\nplacement = \"pinned\"\n\
         unschedulable_timeout_secs = 90\nexternal_address = \"lab.example.org\"\n\
         tolerations = [{ key = \"gpu\", operator = \"Exists\", effect = \"NoSchedule\" }, { key = \"a\", value = \"b\" }]\n\
         volumes = [{ host_path = \"/mnt/data\", nfs = \"nas:/export/data\" }, { host_path = \"/mnt/w\", pvc = \"ws\" }]\n\n\
         [[kubernetes]]\ncontext = \"other\"\nkubeconfig = \"/c\"\n",
    )
    .unwrap();
    let targets = kube_targets(&s);
    let lab = &targets[0];
    assert_eq!(lab.name, "lab");
    assert_eq!(lab.kubeconfig, [PathBuf::from("/a"), PathBuf::from("/b")]);
    assert_eq!(lab.context.as_deref(), Some("lab-admin"));
    assert_eq!(lab.namespace.as_deref(), Some("zapps"));
    assert_eq!(lab.expose, Expose::None);
    assert_eq!(lab.placement, KubePlacement::Pinned);
    assert_eq!(lab.unschedulable_timeout_secs, 90);
    assert_eq!(lab.image_pull_policy.as_deref(), Some("Always"));
    assert_eq!(lab.image_pull_secrets, ["regcred"]);
    assert_eq!(lab.external_address.as_deref(), Some("lab.example.org"));
    assert_eq!(
        (
            lab.tolerations[0].operator.as_str(),
            lab.tolerations[0].effect.as_deref()
        ),
        ("Exists", Some("NoSchedule"))
    );
    assert_eq!(lab.tolerations[1].operator, "Equal", "the default operator");
    assert_eq!(
        lab.volumes[0].source,
        VolumeSource::Nfs {
            server: "nas".into(),
            path: "/export/data".into()
        }
    );
    assert_eq!(
        lab.volumes[1].source,
        VolumeSource::Pvc { claim: "ws".into() }
    );
    // defaults: the context's name, scheduler, 30 s, node ports
    let other = &targets[1];
    assert_eq!(other.name, "other");
    assert_eq!(other.kubeconfig, [PathBuf::from("/c")]);
    assert_eq!(other.namespace, None);
    assert_eq!(other.expose, Expose::NodePort);
    assert_eq!(other.placement, KubePlacement::Scheduler);
    assert_eq!(other.unschedulable_timeout_secs, 30);
    // no name, no context: "kubernetes"
    let s = parse("[[kubernetes]]\n").unwrap();
    assert_eq!(kube_targets(&s)[0].name, "kubernetes");
    // the effective settings print and read back
    let printed = toml::to_string(
        &parse("[[kubernetes]]\nname = \"x\"\ntolerations = [{ operator = \"Exists\" }]\n")
            .unwrap(),
    )
    .unwrap();
    assert_eq!(parse(&printed).unwrap().kubernetes[0].target_name(), "x");
}

#[test]
fn zoes_kube_config_file_is_one_cluster_in_its_namespace() {
    use crate::config::kube_settings::kube_targets;
    let s = parse("kube_config_file = \"/opt/zoe/kube.conf\"\n").unwrap();
    let t = &kube_targets(&s)[0];
    assert_eq!(t.name, "kubernetes");
    assert_eq!(t.kubeconfig, [PathBuf::from("/opt/zoe/kube.conf")]);
    assert_eq!(t.namespace.as_deref(), Some("default"), "Zoe's default");
    assert_eq!(t.context, None, "its current context");
    let s = parse("kube_config_file = \"/k\"\nkube_namespace = \"zoe\"\n").unwrap();
    assert_eq!(kube_targets(&s)[0].namespace.as_deref(), Some("zoe"));
    let e = err("kube_namespace = \"zoe\"\n");
    assert!(
        e.starts_with("/etc/zoe.toml:1:1: ") && e.contains("kube_config_file"),
        "{e}"
    );
    assert!(
        err("kube_config_file = \"/k\"\nkube_namespace = \"Zoe\"\n").contains("namespace name")
    );
}

#[test]
fn bad_cluster_entries_name_the_line_and_what_is_allowed() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "[[kubernetes]]\ncontext = \"a\"\ncolour = 1\n",
            ":3:1: ",
            "colour",
        ),
        (
            "[[kubernetes]]\nexpose = \"loadbalancer\"\n",
            ":2:",
            "`nodeport` or `none`",
        ),
        (
            "[[kubernetes]]\nplacement = \"random\"\n",
            ":2:",
            "`scheduler` or `pinned`",
        ),
        (
            "[[kubernetes]]\nimage_pull_policy = \"always\"\n",
            ":2:",
            "`IfNotPresent`",
        ),
        (
            "[[kubernetes]]\nunschedulable_timeout_secs = 0\n",
            ":2:",
            "between 1 and 3600",
        ),
        (
            "[[kubernetes]]\nunschedulable_timeout_secs = 3601\n",
            ":2:",
            "between 1 and 3600",
        ),
        (
            "[[kubernetes]]\nname = \"a/b\"\n",
            ":2:",
            "must not contain `/`",
        ),
        ("[[kubernetes]]\nname = \"\"\n", ":2:", "must not be empty"),
        (
            "[[kubernetes]]\nnamespace = \"Bad_NS\"\n",
            ":2:",
            "namespace name",
        ),
        (
            "[[kubernetes]]\nkubeconfig = 3\n",
            ":2:",
            "a path or a list of paths",
        ),
        (
            "[[kubernetes]]\ntolerations = [{ key = \"k\", operator = \"In\" }]\n",
            ":2:",
            "`Equal` or `Exists`",
        ),
        (
            "[[kubernetes]]\ntolerations = [{ key = \"k\", operator = \"Exists\", value = \"v\" }]\n",
            ":2:",
            "takes no `value`",
        ),
        (
            "[[kubernetes]]\ntolerations = [{ value = \"v\" }]\n",
            ":2:",
            "without `key`",
        ),
        (
            "[[kubernetes]]\ntolerations = [{ key = \"k\", effect = \"NoRun\" }]\n",
            ":2:",
            "`NoExecute`",
        ),
        (
            "[[kubernetes]]\ntolerations = [{ key = \"k\", colour = 1 }]\n",
            ":2:",
            "colour",
        ),
        (
            "[[kubernetes]]\nvolumes = [{ host_path = \"/d\", nfs = \"nas:/e\", pvc = \"c\" }]\n",
            ":2:",
            "exactly one of",
        ),
        (
            "[[kubernetes]]\nvolumes = [{ host_path = \"/d\" }]\n",
            ":2:",
            "exactly one of",
        ),
        (
            "[[kubernetes]]\nvolumes = [{ host_path = \"/d\", nfs = \"nas/e\" }]\n",
            ":2:",
            "server:/export",
        ),
        (
            "[[kubernetes]]\nvolumes = [{ host_path = \"d\", pvc = \"c\" }]\n",
            ":2:",
            "absolute path",
        ),
        (
            "[[kubernetes]]\nvolumes = [{ host_path = \"/d\", pvc = \"c\", size = 1 }]\n",
            ":2:",
            "size",
        ),
        (
            "[[hosts]]\nname = \"a\"\naddress = \"h:1\"\n[[kubernetes]]\nname = \"a\"\n",
            ":5:1: ",
            "already defined",
        ),
        (
            "[[kubernetes]]\ncontext = \"x\"\n[[kubernetes]]\ncontext = \"x\"\n",
            ":4:1: ",
            "set `name`",
        ),
        (
            "kube_config_file = \"/k\"\n[[kubernetes]]\n",
            "/etc/zoe.toml: ",
            "already defined",
        ),
    ];
    for (text, at, says) in cases {
        let e = err(text);
        assert!(
            e.starts_with(&format!("/etc/zoe.toml{at}"))
                || (*at == "/etc/zoe.toml: " && e.starts_with(at)),
            "{text:?} → {e}"
        );
        assert!(e.contains(says), "{text:?} → {e}");
    }
}

#[test]
fn kubeconfig_paths_expand_home_and_start_at_the_settings_folder() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zoe.toml");
    std::fs::write(
        &file,
        "kube_config_file = \"~/kube.conf\"\n[[kubernetes]]\nname = \"a\"\nkubeconfig = [\"~/.kube/config\", \"rel/k\", \"/abs\"]\n",
    )
    .unwrap();
    let env = |k: &str| (k == "HOME").then(|| "/home/u".to_string());
    let paths = Paths::from_env(&env);
    let loaded = load_settings(Some(&file), &env, &paths).unwrap();
    assert_eq!(
        loaded.settings.kube_config_file,
        Some(PathBuf::from("/home/u/kube.conf"))
    );
    assert_eq!(
        loaded.settings.kubernetes[0].kubeconfig,
        [
            PathBuf::from("/home/u/.kube/config"),
            dir.path().join("rel/k"),
            PathBuf::from("/abs")
        ]
    );
}
