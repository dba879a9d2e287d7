//! Integration tests: one binary, one module per topic.

// Alerts to webhooks over a real SSH login: 200, 500, a hang, refused; Slack and Discord bodies.
mod alerts;
// The command line: config check/show, migrate, bad configuration.
mod cli;
// Shared helpers: start a node, SSH clients, HTTP requests.
mod common;
// Docker files agree with the code's ports and paths.
mod deploy;
// The fake filesystem over SSH: files persist across reconnects, generated files agree.
mod files;
// Honeytokens: read in one SSH session, used from another address; alert, records, restart.
mod honeytokens;
// Next-command prediction in replays: events, the scenario expectation, the report's accuracy.
mod prediction;
// Readline over a PTY: history keys, Tab completion, `exit` versus `logout`.
mod line_editing;
// The HTTP decoy with a raw TCP client: each lure, probes, malformed requests, limits.
mod http_decoy;
// Every lure × every probe path × GET/HEAD/OPTIONS, and malformed requests per lure.
mod http_lures;
// The load tool (mirage-load) against a real node: counted logins and commands were logged.
mod load_tool;
// mirage train from a corpus and from the store; the admin API shows and reloads models.
mod models;
// The real binary with the OpenSSH client: auth, shell, exec, keys, events, admin, SIGTERM.
mod node;
// The real binary on PostgreSQL: storage, an outage spooled and drained, concurrent migration.
mod postgres_node;
// Opt-in sample fetching against a real local HTTP server: fetched, refused, too large.
mod samples;
// One connection's shell and exec channels.
mod session;
// scp and SFTP uploads, the upload quota, and port forwarding logged but never done.
mod ssh_channels;
// The SSH surface of each OpenSSH profile: KEXINIT via ssh -vvv, non-SSH input, grace time.
mod ssh_surface;
// README's command list matches the shell's registry.
mod readme;
// Layer 0 reflexes over SSH: canned answers, drops, a rate that outlives a restart, bad rules.
mod reflex;
// Replay determinism and pacing, broken files, Cowrie import, export from a live node, 2,000 at once.
mod replay;
// The same scenario files over a real loopback SSH connection to an in-process node.
mod replay_ssh;
// A local webhook receiver for the alert tests.
mod webhook;
// The store backends and the spool, run against SQLite and PostgreSQL alike.
mod store;
// Panic in one session: restarted from checkpoint, fifty others unaffected.
mod supervision;
