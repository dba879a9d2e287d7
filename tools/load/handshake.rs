//! `handshake` mode: connect, exchange keys, log in with a password and disconnect, in a loop
//! on N concurrent workers for a fixed time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Mutex;

use crate::client::{self, Target};
use crate::procfs::{ServerProc, own_cpu_seconds};

/// What one handshake run measured.
#[derive(Debug, Serialize)]
pub struct HandshakeReport {
    /// Completed logins (key exchange + accepted password + disconnect).
    pub handshakes: u64,
    /// Attempts that failed (refused, reset, refused password…).
    pub failures: u64,
    /// Attempts that took longer than the timeout.
    pub timeouts: u64,
    /// The first failure's message, if any.
    pub first_error: Option<String>,
    /// Wall-clock seconds measured.
    pub wall_seconds: f64,
    /// `handshakes / wall_seconds`.
    pub handshakes_per_second: f64,
    /// CPU seconds the server used meanwhile (given `--server-pid`).
    pub server_cpu_seconds: Option<f64>,
    /// `handshakes / server_cpu_seconds`.
    pub handshakes_per_server_cpu_second: Option<f64>,
    /// CPU seconds the load tool itself used meanwhile.
    pub client_cpu_seconds: f64,
}

/// Runs `concurrency` workers for `duration`; each starts handshakes until the time is up.
pub async fn run(
    target: Target,
    duration: Duration,
    concurrency: usize,
    server: Option<ServerProc>,
) -> anyhow::Result<HandshakeReport> {
    let config = client::config();
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let timed_out = Arc::new(AtomicU64::new(0));
    let first_error: Arc<Mutex<Option<String>>> = Arc::default();
    let cpu_before = server.as_ref().map(ServerProc::cpu_seconds).transpose()?;
    let own_before = own_cpu_seconds();
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (config, target) = (config.clone(), target.clone());
        let (done, failed, timed_out) = (done.clone(), failed.clone(), timed_out.clone());
        let first_error = first_error.clone();
        workers.spawn(async move {
            while Instant::now() < deadline {
                let attempt = async {
                    let handle = client::login(config.clone(), &target).await?;
                    client::disconnect(handle, target.timeout).await;
                    anyhow::Ok(())
                };
                match tokio::time::timeout(target.timeout, attempt).await {
                    Ok(Ok(())) => {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(Err(err)) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        first_error.lock().await.get_or_insert(format!("{err:#}"));
                        // Do not spin on a refusing server.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    Err(_) => {
                        timed_out.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
    }
    while workers.join_next().await.is_some() {}
    let wall_seconds = started.elapsed().as_secs_f64();
    let server_cpu_seconds = match (&server, cpu_before) {
        (Some(server), Some(before)) => Some(server.cpu_seconds()? - before),
        _ => None,
    };
    let handshakes = done.load(Ordering::Relaxed);
    let first_error = first_error.lock().await.take();
    Ok(HandshakeReport {
        handshakes,
        failures: failed.load(Ordering::Relaxed),
        timeouts: timed_out.load(Ordering::Relaxed),
        first_error,
        wall_seconds,
        handshakes_per_second: handshakes as f64 / wall_seconds,
        server_cpu_seconds,
        handshakes_per_server_cpu_second: server_cpu_seconds
            .filter(|cpu| *cpu > 0.0)
            .map(|cpu| handshakes as f64 / cpu),
        client_cpu_seconds: own_cpu_seconds() - own_before,
    })
}
