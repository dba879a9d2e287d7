//! Integration tests: one binary, one module per topic.

// The admin guard over HTTP: 401 on every registered route, CSRF refusals, the login cookie.
mod admin_auth;
// The admin UI in headless Chromium: login, live feed, replay, filters, export, XSS as text.
mod admin_browser;
// Protocol abuse: slowloris, 64 MiB lines, binary floods, 2,000 channels; bounded RSS.
mod abuse;
// The admin JSON API after a real SSH session: list, filters, detail, exports, overview.
mod admin_api;
// Alerts to webhooks over a real SSH login: 200, 500, a hang, refused; Slack and Discord bodies.
mod alerts;
// The command line: config check/show, migrate, bad configuration.
mod cli;
// Shared helpers: start a node, SSH clients, HTTP requests.
mod common;
// Docker files agree with the code's ports and paths.
mod deploy;
// SIGKILL mid-load and restart, SIGTERM with twenty busy sessions: nothing accepted is lost.
mod faults;
// A minute-long outage of a throwaway PostgreSQL cluster under load: every event once.
mod faults_postgres;
// The fake filesystem over SSH: files persist across reconnects, generated files agree.
mod files;
// Honeytokens: read in one SSH session, used from another address; alert, records, restart.
mod honeytokens;
// Next-command prediction in replays: events, the scenario expectation, the report's accuracy.
mod prediction;
// Readline over a PTY: history keys, Tab completion, `exit` versus `logout`.
mod line_editing;
// Bounded fuzzing: SSH pre-auth bytes and HTTP requests to a live node; scenario and Cowrie files.
mod fuzz_wire;
// The HTTP decoy with a raw TCP client: each lure, probes, malformed requests, limits.
mod http_decoy;
// Every lure × every probe path × GET/HEAD/OPTIONS, and malformed requests per lure.
mod http_lures;
// SSH limits on a real node: per-address and node caps (MaxStartups), idle timeout, EMFILE.
mod limits;
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
// `mirage simulate` on the real binary: the JSON contract, reproducible seeds, detectors' tells.
mod simulate;
// Layer 3 on the real binary: a fixed strategy over SSH, an adaptive node's state across a restart.
mod strategy;
// scp and SFTP uploads, the upload quota, and port forwarding logged but never done.
mod ssh_channels;
// The SSH surface of each OpenSSH profile: KEXINIT via ssh -vvv, non-SSH input, grace time.
mod ssh_surface;
// The node as `nobody`: serves, owns its data, binds port < 1024 only with the capability.
mod unprivileged;
// README's command list matches the shell's registry.
mod readme;
// Layer 0 reflexes over SSH: canned answers, drops, a rate that outlives a restart, bad rules.
mod reflex;
// Layer 4 persona over SSH against a local chat-completions server: answers, cache, fallbacks.
mod persona;
// Replay determinism and pacing, broken files, Cowrie import, export from a live node, 2,000 at once.
mod replay;
// The same scenario files over a real loopback SSH connection to an in-process node.
mod replay_ssh;
// A local webhook receiver for the alert tests.
mod webhook;
// The store backends and the spool, run against SQLite and PostgreSQL alike.
mod store;
// Session summaries, alerts and the overview in the store, on SQLite and PostgreSQL alike.
mod session_summaries;
// Panic in one session: restarted from checkpoint, fifty others unaffected.
mod supervision;
// Panics in session, classifier and sink under load: counted, nothing lost.
mod faults_actors;
// HTTP per-address connection cap; refused connections counted (SSH and HTTP).
mod connection_caps;
// Attacker overlays saved under the data dir: back after SIGKILL and restart.
mod faults_overlays;
// Three nodes on one PostgreSQL: each event once with its node id, migrations once.
mod fleet;
