//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "zoe",
    version,
    about = "A terminal console for Zoe Analytics ZApps on Docker hosts and Kubernetes clusters",
    long_about = ABOUT,
    after_help = EXAMPLES
)]
pub struct Cli {
    /// Settings file (default: $ZOE_CONFIG, then ~/.config/zoe/config.toml)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// ZApp shop directory (overrides the settings)
    #[arg(long, global = true, value_name = "DIR")]
    pub shop: Option<PathBuf>,
    /// Output format: aligned tables, or typed JSON for scripts (the
    /// README documents each verb's shape)
    #[arg(short = 'o', long = "output", global = true, value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// Colour theme for the terminal UI (default: the settings' `theme`;
    /// `:theme` lists them)
    #[arg(long, value_name = "NAME", help_heading = "Terminal UI")]
    pub theme: Option<String>,
    /// Refuse every action that changes the cluster (start, kill,
    /// supervise, exec; in the terminal UI, launch, terminate, relaunch,
    /// shell and restart)
    #[arg(long, global = true)]
    pub readonly: bool,
    /// Act on other users' executions: a role with can_operate_others
    /// (admin) does so without it, so it is accepted and changes nothing;
    /// any other role is refused it (you see and act on your own
    /// executions only)
    #[arg(long, global = true)]
    pub all_users: bool,
    /// Leave the mouse to the terminal (selection and copy)
    #[arg(long, help_heading = "Terminal UI")]
    pub no_mouse: bool,
    /// More detail in the log file (`zoe config paths` shows where; never
    /// the terminal): -v debug, -vv trace. $ZOE_LOG sets the filter
    /// (e.g. `debug`, `zoe_console=trace`); the default is info
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Kubernetes: use this context of the kubeconfig (like kubectl); with
    /// no cluster in the settings, adds that cluster beside the Docker hosts
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// Kubernetes: the namespace of every cluster (default: the settings',
    /// else the context's, else `default`)
    #[arg(short = 'n', long, global = true, value_name = "NS")]
    pub namespace: Option<String>,
    /// Kubernetes: the kubeconfig file (default: the settings', else
    /// $KUBECONFIG, else ~/.kube/config)
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Browse, check and render the ZApp shop
    #[command(subcommand)]
    Shop(ShopCommand),
    /// Show where settings, cache and logs live, and the effective settings
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Nodes (Docker hosts, cluster nodes): capacity, reservations, usage,
    /// labels, online/offline
    Nodes {
        /// Wait for what the ZApp services use now (CPU, memory) however
        /// long it takes (about a second on Docker); without it the table
        /// waits at most 300 ms for them and says `n/a (slow)` after that
        #[arg(long, conflicts_with = "no_usage")]
        usage: bool,
        /// Do not read usage at all (no work for the hosts' engines)
        #[arg(long)]
        no_usage: bool,
    },
    /// Launch a ZApp (exit 3 when nothing fits: every host says why not)
    Start {
        #[command(flatten)]
        launch: LaunchArgs,
        /// Only show where each service would go, or why nothing fits
        #[arg(long)]
        dry_run: bool,
        /// When nothing fits, wait in the queue (FIFO or SIZE) until it does
        #[arg(long)]
        wait: bool,
    },
    /// List executions (active ones; -a for all still on the cluster)
    Ps {
        /// Also the ended executions still on the cluster or in the cache
        #[arg(short, long)]
        all: bool,
        /// List the foreign containers instead: those carrying this
        /// deployment's labels that it did not make (never counted,
        /// adopted or touched)
        #[arg(long, conflicts_with = "all")]
        foreign: bool,
    },
    /// Show one execution: services, hosts, containers, ports and URLs
    Inspect {
        /// Execution id or name
        execution: String,
    },
    /// Print (or follow) the logs of your execution (with can_operate_others: anyone's),
    /// all services merged or one
    Logs {
        /// Execution id or name
        execution: String,
        /// One service instance (e.g. worker1) or group (e.g. worker)
        service: Option<String>,
        /// Keep following new lines
        #[arg(short, long)]
        follow: bool,
        /// Only the last N lines of each service
        #[arg(long, value_name = "N")]
        tail: Option<u64>,
        /// Only lines since T: a duration ago (90s, 10m, 2h, 3d, 1h30m), a
        /// time (2026-11-29T10:00:00Z, 2026-11-29T10:00:00+01:00; local time
        /// without a zone), a date (2026-11-29) or Unix seconds
        #[arg(long, value_name = "T")]
        since: Option<String>,
        /// Show each line's timestamp
        #[arg(short, long)]
        timestamps: bool,
        /// Write the containers' bytes as they are, even to a terminal (by
        /// default control characters are shown visibly on a terminal;
        /// piped output is always byte-exact)
        #[arg(long)]
        raw: bool,
    },
    /// Keep executions healthy, like Zoe's scheduler loop: end executions whose
    /// essential service stopped, place dead or waiting elastic services again
    /// (your own executions; everybody's with can_operate_others)
    Supervise {
        /// One pass, then exit
        #[arg(long)]
        once: bool,
        /// Seconds between passes
        #[arg(long, default_value_t = 10, value_name = "SECS")]
        interval: u64,
    },
    /// Who the console takes you for: user, role and its capabilities, quota
    /// and what you use of it now, shared deployment or not
    Whoami,
    /// Run a command (default: a shell) in one instance of your execution
    /// (with can_operate_others: anyone's); interactive with a terminal when stdin is
    /// one; exits with the command's exit code
    Exec {
        /// Execution id or name
        execution: String,
        /// The instance (e.g. master0, worker1; `zoe inspect` lists them)
        instance: String,
        /// The command and its arguments, after `--` (default: sh)
        #[arg(last = true, value_name = "CMD")]
        command: Vec<String>,
    },
    /// Terminate your execution (with can_operate_others: anyone's): stop its services,
    /// remove containers and network
    Kill {
        /// Execution id or name (with --foreign: a foreign container's id,
        /// at least 4 characters, or its exact name)
        execution: String,
        /// Remove one foreign container (see `zoe ps --foreign`) instead
        #[arg(long)]
        foreign: bool,
    },
    /// Sign in (auth = "csv" or "ldap"): asks for the password on the
    /// terminal without echo, checks it and remembers the sign-in in the OS
    /// keyring for later runs (`zoe logout` forgets it)
    Login {
        /// The user to sign in as (default: asked on the terminal)
        user: Option<String>,
        /// Read the password from the first line of stdin (for scripts; at
        /// most 4 KiB, the line end dropped), never from the command line
        /// or the environment
        #[arg(long)]
        password_stdin: bool,
    },
    /// Forget the sign-in `zoe login` remembered in the OS keyring
    Logout,
    /// Secrets kept in the OS keyring (the LDAP bind password): set,
    /// delete, status
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Credentials for private registries, kept in the OS keyring and used
    /// by image pulls: login, logout, list
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// Print a shell's completion script
    ///
    /// For bash, zsh, fish, elvish or powershell, e.g.
    /// `zoe completions bash > /etc/bash_completion.d/zoe`, or
    /// `zoe completions zsh > ~/.zfunc/_zoe`, or
    /// `zoe completions fish > ~/.config/fish/completions/zoe.fish`.
    Completions {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff)
    ///
    /// `zoe man > zoe.1; man ./zoe.1`, or a verb's own page:
    /// `zoe man shop render`.
    Man {
        /// The verb whose page to print (default: zoe's own)
        #[arg(value_name = "VERB")]
        verb: Vec<String>,
    },
}

/// What `zoe --help` and the man page say the console does.
const ABOUT: &str = "A terminal console for Zoe Analytics ZApps, talking directly to Docker hosts
(unix socket, TCP or TLS) and Kubernetes clusters, without a Zoe master.

With no verb, on a terminal, it opens the terminal UI: the ZApp shop by
category with each entry's README; a start form that launches an entry with
the parameters, memory and cores you pick, with a live placement preview
(where each service would go, or why not on each host); the executions with
their instances, logs (merged or per service) and actions; the nodes with
their capacity, reservations, usage and the queue. Not on a terminal, it
prints the shop list.

The verbs do the same for scripts, as aligned tables or typed JSON (-o json):
browse and check the shop, render a description with its parameters, see the
nodes, start (or plan with --dry-run, or queue with --wait), list and inspect
executions, read or follow their logs, kill them, and supervise them as Zoe's
scheduler does; whoami shows your role, quota and its use. Hosts come from Zoe's docker.conf named in the settings;
clusters from a kubeconfig (--context, --namespace, --kubeconfig).

Exit codes: 0 success, 1 failure (invalid input, validation errors, problems
found, a host offline for `nodes`), 2 usage error, 3 no room (`start`: nothing
fits now).";

/// The examples under `zoe --help`.
const EXAMPLES: &str = "Examples:
  zoe                                    the terminal UI
  zoe shop list                          the ZApps by category
  zoe shop render master-workers -p worker=3 --memory master=0.5
  zoe nodes                              each host: capacity, reserved, online or why not
  zoe start master-workers --dry-run     where each service would go, or why not
  zoe start master-workers --name demo   launch; prints the id and the endpoint URLs
  zoe ps -a                              executions, also ended ones
  zoe inspect demo -o json               one execution, typed JSON
  zoe logs demo worker -f --since 10m    follow one service's logs
  zoe kill demo                          stop and remove everything of it
  zoe completions bash > /etc/bash_completion.d/zoe
  zoe man > zoe.1";

/// What to launch: the same choices as `zoe shop render`.
#[derive(Debug, clap::Args)]
pub struct LaunchArgs {
    /// Entry id (`<dir>-<index>`) or a unique part of its name
    pub entry: String,
    /// Parameter value (by name, or `<name>-<kind>` when names repeat)
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE", value_parser = parse_key_value)]
    pub params: Vec<(String, String)>,
    /// Memory for a service group, in GiB (clamped to max_memory_gib)
    #[arg(long, value_name = "GROUP=GIB", value_parser = parse_key_number)]
    pub memory: Vec<(String, f64)>,
    /// Cores for a service group (clamped to max_cores)
    #[arg(long, value_name = "GROUP=N", value_parser = parse_key_number)]
    pub cores: Vec<(String, f64)>,
    /// Execution name (default: the application name)
    #[arg(long, value_name = "EXEC")]
    pub name: Option<String>,
    /// Run only on this target (a Docker host's name, or a cluster's)
    #[arg(long = "on", value_name = "TARGET")]
    pub on: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ShopCommand {
    /// List the shop entries by category
    List,
    /// Show one entry: services, resources, ports, parameters, README
    Show {
        /// Entry id (`<dir>-<index>`) or a unique part of its name
        entry: String,
    },
    /// Validate a whole shop and print every problem (exit 1 on errors)
    Check {
        /// Shop directory (default: the configured shop)
        dir: Option<PathBuf>,
    },
    /// Print the final description and instances exactly as they would be launched
    Render {
        #[command(flatten)]
        launch: LaunchArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Where the settings file, shop, cache and logs are
    Paths,
    /// The effective settings, as TOML
    Show,
    /// The contexts of the kubeconfig (--kubeconfig, else $KUBECONFIG,
    /// else ~/.kube/config), the current one marked
    Contexts,
}

/// The secrets `zoe secret` keeps by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SecretName {
    /// The password of the LDAP service DN (`[ldap] bind_dn`)
    LdapBind,
}

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Keep a secret in the OS keyring: typed at the terminal without
    /// echo, or read from the first line of stdin (at most 4 KiB) when it
    /// is not a terminal (`printf %s "$PW" | zoe secret set ldap-bind`); never from the
    /// command line or the environment
    Set {
        /// Which secret (ldap-bind: the LDAP service DN's password)
        #[arg(value_enum)]
        name: SecretName,
    },
    /// Forget a secret
    Delete {
        /// Which secret (ldap-bind: the LDAP service DN's password)
        #[arg(value_enum)]
        name: SecretName,
    },
    /// Which secrets are kept (names only) and in which store
    #[command(alias = "list")]
    Status,
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Keep credentials for a registry (checked against it first where it
    /// can be asked: a loopback registry); the password is typed without
    /// echo, or read from stdin
    Login {
        /// The registry, HOST or HOST:PORT (Docker Hub: docker.io); the
        /// host's case does not matter (kept lowercase, as pulls name it)
        host: String,
        /// The user name (asked at the terminal when not given)
        #[arg(short, long, value_name = "USER")]
        username: Option<String>,
        /// Read the password from the first line of stdin (as `docker
        /// login`; at most 4 KiB)
        #[arg(long)]
        password_stdin: bool,
        /// Keep the credentials without asking the registry first (one this
        /// machine cannot reach; the first pull checks them)
        #[arg(long)]
        no_check: bool,
    },
    /// Forget a registry's credentials
    Logout {
        /// The registry, HOST or HOST:PORT
        host: String,
    },
    /// The registries with credentials and their user names (never the
    /// passwords)
    List,
}

fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

fn parse_key_number(text: &str) -> Result<(String, f64), String> {
    let (key, value) = parse_key_value(text)?;
    let number: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("`{value}` in `{text}` is not a number"))?;
    Ok((key, number))
}
