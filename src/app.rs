//! Builds the node from a [`Config`]: actors, listeners, and the one shutdown path.
//!
//! [`Node::start`] runs inside an actix `System`. It never waits for the database: the store
//! connects lazily and events spool on disk until it answers. The SSH decoy runs on its own
//! multi-threaded tokio runtime so key exchanges never stall the actors; actix-web's own signal
//! handling is off ([`HttpServer::disable_signals`]) because it would stop every arbiter while
//! SSH still accepts. [`run`] waits for SIGTERM or SIGINT and calls [`Node::shutdown`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use actix::prelude::*;
use actix_web::dev::ServerHandle;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use tokio::sync::watch;

mod shutdown;

use crate::actors::alert::AlertActor;
use crate::actors::correlation::CorrelationActor;
use crate::actors::sample_fetcher::SampleFetcher;
use crate::actors::session::{Recordings, Reflexes, SessionDeps};
use crate::actors::session_manager::SessionManager;
use crate::actors::sink::{EventInbox, EventSink, InboxQueue, SubscribeShared};
use crate::admin::{AdminState, Readiness};
use crate::config::Config;
use crate::host::HostProfile;
use crate::host::fs::{Limits, OverlayStore, StoreConfig};
use crate::metrics::{HttpTiming, Metrics, observe_http_latency};
use crate::outputs::jsonlog::JsonLog;
use crate::outputs::webhook::Dispatcher;
use crate::protocols::ssh::auth::AuthPolicy;
use crate::protocols::ssh::keys::HostKeys;
use crate::protocols::ssh::profile::SshProfile;
use crate::protocols::ssh::server::{self as ssh, SshDeps};
use crate::shell::Shell;
use crate::sim::clock::Clock;
use crate::store::spool::Spool;
use crate::store::{self, EventStore};

/// How long shutdown keeps trying to drain the spool into the store.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(3);

/// Why the node could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A file or directory under the data directory could not be used.
    #[error("cannot use {path}")]
    DataDir {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A listener could not bind.
    #[error("cannot listen on {addr} ({listener})")]
    Bind {
        /// Which listener.
        listener: &'static str,
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The host keys could not be loaded or made.
    #[error("host keys")]
    Keys(#[from] crate::protocols::ssh::keys::KeyError),
    /// The host profile could not be loaded or made.
    #[error("host profile")]
    Host(#[from] crate::host::HostError),
    /// The store could not be set up.
    #[error("event store")]
    Store(#[from] store::StoreError),
    /// A setting is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// The honeytokens could not be loaded or made.
    #[error("honeytokens")]
    Honeytokens(#[from] crate::honeytokens::HoneytokenError),
    /// The sample fetcher's HTTP client could not be built.
    #[error("sample fetcher: {0}")]
    Samples(String),
    /// The trained models could not be loaded.
    #[error("models")]
    Models(#[from] crate::models::bundle::LoadError),
    /// The signal handlers could not be installed.
    #[error("signal handling")]
    Signals(#[source] std::io::Error),
}

/// The trained models in `dir`, with a warning when there are none.
fn load_models(dir: &Path) -> Result<crate::models::ModelHandle, AppError> {
    let models = crate::models::Models::load(dir)?;
    if models.present().is_empty() {
        tracing::warn!(dir = %dir.display(), "No trained models: classification by rules only, no prediction.");
    } else {
        tracing::info!(dir = %dir.display(), version = models.version(), models = ?models.present(), "Models loaded.");
    }
    // Layer 1's node memory: starts empty, fed by this node's finished sessions.
    Ok(crate::models::ModelHandle::new(models).with_memory(Default::default()))
}

/// A running node.
pub struct Node {
    /// This node's id, stamped on every event.
    pub node_id: String,
    /// Where the SSH decoy listens.
    pub ssh_addr: SocketAddr,
    /// Where the HTTP decoy listens.
    pub http_addr: SocketAddr,
    /// Where the admin listener listens.
    pub admin_addr: SocketAddr,
    /// The event sink.
    pub sink: Addr<EventSink>,
    /// The session manager.
    pub manager: Addr<SessionManager>,
    /// The alert actor.
    pub alerts: Addr<AlertActor>,
    /// The honeytoken-use and attacker-record actor (`None`: honeytokens off).
    pub correlation: Option<Addr<CorrelationActor>>,
    /// The event store.
    pub store: Arc<dyn EventStore>,
    /// The Layer 3 strategy actor (`None`: `strategy.mode = "off"`).
    pub strategy: Option<Addr<crate::actors::strategy::StrategyActor>>,
    /// Node metrics.
    pub metrics: Metrics,
    readiness: Arc<Readiness>,
    ssh_shutdown: watch::Sender<bool>,
    ssh_task: tokio::task::JoinHandle<()>,
    ssh_runtime: SshRuntime,
    http_shutdown: watch::Sender<bool>,
    http_task: tokio::task::JoinHandle<()>,
    admin: ServerHandle,
    arbiters: Vec<Arbiter>,
    /// Runs the webhook delivery tasks; stopped last, so alerts still waiting are dead-lettered.
    webhook_arbiter: Option<Arbiter>,
    /// The Layer 0 reflexes, whose buckets are saved at shutdown (`None`: off).
    reflex: Option<Arc<Reflexes>>,
}

impl Node {
    /// Starts every actor and listener. Must run inside an actix `System`.
    pub async fn start(config: Config) -> Result<Node, AppError> {
        // Every listener binds before any actor or runtime starts, so a taken port is a clean
        // error and nothing is left half-started.
        let std_listener = bind("ssh", config.ssh.listen)?;
        let ssh_addr = local_addr("ssh", config.ssh.listen, &std_listener)?;
        let http_listener = bind("http", config.http.listen)?;
        let http_addr = local_addr("http", config.http.listen, &http_listener)?;
        let admin_listener = bind("admin", config.admin.listen)?;
        let admin_addr = local_addr("admin", config.admin.listen, &admin_listener)?;
        let data_dir = config.data_dir.clone();
        create_dir(&data_dir)?;
        let node_id = node_id(&data_dir)?;
        let mut host = HostProfile::load_or_create(&data_dir)?;
        let models = load_models(&config.models.dir)?;
        // Layer 0 reflexes; their token buckets outlive restarts in `reflex/buckets.json`.
        let reflex = config
            .reflex
            .load_rules()
            .map_err(|err| AppError::Config(format!("reflex.rules: {err}")))?
            .map(|rules| {
                let path = data_dir.join("reflex").join("buckets.json");
                Arc::new(Reflexes::new(rules, Some(path)))
            });
        if let Some(reflex) = &reflex {
            Reflexes::save_periodically(reflex.clone());
        }
        // The SSH decoy's OpenSSH release, installed on the fake host so `ssh -V` and the
        // package list agree with the banner.
        let ssh_profile = SshProfile::select(&config.ssh.profile, &host.distro)
            .map_err(|err| AppError::Config(err.to_string()))?;
        ssh_profile.install(&mut host);
        let host = Arc::new(host);
        let honeytokens =
            crate::honeytokens::Honeytokens::load_or_create(&data_dir, &host, &config.honeytokens)?;
        let keys = HostKeys::load_or_generate(&data_dir.join("keys"))?;
        let metrics = Metrics::new();

        let store = store::open(&config.database, &data_dir)?;
        // Sessions this node's previous run left open (it crashed or was killed) end now.
        actix_rt::spawn(store::sessions::close_left_open(
            store.clone(),
            node_id.clone(),
            chrono::Utc::now(),
        ));
        let spool_dir = data_dir.join("spool");
        let spool = Spool::open(&spool_dir).map_err(|source| AppError::DataDir {
            path: spool_dir,
            source,
        })?;
        let log = if config.log.enabled {
            let path = config.log_path();
            Some(
                JsonLog::open(&path, &config.log)
                    .map_err(|source| AppError::DataDir { path, source })?,
            )
        } else {
            None
        };

        let inbox = InboxQueue::new();
        let sink = {
            let (store, metrics) = (store.clone(), metrics.clone());
            let panic_on_event =
                Some(config.fault.panic_on_event.clone()).filter(|s| !s.is_empty());
            if panic_on_event.is_some() {
                tracing::warn!("Fault injection is on: the event sink panics on matching events.");
            }
            let inbox = inbox.clone();
            Supervisor::start(move |_| {
                EventSink::new(spool, store, log, metrics)
                    .with_panic_on_event(panic_on_event)
                    .with_inbox(inbox)
            })
        };
        // The SSH decoy's threads hand their events over in batches.
        let ssh_events = EventInbox::new(inbox, sink.clone().recipient());
        // Alert webhooks: one delivery task per webhook on an arbiter of their own, so a slow
        // webhook never touches the sessions' threads.
        let (webhooks, webhook_workers) = Dispatcher::build(&config.alert, &data_dir, &metrics)
            .map_err(|err| AppError::Config(crate::error_chain(&err)))?;
        let webhook_arbiter = (!webhook_workers.is_empty()).then(|| {
            let arbiter = Arbiter::new();
            for worker in webhook_workers {
                arbiter.spawn(worker.run());
            }
            arbiter
        });
        let alerts = {
            let (sink, alert_config, metrics) = (
                sink.clone().recipient(),
                config.alert.clone(),
                metrics.clone(),
            );
            Supervisor::start(move |_| {
                AlertActor::with_config(sink, &alert_config, webhooks, metrics)
            })
        };
        // Only the kinds some alert rule acts on: the rest would wake the actor for nothing.
        sink.do_send(SubscribeShared {
            recipient: alerts.clone().recipient(),
            wants: crate::actors::alert::rules::watches,
        });
        // Honeytoken use and attacker records: sees every event.
        let correlation = config.honeytokens.enabled.then(|| {
            let (tokens, sink, dir) = (
                honeytokens.clone(),
                sink.clone().recipient(),
                data_dir.clone(),
            );
            let max_ips = config.honeytokens.link_max_ips;
            Supervisor::start(move |_| CorrelationActor::new(tokens, sink, &dir, max_ips))
        });
        if let Some(correlation) = &correlation {
            sink.do_send(SubscribeShared {
                recipient: correlation.clone().recipient(),
                wants: crate::actors::sink::every_kind,
            });
        }

        let workers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 4);
        let mut arbiters: Vec<Arbiter> = (0..workers).map(|_| Arbiter::new()).collect();
        let samples = if config.samples.fetch {
            tracing::warn!(
                "Sample fetching is on: attackers' HTTP downloads are fetched for real."
            );
            let fetcher = SampleFetcher::new(&config.samples, &data_dir, sink.clone().recipient())
                .map_err(|err| AppError::Samples(err.to_string()))?;
            // Its own arbiter: fetches are async, but their bookkeeping stays off the
            // sessions' threads.
            let arbiter = Arbiter::new();
            let addr = SampleFetcher::start_in_arbiter(&arbiter.handle(), move |_| fetcher);
            arbiters.push(arbiter);
            Some(addr.recipient())
        } else {
            None
        };
        // Layer 3: the sessions' deception settings; its learned state is kept in the store.
        let strategy = crate::actors::strategy::start(
            &config.strategy,
            metrics.strategy.clone(),
            Some((store.clone(), node_id.clone())),
        );
        // Live terminals the admin UI can watch (fed by the sessions' recordings).
        let tty_watchers = crate::outputs::tty_watch::TtyWatchers::default();
        let manager = {
            let handles = arbiters[..workers].iter().map(Arbiter::handle).collect();
            let panic_on_input =
                Some(config.fault.panic_on_input.clone()).filter(|s| !s.is_empty());
            if panic_on_input.is_some() {
                tracing::warn!("Fault injection is on: sessions panic on matching input.");
            }
            let panic_on_classify =
                Some(config.fault.panic_on_classify.clone()).filter(|s| !s.is_empty());
            if panic_on_classify.is_some() {
                tracing::warn!("Fault injection is on: classification panics on matching input.");
            }
            let shell = Shell::new(host.clone());
            // Honeytoken files go into the image before any session shares it.
            let mut image = crate::host::fs::Image::clone(shell.image());
            image.plant(honeytokens.files());
            let shell = Arc::new(Shell::with_image(host.clone(), Arc::new(image)));
            let overlays = OverlayStore::new(
                shell.image().clone(),
                host.clone(),
                StoreConfig {
                    persist: Duration::from_secs(config.fs.persist_secs),
                    limits: Limits {
                        max_bytes: config.fs.overlay_max_bytes,
                        max_entries: config.fs.overlay_max_files,
                    },
                    ..StoreConfig::default()
                },
            )
            // Attacker overlays survive a restart (also SIGKILL: saved every few seconds).
            .persisting_in(data_dir.join("overlays"));
            // Layer 4: only when the operator turned it on does anything leave the node.
            let persona = match config.persona.enabled {
                true => Some(
                    crate::actors::persona::start(&config.persona, &host, &metrics)
                        .map_err(|err| AppError::Config(format!("persona: {err}")))?,
                ),
                false => None,
            };
            let deps = SessionDeps {
                shell,
                sink: ssh_events.clone().into(),
                metrics: metrics.clone(),
                panic_on_input,
                panic_on_classify,
                recordings: config.recording.enabled.then(|| Recordings {
                    data_dir: data_dir.clone(),
                    max_bytes: config.recording.max_bytes,
                    watchers: tty_watchers.clone(),
                }),
                samples,
                clock: Clock::System,
                models: models.clone(),
                reflex: reflex.clone(),
                persona: persona.clone(),
                strategy: strategy.clone(),
            };
            Supervisor::start(move |_| SessionManager::new(handles, deps, overlays))
        };

        let readiness = Arc::new(Readiness::default());

        // SSH decoy, on its own runtime.
        let policy = AuthPolicy::from_config(&config.auth).map_err(AppError::Config)?;
        let ssh_config = Arc::new(ssh::russh_config(
            keys.keys,
            Duration::from_millis(config.ssh.auth_rejection_time_ms),
            ssh_profile,
            (config.ssh.idle_timeout_secs > 0)
                .then(|| Duration::from_secs(config.ssh.idle_timeout_secs)),
        ));
        let ssh_runtime = SshRuntime(Some(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .thread_name("mirage-ssh")
                .enable_all()
                .build()
                .map_err(|source| AppError::Bind {
                    listener: "ssh",
                    addr: ssh_addr,
                    source,
                })?,
        ));
        let (ssh_shutdown, shutdown_rx) = watch::channel(false);
        let deps = Arc::new(SshDeps {
            node: node_id.clone(),
            sink: ssh_events,
            manager: manager.clone(),
            policy,
            metrics: metrics.clone(),
            profile: ssh_profile,
            login_grace_time: (config.ssh.login_grace_time_secs > 0)
                .then(|| Duration::from_secs(config.ssh.login_grace_time_secs)),
            uploads: crate::protocols::ssh::uploads::UploadConfig {
                dir: config.data_dir.join("uploads"),
                max_bytes: config.ssh.upload_max_bytes,
            },
            reflex: reflex.clone(),
            limits: crate::protocols::ssh::limits::SessionLimits::new(
                config.ssh.max_sessions,
                config.ssh.max_sessions_per_ip,
            ),
        });
        let ssh_task = {
            let _guard = ssh_runtime.enter();
            let listener = tokio::net::TcpListener::from_std(std_listener).map_err(|source| {
                AppError::Bind {
                    listener: "ssh",
                    addr: ssh_addr,
                    source,
                }
            })?;
            ssh_runtime.spawn(ssh::serve(listener, ssh_config, deps, shutdown_rx))
        };
        readiness.ssh.store(true, Ordering::SeqCst);
        tracing::info!(protocol = "ssh", addr = %ssh_addr, "Listener up.");

        // HTTP decoy: our own HTTP/1.x front (see `protocols::http`), not actix-web.
        let (http_shutdown, http_task) = {
            let limiter = Arc::new(crate::protocols::http::limits::Limiter::open(
                crate::protocols::http::limits::LimitConfig {
                    per_minute: config.http.rate_limit_per_minute,
                    max_failures: config.http.login_max_failures,
                    lockout_secs: config.http.login_lockout_secs,
                },
                Some(data_dir.join("http").join("limits.json")),
            ));
            let site = crate::protocols::http::Site::new(
                config.http.lure,
                host.clone(),
                honeytokens.clone(),
                limiter,
            );
            let decoy = Arc::new(crate::protocols::http::HttpDecoy {
                site: Arc::new(site),
                sessions: crate::protocols::http::sessions::HttpSessions::new(
                    node_id.clone(),
                    manager.clone(),
                    sink.clone().recipient(),
                    metrics.clone(),
                    Duration::from_secs(config.http.session_idle_secs),
                ),
                sink: sink.clone().recipient(),
                metrics: metrics.clone(),
                latency: crate::protocols::http::Latency {
                    min_ms: config.strategy.http_latency_min_ms,
                    max_ms: config.strategy.http_latency_max_ms,
                },
                node: node_id.clone(),
                limits: crate::protocols::ssh::limits::SessionLimits::new(
                    0,
                    config.http.max_connections_per_ip,
                ),
            });
            let listener = tokio::net::TcpListener::from_std(http_listener).map_err(|source| {
                AppError::Bind {
                    listener: "http",
                    addr: http_addr,
                    source,
                }
            })?;
            let (tx, rx) = watch::channel(false);
            (
                tx,
                actix_rt::spawn(crate::protocols::http::serve(listener, decoy, rx)),
            )
        };
        readiness.http.store(true, Ordering::SeqCst);
        tracing::info!(protocol = "http", addr = %http_addr, lure = config.http.lure.as_str(), "Listener up.");

        // Admin.
        let state = AdminState {
            metrics: metrics.clone(),
            readiness: readiness.clone(),
            store: store.clone(),
            token: config.admin.token.clone(),
            correlation: correlation.clone(),
            models: crate::admin::ModelsState {
                handle: models.clone(),
                dir: config.models.dir.clone(),
            },
        };
        let admin_timing = HttpTiming {
            metrics: metrics.clone(),
            listener: "admin",
        };
        // The admin UI: login guard, live feed (fed by the sink), page settings.
        let auth = web::Data::new(crate::admin::auth::Auth::new(&config.admin.token));
        let live = web::Data::from(crate::admin::live::LiveState::start(&sink));
        let pages = web::Data::new(crate::admin::pages::PageConfig {
            data_dir: data_dir.clone(),
            node: node_id.clone(),
            honeytokens: config.honeytokens.enabled.then(|| honeytokens.clone()),
        });
        let api = web::Data::new(crate::admin::api::ApiConfig {
            data_dir: data_dir.clone(),
            honeytokens: config.honeytokens.enabled.then(|| honeytokens.clone()),
        });
        let admin = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(state.clone()))
                .app_data(api.clone())
                .app_data(web::Data::new(admin_timing.clone()))
                .app_data(auth.clone())
                .app_data(live.clone())
                .app_data(pages.clone())
                .app_data(web::Data::new(tty_watchers.clone()))
                .wrap(from_fn(crate::admin::auth::guard))
                .wrap(from_fn(observe_http_latency))
                .configure(crate::admin::configure)
        })
        .workers(1)
        // Live feeds (SSE) never end by themselves: do not let them hold up a shutdown.
        .shutdown_timeout(2)
        .disable_signals()
        .listen(admin_listener)
        .map_err(|source| AppError::Bind {
            listener: "admin",
            addr: admin_addr,
            source,
        })?
        .run();
        let admin_handle = admin.handle();
        actix_rt::spawn(admin);
        readiness.admin.store(true, Ordering::SeqCst);
        tracing::info!(protocol = "admin", addr = %admin_addr, "Listener up.");
        tracing::info!(node = %node_id, hostname = %host.hostname, store = store.backend(), "Node running.");

        Ok(Node {
            node_id,
            ssh_addr,
            http_addr,
            admin_addr,
            sink,
            manager,
            alerts,
            correlation,
            store,
            strategy,
            metrics,
            readiness,
            ssh_shutdown,
            ssh_task,
            ssh_runtime,
            http_shutdown,
            http_task,
            admin: admin_handle,
            arbiters,
            webhook_arbiter,
            reflex,
        })
    }
}

/// Runs a node until SIGTERM or SIGINT, then shuts it down cleanly.
pub fn run(config: Config) -> Result<(), AppError> {
    let system = actix_rt::System::new();
    let result = system.block_on(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).map_err(AppError::Signals)?;
        let mut int = signal(SignalKind::interrupt()).map_err(AppError::Signals)?;
        let node = Node::start(config).await?;
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: shutting down."),
            _ = int.recv() => tracing::info!("SIGINT: shutting down."),
        }
        node.shutdown().await;
        tracing::info!("Stopped.");
        Ok(())
    });
    actix_rt::System::current().stop();
    result
}

fn create_dir(path: &Path) -> Result<(), AppError> {
    std::fs::create_dir_all(path).map_err(|source| AppError::DataDir {
        path: path.to_owned(),
        source,
    })
}

/// The node's id: made on first start, kept in `<data_dir>/node_id`.
fn node_id(data_dir: &Path) -> Result<String, AppError> {
    let path = data_dir.join("node_id");
    match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => return Ok(text.trim().to_owned()),
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => return Err(AppError::DataDir { path, source }),
    }
    let id = format!("mirage-{:08x}", rand::random::<u32>());
    std::fs::write(&path, format!("{id}\n"))
        .map_err(|source| AppError::DataDir { path, source })?;
    Ok(id)
}

/// The SSH decoy's runtime. Dropping a tokio runtime inside the actix system's async context
/// panics, so it is always shut down in the background: at shutdown, or when `Node::start`
/// fails after building it.
struct SshRuntime(Option<tokio::runtime::Runtime>);

impl std::ops::Deref for SshRuntime {
    type Target = tokio::runtime::Runtime;

    fn deref(&self) -> &tokio::runtime::Runtime {
        self.0.as_ref().expect("the runtime is only taken on drop")
    }
}

impl Drop for SshRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

fn bind(listener: &'static str, addr: SocketAddr) -> Result<std::net::TcpListener, AppError> {
    let socket = std::net::TcpListener::bind(addr).map_err(|source| AppError::Bind {
        listener,
        addr,
        source,
    })?;
    socket
        .set_nonblocking(true)
        .map_err(|source| AppError::Bind {
            listener,
            addr,
            source,
        })?;
    Ok(socket)
}

fn local_addr(
    listener: &'static str,
    addr: SocketAddr,
    socket: &std::net::TcpListener,
) -> Result<SocketAddr, AppError> {
    socket.local_addr().map_err(|source| AppError::Bind {
        listener,
        addr,
        source,
    })
}
