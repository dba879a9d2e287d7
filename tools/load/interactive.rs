//! `interactive` mode: N concurrent PTY shells each typing an attack script in a loop,
//! timing every command from the line sent to the prompt back.

use std::time::{Duration, Instant};

use anyhow::bail;
use serde::Serialize;

use crate::client::{self, Shell, Target};
use crate::procfs::{ServerProc, own_cpu_seconds};
use crate::stats::{Percentiles, percentiles};

/// What one interactive run measured.
#[derive(Debug, Serialize)]
pub struct InteractiveReport {
    /// Shells that opened and took part.
    pub sessions: usize,
    /// Commands answered (prompt back) within the measured time.
    pub commands: u64,
    /// Shells that stopped early (a command timed out or the connection closed).
    pub session_errors: u64,
    /// The first such error.
    pub first_error: Option<String>,
    /// Wall-clock seconds measured.
    pub wall_seconds: f64,
    /// `commands / wall_seconds`.
    pub commands_per_second: f64,
    /// Per-command latency, line sent → prompt back.
    pub latency: Option<Percentiles>,
    /// CPU seconds the server used meanwhile (given `--server-pid`).
    pub server_cpu_seconds: Option<f64>,
    /// `commands / server_cpu_seconds`.
    pub commands_per_server_cpu_second: Option<f64>,
    /// CPU seconds the load tool itself used meanwhile.
    pub client_cpu_seconds: f64,
}

/// Opens `sessions` shells (not measured), then has each type `script` over and over for
/// `duration` (measured).
pub async fn run(
    target: Target,
    sessions: usize,
    script: Vec<String>,
    duration: Duration,
    server: Option<ServerProc>,
) -> anyhow::Result<InteractiveReport> {
    let config = client::config();
    let mut opening = tokio::task::JoinSet::new();
    for _ in 0..sessions {
        let (config, target) = (config.clone(), target.clone());
        opening.spawn(async move { Shell::open(config, &target).await });
    }
    let mut shells = Vec::with_capacity(sessions);
    while let Some(opened) = opening.join_next().await {
        match opened? {
            Ok(shell) => shells.push(shell),
            Err(err) => bail!("could not open all {sessions} shells: {err:#}"),
        }
    }

    let cpu_before = server.as_ref().map(ServerProc::cpu_seconds).transpose()?;
    let own_before = own_cpu_seconds();
    let started = Instant::now();
    let deadline = started + duration;
    let mut typing = tokio::task::JoinSet::new();
    for mut shell in shells {
        let (script, limit) = (script.clone(), target.timeout);
        typing.spawn(async move {
            let mut latencies = Vec::new();
            let mut error = None;
            'session: loop {
                for line in &script {
                    if Instant::now() >= deadline {
                        break 'session;
                    }
                    match shell.run(line, limit).await {
                        Ok(latency) => latencies.push(latency),
                        Err(err) => {
                            error = Some(format!("{err:#}"));
                            break 'session;
                        }
                    }
                }
            }
            (latencies, error, shell)
        });
    }
    let mut latencies: Vec<Duration> = Vec::new();
    let (mut session_errors, mut first_error) = (0, None);
    let mut finished = Vec::new();
    while let Some(joined) = typing.join_next().await {
        let (mut session, error, shell) = joined?;
        latencies.append(&mut session);
        if let Some(error) = error {
            session_errors += 1;
            first_error.get_or_insert(error);
        }
        finished.push(shell);
    }
    let wall_seconds = started.elapsed().as_secs_f64();
    let server_cpu_seconds = match (&server, cpu_before) {
        (Some(server), Some(before)) => Some(server.cpu_seconds()? - before),
        _ => None,
    };
    let client_cpu_seconds = own_cpu_seconds() - own_before;
    futures::future::join_all(
        finished
            .into_iter()
            .map(|shell| shell.close(Duration::from_secs(2))),
    )
    .await;
    let commands = latencies.len() as u64;
    Ok(InteractiveReport {
        sessions,
        commands,
        session_errors,
        first_error,
        wall_seconds,
        commands_per_second: commands as f64 / wall_seconds,
        latency: percentiles(&mut latencies),
        server_cpu_seconds,
        commands_per_server_cpu_second: server_cpu_seconds
            .filter(|cpu| *cpu > 0.0)
            .map(|cpu| commands as f64 / cpu),
        client_cpu_seconds,
    })
}
