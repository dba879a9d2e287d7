//! [`OverlayStore`]: keeps each attacker's overlay after their session ends, so a reconnect
//! from the same address as the same user finds the files they left (Cowrie forgets them,
//! and returning attackers notice).
//!
//! Sessions check an overlay out when they start and in when they end. Concurrent sessions
//! of one attacker share the same overlay, as two logins on one machine share its disk. An
//! overlay nobody uses is *parked*: it stays for [`StoreConfig::persist`] after its last
//! session ended, and the store keeps at most [`StoreConfig::max_parked`] parked overlays
//! holding at most [`StoreConfig::max_parked_bytes`] between them, dropping the longest
//! parked first. Time is passed in, so tests drive it. Overlays live in memory; with
//! [`OverlayStore::persisting_in`] they are also kept on disk (see [`persist`](super::persist))
//! and come back after a restart.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::accounts::Cred;
use super::handle::Fs;
use super::image::Image;
use super::overlay::{Limits, Overlay};
use super::persist::{self, Saver};
use crate::host::HostProfile;

/// An overlay shared by the sessions using it. The lock is held for one command line at a
/// time; a line that panics leaves the overlay as the line left it (a poisoned lock is taken
/// over, as a crashed process's writes stay on a real disk).
pub type SharedOverlay = Arc<Mutex<Overlay>>;

/// Locks a shared overlay, taking it over if a panicking line poisoned the lock.
pub fn lock(overlay: &SharedOverlay) -> std::sync::MutexGuard<'_, Overlay> {
    overlay.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whose files an overlay holds: the attacker's address and the user they logged in as.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OverlayKey {
    /// The source address.
    pub ip: IpAddr,
    /// The login name.
    pub user: String,
}

/// How long and how many overlays the store keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreConfig {
    /// How long an overlay stays after its last session ended (zero: forgotten at once).
    pub persist: Duration,
    /// Each overlay's quotas.
    pub limits: Limits,
    /// Most parked overlays kept.
    pub max_parked: usize,
    /// Most memory (per [`Usage::memory`](super::Usage::memory)) all parked overlays hold.
    pub max_parked_bytes: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            persist: Duration::from_secs(86_400),
            limits: Limits::default(),
            max_parked: 10_000,
            max_parked_bytes: 512 << 20,
        }
    }
}

struct Entry {
    overlay: SharedOverlay,
    /// Sessions using it now.
    active: usize,
    /// When the last session ended (for a parked overlay).
    parked_at: Instant,
}

/// Every overlay of the node, live and parked.
pub struct OverlayStore {
    image: Arc<Image>,
    host: Arc<HostProfile>,
    config: StoreConfig,
    entries: HashMap<OverlayKey, Entry>,
    /// Keeps the overlays on disk (`None`: memory only).
    saver: Option<Arc<Saver>>,
}

impl OverlayStore {
    /// A store of overlays on `image` of the host `host`.
    pub fn new(image: Arc<Image>, host: Arc<HostProfile>, config: StoreConfig) -> OverlayStore {
        OverlayStore {
            image,
            host,
            config,
            entries: HashMap::new(),
            saver: None,
        }
    }

    /// Keeps the overlays in `dir` from now on, and parks those saved there before (by an
    /// earlier run of the node) that are younger than the persistence time, aged by the time
    /// since they were saved. Without a usable `dir` the store stays memory-only.
    pub fn persisting_in(mut self, dir: PathBuf) -> OverlayStore {
        let saver = match Saver::start(dir.clone(), self.image.root().clone()) {
            Ok(saver) => saver,
            Err(err) => {
                tracing::warn!(dir = %dir.display(), error = %err, "Cannot keep overlays on disk; they live in memory only.");
                return self;
            }
        };
        let now = Instant::now();
        let wall = Utc::now().timestamp();
        let mut restored = 0;
        for saved in saver.load() {
            let key = OverlayKey {
                ip: saved.ip,
                user: saved.user,
            };
            let age = Duration::from_secs(u64::try_from(wall - saved.saved_at).unwrap_or(0));
            let parked_at = now.checked_sub(age);
            let Some(parked_at) = parked_at.filter(|_| age < self.config.persist) else {
                saver.forget(&key);
                continue;
            };
            let mut overlay = Overlay::new(&self.image, self.config.limits);
            persist::apply(&mut overlay, &saved.root);
            let overlay = Arc::new(Mutex::new(overlay));
            saver.track(&key, &overlay, true);
            self.entries.insert(
                key,
                Entry {
                    overlay,
                    active: 0,
                    parked_at,
                },
            );
            restored += 1;
        }
        self.saver = Some(saver);
        let dropped = self.expire(now);
        if restored > 0 {
            tracing::info!(
                restored = restored - dropped,
                dir = %dir.display(),
                "Attacker overlays restored."
            );
        }
        self
    }

    /// The base image.
    pub fn image(&self) -> &Arc<Image> {
        &self.image
    }

    /// The overlay for a session of `key` starting at `now`: the one a live or recent
    /// session of the same attacker used, or a fresh one with the user's home directory.
    /// Returns whether it was resumed.
    pub fn checkout(&mut self, key: OverlayKey, now: Instant) -> (SharedOverlay, bool) {
        self.checkout_at(key, now, Utc::now())
    }

    /// [`OverlayStore::checkout`] with the wall-clock time `wall` for a fresh home directory's
    /// timestamps (a replay's virtual time).
    pub fn checkout_at(
        &mut self,
        key: OverlayKey,
        now: Instant,
        wall: DateTime<Utc>,
    ) -> (SharedOverlay, bool) {
        self.expire(now);
        if let Some(entry) = self.entries.get_mut(&key) {
            entry.active += 1;
            return (entry.overlay.clone(), true);
        }
        let mut overlay = Overlay::new(&self.image, self.config.limits);
        provision_home(&mut overlay, &self.host, &key.user, wall);
        let overlay = Arc::new(Mutex::new(overlay));
        if let Some(saver) = &self.saver {
            saver.track(&key, &overlay, false);
        }
        self.entries.insert(
            key,
            Entry {
                overlay: overlay.clone(),
                active: 1,
                parked_at: now,
            },
        );
        (overlay, false)
    }

    /// A session of `key` ended at `now`: the overlay is parked once no session uses it.
    pub fn checkin(&mut self, key: &OverlayKey, now: Instant) {
        if let Some(entry) = self.entries.get_mut(key) {
            entry.active = entry.active.saturating_sub(1);
            if entry.active == 0 {
                entry.parked_at = now;
                if let Some(saver) = &self.saver {
                    saver.save(key);
                }
            }
        }
        self.expire(now);
    }

    /// Drops parked overlays older than the persistence time, then the longest parked ones
    /// beyond the count and memory bounds. Returns how many were dropped.
    pub fn expire(&mut self, now: Instant) -> usize {
        let before = self.entries.len();
        let persist = self.config.persist;
        let saver = self.saver.clone();
        self.entries.retain(|key, e| {
            let keep = e.active > 0
                || (persist > Duration::ZERO && now.duration_since(e.parked_at) < persist);
            if !keep && let Some(saver) = &saver {
                saver.forget(key);
            }
            keep
        });
        let mut parked: Vec<(Instant, OverlayKey, u64)> = self
            .entries
            .iter()
            .filter(|(_, e)| e.active == 0)
            .map(|(k, e)| (e.parked_at, k.clone(), lock(&e.overlay).usage().memory()))
            .collect();
        parked.sort_by_key(|(at, _, _)| *at);
        let mut count = parked.len();
        let mut bytes: u64 = parked.iter().map(|(_, _, b)| b).sum();
        for (_, key, size) in parked {
            if count <= self.config.max_parked && bytes <= self.config.max_parked_bytes {
                break;
            }
            self.entries.remove(&key);
            if let Some(saver) = &self.saver {
                saver.forget(&key);
            }
            count -= 1;
            bytes -= size;
        }
        before - self.entries.len()
    }

    /// How many overlays the store holds (live and parked).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the store holds no overlay.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Gives `user` an account and a home directory if the image has none for them: an attacker
/// may log in as any name, and `id`, `/etc/passwd` and the prompt's directory must agree.
/// The account, directory and skeleton files are made as `adduser` makes them.
pub fn provision_home(overlay: &mut Overlay, host: &HostProfile, user: &str, now: DateTime<Utc>) {
    if !valid_name(user) {
        // No account could have this name; nothing to make.
        return;
    }
    let mut fs = Fs::new(overlay, host, Cred::root(), now, "/");
    let accounts = fs.accounts();
    if user != "root" && accounts.user(user).is_none() {
        // Like `adduser`: the next free uid from 1000, a group of its own, a locked password.
        let uid = (1000..60_000)
            .find(|id| accounts.user_by_uid(*id).is_none() && accounts.group_by_gid(*id).is_none())
            .unwrap_or(1000);
        let day = now.timestamp() / 86_400;
        fs.write(
            "/etc/passwd",
            format!("{user}:x:{uid}:{uid}:,,,:/home/{user}:/bin/bash\n").as_bytes(),
            true,
        )
        .ok();
        fs.write("/etc/group", format!("{user}:x:{uid}:\n").as_bytes(), true)
            .ok();
        fs.write(
            "/etc/shadow",
            format!("{user}:!:{day}:0:99999:7:::\n").as_bytes(),
            true,
        )
        .ok();
    }
    let accounts = fs.accounts();
    let cred = accounts.cred(user);
    let home = accounts.user(user).map_or_else(
        || {
            if user == "root" {
                "/root".to_owned()
            } else {
                format!("/home/{user}")
            }
        },
        |u| u.home.clone(),
    );
    if fs.exists(&home) || !home.starts_with('/') {
        return;
    }
    if fs.mkdir_all(&home, 0o777).is_err() {
        return;
    }
    fs.chmod(&home, 0o750).ok();
    fs.chown(&home, Some(cred.uid), Some(cred.gid), false).ok();
    for (path, data) in super::ubuntu::skeleton(&home) {
        let Some(data) = data else { continue };
        if fs.write_data(&path, data, 0o644).is_ok() {
            fs.chown(&path, Some(cred.uid), Some(cred.gid), false).ok();
        }
    }
}

/// Whether `name` is a login name `adduser` would accept (and safe in `/etc/passwd`).
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !name.starts_with('-')
        && !name.starts_with('.')
}
