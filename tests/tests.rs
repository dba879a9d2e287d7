//! Integration tests: one binary, one module per topic.

// The command line: config check/show, migrate, bad configuration.
mod cli;
// Shared helpers: start a node, SSH clients, HTTP requests.
mod common;
// Docker files agree with the code's ports and paths.
mod deploy;
// The fake filesystem over SSH: files persist across reconnects, generated files agree.
mod files;
// The real binary with the OpenSSH client: auth, shell, exec, keys, events, admin, SIGTERM.
mod node;
// The real binary on PostgreSQL: storage, an outage spooled and drained, concurrent migration.
mod postgres_node;
// One connection's shell and exec channels.
mod session;
// scp and SFTP uploads, the upload quota, and port forwarding logged but never done.
mod ssh_channels;
// The SSH surface of each OpenSSH profile: KEXINIT via ssh -vvv, non-SSH input, grace time.
mod ssh_surface;
// README's command list matches the shell's registry.
mod readme;
// The store backends and the spool, run against SQLite and PostgreSQL alike.
mod store;
// Panic in one session: restarted from checkpoint, fifty others unaffected.
mod supervision;
