//! Hostile input against real daemons: container output, labels, shop files
//! and settings that try to act on the terminal; label values forged to
//! upset the accounts; log lines that are long, interleaved or cut off.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::engines::{
    Setup, custom_shop, engines, execution_id, one_host, service_running, two_hosts, wait_for,
};

/// What a hostile container prints (busybox printf): window titles, a
/// hyperlink, the clipboard, clear screen, alternate screen, mouse
/// reporting, hidden cursor, an 8-bit CSI (raw and as U+009B) and BEL.
const PAYLOAD: &str = r"\033]0;pwned-title\007\033]2;pwned2\033\\\033]8;;http://evil.invalid/\033\\click\033]8;;\033\\\033]52;c;cm0gLXJmIC8=\007\033[2J\033[?1049h\033[?1000h\033[?25l\23331m\302\23332m\007end\n";

/// Bytes that would act on a terminal.
fn acting(bytes: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        let bad = matches!(b, 0x1b | 0x07 | 0x9b | 0x00..=0x08 | 0x0b | 0x0c | 0x0e..=0x1a | 0x1c..=0x1f | 0x7f)
            || (*b == 0xc2 && bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)));
        if bad {
            let from = i.saturating_sub(20);
            found.push(
                String::from_utf8_lossy(&bytes[from..(i + 20).min(bytes.len())]).into_owned(),
            );
        }
    }
    found
}

#[test]
fn hostile_output_names_and_labels_are_shown_not_obeyed() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    let command = "sh -c 'printf \"$PAYLOAD\"; trap \"exit 0\" TERM; while true; do sleep 1; done'";
    let mut evil = service_running("evil", command);
    evil["environment"] = serde_json::json!([["PAYLOAD", PAYLOAD]]);
    custom_shop(shop.path(), serde_json::json!([evil]));
    // a shop file and a settings file that try the same
    let manifest = shop.path().join("custom/manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("\"Custom\"", "\"Cus\\u001b]0;shop\\u0007tom\\u001b[2J\""),
    )
    .unwrap();
    let setup = Setup::with_shop(
        &two_hosts(&e, "ssd,\u{1b}]0;conf\u{7}x\u{9b}1m"),
        shop.path(),
    );

    let started = setup.json(&["start", "custom-0", "--name", "evil"]);
    let id = execution_id(&started);
    wait_for("the payload in the log", Duration::from_secs(30), || {
        setup.zoe(&["logs", &id]).stdout.contains("end")
    });

    // piped: byte for byte what `docker logs` gives
    let container = started["containers"][0]["container"].as_str().unwrap();
    let host = started["containers"][0]["host"].as_str().unwrap();
    let docker = e.docker(host, &["logs", container]);
    let piped = setup.zoe(&["logs", &id]);
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert!(!acting(&docker.stdout).is_empty(), "the payload is hostile");
    assert_eq!(piped.bytes, docker.stdout, "piped logs are byte-exact");

    // a container with hostile label values that still parse, signed with
    // the deployment's key (as a console of it would make it), so it is
    // adopted and its labels are shown
    let forged_name = format!("w0-forged1-{}", setup.deployment);
    let mut labels: std::collections::HashMap<String, String> = [
        ("zoe_type", "app_service".to_string()),
        ("zoe_deployment_name", setup.deployment.clone()),
        ("zoe_execution_id", "forged1".into()),
        ("zoe_service_name", "w0".into()),
        (
            "zoe_execution_name",
            "\u{1b}]0;label-title\u{7}\u{1b}[?1049h".into(),
        ),
        ("zoe_owner", "\u{1b}]52;c;cm0=\u{7}\u{9b}2J".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    zoe_console::backend::signature::sign_container(&setup.key(), &mut labels);
    let mut args: Vec<String> = ["run", "-d", "--name", &forged_name]
        .map(String::from)
        .to_vec();
    for (k, v) in &labels {
        args.extend(["--label".to_string(), format!("{k}={v}")]);
    }
    args.extend(["zoe-demo/busybox:1", "sleep", "600"].map(String::from));
    let run = e.docker(
        "local",
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    // on a terminal: shown, never obeyed
    let on_terminal = [
        setup.zoe_on_terminal(&["logs", &id]),
        setup.zoe_on_terminal(&["ps", "-a"]),
        setup.zoe_on_terminal(&["nodes"]),
        setup.zoe_on_terminal(&["inspect", "forged1"]),
        setup.zoe_on_terminal(&["shop", "list"]),
        setup.zoe_on_terminal(&["shop", "show", "custom-0"]),
        setup.zoe_on_terminal(&["logs", "nosuch\u{1b}]0;arg\u{7}"]),
        // (the tester is the admin of a personal install: `zoe kill
        // forged1` would end it, so no refusal names the hostile owner;
        // `ps -a` above shows it)
    ];
    for out in &on_terminal {
        let text = String::from_utf8_lossy(out);
        assert!(acting(out).is_empty(), "{:?} in {text}", acting(out));
    }
    let all: String = on_terminal
        .iter()
        .map(|o| String::from_utf8_lossy(o))
        .collect();
    for shown in [
        r"\x1b]0;pwned-title\x07",
        r"\x1b]52;c;cm0gLXJmIC8=\x07",
        r"\x1b[?1049h",
        r"\x9b32m",
        r"\x1b]0;label-title\x07",
        r"\x1b]52;c;cm0=\x07\x9b2J",
        r"Cus\x1b]0;shop\x07tom",
        r"\x1b]0;conf\x07x\x9b1m",
    ] {
        assert!(all.contains(shown), "`{shown}` is shown visibly in\n{all}");
    }
    // --raw keeps the bytes even on a terminal
    let raw = setup.zoe_on_terminal(&["logs", &id, "--raw"]);
    assert!(
        raw.windows(7).any(|w| w == b"\x1b]0;pwn"),
        "{}",
        String::from_utf8_lossy(&raw)
    );
    // tables are safe even when piped
    let ps = setup.zoe(&["ps", "-a"]);
    assert!(acting(&ps.bytes).is_empty(), "{}", ps.stdout);

    assert_eq!(setup.zoe(&["kill", &id]).code, 0);
    // not the tester's own execution: the admin of a personal install ends
    // it (and --all-users is accepted, adding nothing)
    assert_eq!(setup.zoe(&["--all-users", "kill", "forged1"]).code, 0);
    e.docker("local", &["rm", "-f", &forged_name]);
}

#[test]
fn forged_label_values_are_never_counted_adopted_or_acted_on() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    // one service that needs 8 cores: more than a 2-core test host has
    let mut big = service_running("big", "sleep 600");
    big["resources"]["cores"]["min"] = serde_json::json!(8.0);
    custom_shop(shop.path(), serde_json::json!([big]));
    let setup = Setup::with_shop(&one_host("local", &e.docker_host("local")), shop.path());
    let settings = std::fs::read_to_string(&setup.config).unwrap();
    std::fs::write(&setup.config, format!("{settings}max_cores = 64\n")).unwrap();
    let cores_total = setup.json(&["nodes"])[0]["cores_total"].as_f64().unwrap();
    assert!(cores_total < 8.0, "the test host has fewer than 8 cores");

    let long_id = "a".repeat(10_000);
    let forged: Vec<(String, Vec<(&str, String)>)> = vec![
        (
            "wrap".into(),
            vec![
                ("org.zoe-console.memory", u64::MAX.to_string()),
                ("zoe_execution_id", "wrap1".into()),
            ],
        ),
        (
            "wrap2".into(),
            vec![
                ("org.zoe-console.memory", u64::MAX.to_string()),
                ("zoe_execution_id", "wrap2".into()),
            ],
        ),
        (
            "nan".into(),
            vec![
                ("org.zoe-console.cores", "NaN".into()),
                ("zoe_execution_id", "nan1".into()),
            ],
        ),
        (
            "inf".into(),
            vec![
                ("org.zoe-console.cores", "inf".into()),
                ("zoe_execution_id", "inf1".into()),
            ],
        ),
        (
            "negative".into(),
            vec![
                ("org.zoe-console.cores", "-8".into()),
                ("zoe_execution_id", "neg1".into()),
            ],
        ),
        ("longid".into(), vec![("zoe_execution_id", long_id.clone())]),
    ];
    let mut names = Vec::new();
    for (what, labels) in &forged {
        let name = format!("{what}-{}", setup.deployment);
        let mut args: Vec<String> = [
            "run",
            "-d",
            "--name",
            &name,
            "--label",
            "zoe_type=app_service",
            "--label",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.push(format!("zoe_deployment_name={}", setup.deployment));
        args.extend(["--label".to_string(), "zoe_service_name=w0".to_string()]);
        args.extend([
            "--label".to_string(),
            "org.zoe-console.essential=true".to_string(),
        ]);
        for (k, v) in labels {
            args.extend(["--label".to_string(), format!("{k}={v}")]);
        }
        args.extend(["zoe-demo/busybox:1", "sleep", "600"].map(String::from));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = e.docker("local", &refs);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        names.push(name);
    }

    let node = &setup.json(&["nodes"])[0];
    assert_eq!(node["memory_reserved"], 0, "{node}");
    assert_eq!(node["cores_reserved"].as_f64(), Some(0.0), "{node}");
    assert_eq!(node["services"].as_array().unwrap().len(), 0, "{node}");
    let foreign = node["foreign"].as_array().unwrap();
    assert_eq!(foreign.len(), forged.len(), "{node}");
    for f in foreign {
        assert!(!f["reason"].as_str().unwrap().is_empty());
        assert!(f["reason"].as_str().unwrap().len() < 300, "{f}");
    }
    let table = setup.zoe(&["nodes"]);
    assert!(
        table.stdout.contains("foreign (bad labels)"),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.lines().all(|l| l.len() < 400),
        "no padding from a forged id:\n{}",
        table.stdout
    );

    // never adopted
    let ps = setup.json(&["ps", "-a"]);
    assert_eq!(ps.as_array().unwrap().len(), 0, "{ps}");
    // never placed on: the negative core count does not make room
    let dry = setup.zoe(&["start", "custom-0", "--dry-run"]);
    assert_eq!(dry.code, 3, "nothing fits: {}{}", dry.stdout, dry.stderr);
    // never acted on
    assert_ne!(setup.zoe(&["kill", "neg1"]).code, 0);
    assert_eq!(setup.zoe(&["supervise", "--once"]).code, 0);
    for name in &names {
        let out = e.docker("local", &["inspect", "-f", "{{.State.Running}}", name]);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "true",
            "{name} untouched"
        );
    }
    for name in &names {
        e.docker("local", &["rm", "-f", name]);
    }
}

/// Lines of `zoe logs` output (piped) that are `out N` / `err N`, counted.
fn count_numbered(text: &str, n: usize) -> (Vec<u32>, Vec<u32>) {
    let mut out = vec![0u32; n];
    let mut err = vec![0u32; n];
    for line in text.lines() {
        let line = line.rsplit(" | ").next().unwrap_or(line);
        if let Some(i) = line
            .strip_prefix("out ")
            .and_then(|i| i.parse::<usize>().ok())
        {
            out[i] += 1;
        } else if let Some(i) = line
            .strip_prefix("err ")
            .and_then(|i| i.parse::<usize>().ok())
        {
            err[i] += 1;
        }
    }
    (out, err)
}

const INTERLEAVED: usize = 20_000;

/// How many lines are the container's 1 MiB line of `a`, whole. (It ends
/// after some of the other stream's lines: a line is handed out when its
/// last piece arrives.)
fn whole_long_lines(text: &str) -> usize {
    text.lines()
        .filter(|l| l.len() == 1 << 20 && l.bytes().all(|b| b == b'a'))
        .count()
}

fn interleaving_command() -> String {
    format!(
        "sh -c 'head -c 1048576 /dev/zero | tr \"\\0\" a; echo; i=0; while [ $i -lt {INTERLEAVED} ]; do echo \"out $i\"; echo \"err $i\" >&2; i=$((i+1)); [ $((i % 4000)) = 0 ] && sleep 0.5; done; echo finished; trap \"exit 0\" TERM; while true; do sleep 1; done'"
    )
}

#[test]
fn long_lines_and_interleaved_streams_all_arrive_in_the_cli_and_the_tui_buffer() {
    let Some(e) = engines() else { return };
    let shop = tempfile::tempdir().unwrap();
    custom_shop(
        shop.path(),
        serde_json::json!([service_running("talk", &interleaving_command())]),
    );
    let setup = Setup::with_shop(&one_host("local", &e.docker_host("local")), shop.path());
    let id = execution_id(&setup.json(&["start", "custom-0"]));
    wait_for("the end of the output", Duration::from_secs(90), || {
        setup
            .zoe(&["logs", &id, "--tail", "3"])
            .stdout
            .contains("finished")
    });

    let run = setup.zoe(&["logs", &id]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        whole_long_lines(&run.stdout),
        1,
        "the 1 MiB line arrives whole, once"
    );
    let (out, err) = count_numbered(&run.stdout, INTERLEAVED);
    assert!(
        out.iter().chain(&err).all(|c| *c == 1),
        "every line exactly once: {} out and {} err lines missing or repeated",
        out.iter().filter(|c| **c != 1).count(),
        err.iter().filter(|c| **c != 1).count()
    );
    assert_eq!(run.stdout.lines().count(), 2 * INTERLEAVED + 2);

    // the terminal UI's buffer, fed by the engine the TUI uses
    let (lines, dropped) = tui_buffer(&setup, &id, 2 * INTERLEAVED + 2);
    assert_eq!(dropped, 0);
    // the buffer keeps the start of a long line and says it was cut
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("aaaa") && l.ends_with("characters]"))
            .count(),
        1
    );
    let (out, err) = count_numbered(&lines.join("\n"), INTERLEAVED);
    assert!(
        out.iter().chain(&err).all(|c| *c == 1),
        "every line exactly once in the TUI buffer"
    );

    assert_eq!(setup.zoe(&["kill", &id]).code, 0);
}

/// Follows an execution's log through the engine service the TUI uses and
/// its log buffer, until `want` lines arrived: (the lines, lines dropped).
fn tui_buffer(setup: &Setup, id: &str, want: usize) -> (Vec<String>, u64) {
    use zoe_console::console::service::{Ask, EngineSetup, Report, spawn};
    let text = std::fs::read_to_string(&setup.config).unwrap();
    let settings = zoe_console::config::Settings::parse(&text, &setup.config).unwrap();
    let conf = std::fs::read_to_string(setup.dir.path().join("docker.conf")).unwrap();
    let targets = zoe_console::config::docker_conf::parse_docker_conf(&conf)
        .hosts
        .into_iter()
        .map(zoe_console::config::hosts::TargetConfig::Docker)
        .collect();
    let (ask, mut reports) = spawn(EngineSetup {
        settings,
        targets,
        cache: setup.dir.path().join("tui-cache.db"),
        key_file: setup.key_file(),
        readonly: false,
        // the user the setup's `zoe start` ran as
        asking: zoe_console::console::access::Asking {
            user: Ok("tester".into()),
            ..zoe_console::console::access::Asking::unknown()
        },
    });
    ask.send(Ask::FollowLogs {
        id: zoe_console::model::ExecutionId::parse(id).unwrap(),
        service: None,
        tail: 100_000,
        follow: 1,
    })
    .unwrap();
    let mut view = zoe_console::tui::logs::LogView::new(
        zoe_console::model::ExecutionId::parse(id).unwrap(),
        None,
        100_000,
    );
    let start = Instant::now();
    while view.lines.len() < want && start.elapsed() < Duration::from_secs(90) {
        match reports.try_recv() {
            Ok(Report::Log { lines, .. }) => view.push(lines),
            Ok(Report::LogError { message, .. } | Report::LogRefused { message, .. }) => {
                panic!("{message}")
            }
            Ok(_) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let _ = ask.send(Ask::Stop);
    (
        view.lines
            .iter()
            .filter_map(|e| e.line().map(|l| l.text.clone()))
            .collect(),
        view.dropped,
    )
}

/// A TCP proxy to `target` that cuts each of the first `cuts` log
/// connections after `after × n` bytes of answer (n = 1, 2, …): a network
/// that drops the stream in the middle of a frame.
fn cutting_proxy(target: &'static str, cuts: usize, after: usize) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let done = Arc::new(AtomicUsize::new(0));
    let counter = done.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let Ok(server) = TcpStream::connect(target) else {
                continue;
            };
            let counter = counter.clone();
            let is_logs = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let (mut c_read, mut s_write) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            let marker = is_logs.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 16 << 10];
                while let Ok(n) = c_read.read(&mut buf) {
                    if n == 0 || s_write.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    if buf[..n].windows(6).any(|w| w == b"/logs?") {
                        marker.store(true, Ordering::SeqCst);
                    }
                }
                let _ = s_write.shutdown(std::net::Shutdown::Both);
            });
            std::thread::spawn(move || {
                let (mut s_read, mut c_write) = (server, client);
                let mut buf = [0u8; 16 << 10];
                let mut sent = 0usize;
                let mut limit: Option<usize> = None;
                while let Ok(n) = s_read.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if limit.is_none() && is_logs.load(Ordering::SeqCst) {
                        let k = counter.fetch_add(1, Ordering::SeqCst);
                        limit = Some(if k < cuts {
                            after * (k + 1)
                        } else {
                            usize::MAX
                        });
                        sent = 0;
                    }
                    let room = limit.unwrap_or(usize::MAX).saturating_sub(sent);
                    let n = n.min(room);
                    if c_write.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    sent += n;
                    if limit.is_some_and(|l| sent >= l) {
                        break; // cut, mid-frame
                    }
                }
                let _ = c_write.shutdown(std::net::Shutdown::Both);
                let _ = s_read.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    (port, done)
}

#[test]
fn a_log_stream_cut_again_and_again_delivers_every_line_exactly_once() {
    let Some(e) = engines() else { return };
    let _ = &e;
    let shop = tempfile::tempdir().unwrap();
    custom_shop(
        shop.path(),
        serde_json::json!([service_running("talk", &interleaving_command())]),
    );
    let (port, connections) = cutting_proxy("127.0.0.1:23750", 4, 300_000);
    let setup = Setup::with_shop(
        &one_host("remote", &format!("tcp://127.0.0.1:{port}")),
        shop.path(),
    );
    let id = execution_id(&setup.json(&["start", "custom-0"]));
    let mut child = setup
        .command(&["logs", &id, "-f"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let end = line == "finished";
            text.push_str(&line);
            text.push('\n');
            if end {
                break;
            }
        }
        text
    });
    let start = Instant::now();
    while !reader.is_finished() && start.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = reader.join().unwrap();
    assert!(
        connections.load(Ordering::SeqCst) > 4,
        "the stream was cut and reopened {} times",
        connections.load(Ordering::SeqCst)
    );
    assert!(
        text.ends_with("finished\n"),
        "the log reached its end: {}",
        &text[text.len().saturating_sub(300)..]
    );
    let (out, err) = count_numbered(&text, INTERLEAVED);
    let wrong: Vec<String> = out
        .iter()
        .enumerate()
        .filter(|(_, c)| **c != 1)
        .map(|(i, c)| format!("out {i}×{c}"))
        .chain(
            err.iter()
                .enumerate()
                .filter(|(_, c)| **c != 1)
                .map(|(i, c)| format!("err {i}×{c}")),
        )
        .take(20)
        .collect();
    assert!(wrong.is_empty(), "lines lost or repeated: {wrong:?}");
    assert_eq!(
        whole_long_lines(&text),
        1,
        "the 1 MiB line arrives whole, once"
    );
    assert_eq!(setup.zoe(&["kill", &id]).code, 0);
}
