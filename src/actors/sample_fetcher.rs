//! [`SampleFetcher`]: opt-in real downloads of what attackers' `wget` and `curl` name.
//!
//! Off by default (`samples.fetch`). When on, the session hands every emulated HTTP or HTTPS
//! download to this actor instead of announcing it; the actor fetches the URL in the background
//! within the configured size and time limits and then:
//! - stores the sample content-addressed as `<data_dir>/downloads/<sha256>`;
//! - puts it in the attacker's filesystem in place of the stand-in the emulated command wrote,
//!   unless the attacker changed or removed that file in the meantime;
//! - emits `cowrie.session.file_download` with the sample's real SHA-256, or
//!   `cowrie.session.file_download.failed` with the reason.
//!
//! Only public addresses are fetched: every address a name resolves to, and every redirect
//! target, is checked by [`AddressPolicy`] before a connection is opened, so an attacker cannot
//! make the node reach its own loopback, its private network or cloud metadata services. The
//! fetch itself uses reqwest (a maintained HTTP client: TLS, redirects and chunked bodies are
//! not ours to write) with our resolver and redirect policy plugged in.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix::prelude::*;
use ipnet::IpNet;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::config::SamplesConfig;
use crate::events::{Event, EventKind, SessionOrigin};
use crate::host::fs::Data;
use crate::protocols::ssh::uploads::{SessionFiles, UploadStore};

/// Fetches running at once on a node; more wait their turn.
const CONCURRENT_FETCHES: usize = 8;
/// Fetches that may wait for a turn; beyond this a download is reported failed at once.
const QUEUED_FETCHES: usize = 256;
/// Redirects followed before a fetch gives up.
const MAX_REDIRECTS: usize = 5;

/// Which addresses may be fetched: public ones, plus the operator's `allow_networks`.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    allowed: Vec<IpNet>,
}

impl AddressPolicy {
    /// A policy that also allows `networks` (CIDR texts; invalid ones are refused by
    /// [`Config::validate`](crate::config::Config::validate) and skipped here).
    pub fn new(networks: &[String]) -> AddressPolicy {
        AddressPolicy {
            allowed: networks.iter().filter_map(|n| n.parse().ok()).collect(),
        }
    }

    /// Whether `ip` may be fetched from.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.allowed.iter().any(|net| net.contains(&ip)) || is_public(ip)
    }
}

/// Whether `ip` is a public unicast address: not loopback, private, link-local, shared (CGNAT),
/// multicast, broadcast, documentation, benchmarking, reserved or unspecified, in IPv4 or IPv6
/// (IPv4-mapped and NAT64 forms included).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_unspecified()
                || v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x2001 && v6.segments()[1] == 0x0db8)
                || (first == 0x0064 && v6.segments()[1] == 0xff9b)
                || v6.segments()[..6].iter().all(|s| *s == 0))
        }
    }
}

/// Why a fetch produced no sample.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    /// Not an HTTP or HTTPS URL.
    #[error("unsupported URL {0:?}")]
    Unsupported(String),
    /// The address is not public.
    #[error("refused: {0}")]
    Refused(String),
    /// Larger than `samples.max_bytes`.
    #[error("larger than {0} bytes")]
    TooLarge(u64),
    /// Slower than `samples.timeout_secs`.
    #[error("timed out after {0} s")]
    TimedOut(u64),
    /// The server answered with an error status.
    #[error("HTTP status {0}")]
    Status(u16),
    /// Too many fetches waiting already.
    #[error("too many fetches queued")]
    Busy,
    /// Connection, TLS or protocol failure.
    #[error("{0}")]
    Network(String),
}

/// The resolver the client uses: the system's, keeping only allowed addresses.
struct PolicyResolver(Arc<AddressPolicy>);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = all
                .iter()
                .copied()
                .filter(|a| policy.allows(a.ip()))
                .collect();
            if allowed.is_empty() {
                let list: Vec<String> = all.iter().map(|a| a.ip().to_string()).collect();
                return Err(FetchError::Refused(format!(
                    "{name} resolves to no public address ({})",
                    list.join(", ")
                ))
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// Checks a URL's host when it is an address literal (names go through [`PolicyResolver`]).
fn check_literal(policy: &AddressPolicy, url: &reqwest::Url) -> Result<(), FetchError> {
    let Some(host) = url.host_str() else {
        return Err(FetchError::Unsupported(url.to_string()));
    };
    let Ok(ip) = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    else {
        return Ok(());
    };
    if policy.allows(ip) {
        Ok(())
    } else {
        Err(FetchError::Refused(format!("{ip} is not a public address")))
    }
}

/// An HTTP client that only reaches addresses `policy` allows, on every hop.
pub fn client(policy: Arc<AddressPolicy>, timeout: Duration) -> reqwest::Result<reqwest::Client> {
    let redirects = policy.clone();
    reqwest::Client::builder()
        .dns_resolver(PolicyResolver(policy))
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error("too many redirects");
            }
            match check_literal(&redirects, attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(err) => attempt.error(err),
            }
        }))
        .no_proxy()
        // Malware hosts rarely have valid certificates; the sample matters, not the server.
        .tls_danger_accept_invalid_certs(true)
        .user_agent("Wget/1.21.2")
        .timeout(timeout)
        .build()
}

/// Fetches `url` with `client`: at most `max_bytes`, within `timeout`.
pub async fn fetch(
    client: &reqwest::Client,
    policy: &AddressPolicy,
    url: &str,
    max_bytes: u64,
    timeout: Duration,
) -> Result<Vec<u8>, FetchError> {
    let parsed = reqwest::Url::parse(url)
        .or_else(|_| reqwest::Url::parse(&format!("http://{url}")))
        .map_err(|_| FetchError::Unsupported(url.to_owned()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(FetchError::Unsupported(url.to_owned()));
    }
    check_literal(policy, &parsed)?;
    let body = async {
        let mut response = client
            .get(parsed)
            .send()
            .await
            .map_err(|e| network(e, timeout))?;
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        if response.content_length().is_some_and(|n| n > max_bytes) {
            return Err(FetchError::TooLarge(max_bytes));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| network(e, timeout))? {
            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                return Err(FetchError::TooLarge(max_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    };
    tokio::time::timeout(timeout, body)
        .await
        .map_err(|_| FetchError::TimedOut(timeout.as_secs()))?
}

/// A reqwest error as one line: a refusal from our resolver or redirect policy is reported as
/// such; otherwise the innermost cause.
fn network(err: reqwest::Error, timeout: Duration) -> FetchError {
    if err.is_timeout() {
        return FetchError::TimedOut(timeout.as_secs());
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    let mut last = err.to_string();
    while let Some(e) = source {
        if let Some(ours) = e.downcast_ref::<FetchError>() {
            return ours.clone();
        }
        last = e.to_string();
        source = e.source();
    }
    FetchError::Network(last)
}

/// A download an emulated command made, to be fetched for real.
#[derive(Message)]
#[rtype(result = "()")]
pub struct FetchSample {
    /// The session that asked (the events are its).
    pub origin: SessionOrigin,
    /// The URL as the command understood it.
    pub url: String,
    /// Where the command wrote its stand-in in the attacker's filesystem (empty: nowhere, as
    /// for `curl` to standard output).
    pub outfile: String,
    /// SHA-256 of the stand-in; the sample replaces the file only while it still has it.
    pub stand_in: String,
    /// The attacker's filesystem.
    pub files: SessionFiles,
}

/// The node's sample fetcher.
pub struct SampleFetcher {
    client: reqwest::Client,
    policy: Arc<AddressPolicy>,
    max_bytes: u64,
    timeout: Duration,
    store: UploadStore,
    sink: Recipient<Event>,
    turns: Arc<Semaphore>,
    /// Fetches running or waiting for a turn.
    pending: Arc<AtomicUsize>,
}

impl SampleFetcher {
    /// A fetcher storing samples in `<data_dir>/downloads`, announcing them to `sink`.
    pub fn new(
        config: &SamplesConfig,
        data_dir: &std::path::Path,
        sink: Recipient<Event>,
    ) -> reqwest::Result<SampleFetcher> {
        let policy = Arc::new(AddressPolicy::new(&config.allow_networks));
        let timeout = Duration::from_secs(config.timeout_secs.max(1));
        Ok(SampleFetcher {
            client: client(policy.clone(), timeout)?,
            policy,
            max_bytes: config.max_bytes,
            timeout,
            store: UploadStore::new(data_dir.join("downloads")),
            sink,
            turns: Arc::new(Semaphore::new(CONCURRENT_FETCHES)),
            pending: Arc::default(),
        })
    }
}

impl Actor for SampleFetcher {
    type Context = Context<Self>;
}

impl Handler<FetchSample> for SampleFetcher {
    type Result = ();

    fn handle(&mut self, msg: FetchSample, _: &mut Context<Self>) {
        let (client, policy, store, sink, turns, pending) = (
            self.client.clone(),
            self.policy.clone(),
            self.store.clone(),
            self.sink.clone(),
            self.turns.clone(),
            self.pending.clone(),
        );
        let (max_bytes, timeout) = (self.max_bytes, self.timeout);
        let busy = pending.fetch_add(1, Ordering::SeqCst) >= CONCURRENT_FETCHES + QUEUED_FETCHES;
        actix::spawn(async move {
            let result = if busy {
                Err(FetchError::Busy)
            } else {
                match turns.acquire().await {
                    Ok(_turn) => fetch(&client, &policy, &msg.url, max_bytes, timeout).await,
                    Err(_) => Err(FetchError::Busy),
                }
            };
            let kind = match result {
                Ok(bytes) => keep(&store, &msg, bytes).await,
                Err(err) => EventKind::FileDownloadFailed {
                    url: msg.url.clone(),
                    reason: err.to_string(),
                },
            };
            pending.fetch_sub(1, Ordering::SeqCst);
            sink.do_send(msg.origin.event(kind));
        });
    }
}

/// Stores a fetched sample and puts it in the attacker's filesystem in place of the stand-in.
async fn keep(store: &UploadStore, msg: &FetchSample, bytes: Vec<u8>) -> EventKind {
    let shasum = hex::encode(Sha256::digest(&bytes));
    let stored = {
        let (store, bytes) = (store.clone(), bytes.clone());
        tokio::task::spawn_blocking(move || store.store(&bytes)).await
    };
    if let Err(err) = stored.map_err(std::io::Error::other).and_then(|r| r) {
        tracing::warn!(url = %msg.url, error = %err, "Cannot store a fetched sample.");
    }
    if !msg.outfile.is_empty() && msg.outfile != "-" {
        msg.files.with(|fs| {
            let unchanged = fs
                .read(&msg.outfile)
                .is_ok_and(|now| hex::encode(Sha256::digest(&now)) == msg.stand_in);
            if unchanged {
                fs.write_data(&msg.outfile, Data::Bytes(Arc::new(bytes)), 0o644)
                    .ok();
            }
        });
    }
    EventKind::FileDownload {
        url: msg.url.clone(),
        outfile: msg.outfile.clone(),
        shasum,
    }
}

#[cfg(test)]
mod tests;
