//! Attacker overlays on disk, so a node restart (also after SIGKILL) keeps the files a
//! returning attacker left.
//!
//! Each overlay is one file, `<dir>/<hash of address and user>.json`, holding what differs from
//! the base image: per directory, the entries the attacker added or replaced (whole nodes with
//! their metadata and contents), the image's entries they removed, and the directory's own
//! metadata. Walking the difference is cheap: every node the attacker never touched is still
//! the image's own (`Arc::ptr_eq`), so only the copied paths are visited.
//!
//! Files are written atomically (a temporary file in the same directory, then a rename): when
//! an overlay is parked, and every [`SAVE_EVERY`] by a background thread for the overlays in
//! use, if they changed. A file is removed when the store drops its overlay (expired or past
//! the bounds). At start the store reads them back into parked overlays, aged by the time
//! since they were saved, and loads them within each overlay's quotas.

use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::node::{Data, Device, Kind, Meta, Node, Timestamp};
use super::overlay::Overlay;
use super::store::{OverlayKey, SharedOverlay, lock};

/// How often overlays in use are saved (when they changed).
pub const SAVE_EVERY: Duration = Duration::from_secs(2);

/// One overlay as stored on disk.
#[derive(Debug, Serialize, Deserialize)]
pub struct SavedOverlay {
    /// The attacker's source address.
    pub ip: IpAddr,
    /// The login name.
    pub user: String,
    /// When it was written, in seconds since the Unix epoch.
    pub saved_at: i64,
    /// What differs from the image, from the root down.
    pub root: DirPatch,
}

/// What differs in one directory that both the image and the overlay have.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct DirPatch {
    meta: SavedMeta,
    owned: bool,
    /// Entries that differ, by name.
    children: BTreeMap<String, Patch>,
    /// Names the image has here and the overlay no longer does.
    removed: Vec<String>,
}

/// One differing entry.
#[derive(Debug, Serialize, Deserialize)]
enum Patch {
    /// A directory of the image, changed below.
    Dir(DirPatch),
    /// A node the image does not have here (or has as another thing): all of it.
    Node(SavedNode),
}

/// A whole node and what is below it.
#[derive(Debug, Serialize, Deserialize)]
struct SavedNode {
    meta: SavedMeta,
    owned: bool,
    kind: SavedKind,
}

#[derive(Debug, Serialize, Deserialize)]
enum SavedKind {
    Dir(BTreeMap<String, SavedNode>),
    /// Contents in hex.
    Bytes(String),
    Binary {
        program: String,
        size: u64,
    },
    Proc,
    Zeros(u64),
    Symlink(String),
    Device(SavedDevice),
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum SavedDevice {
    Null,
    Zero,
    Full,
    Random,
    Urandom,
    Tty,
}

#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize)]
struct SavedMeta {
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: (i64, u32),
    ctime: (i64, u32),
    ino: u64,
}

impl From<Meta> for SavedMeta {
    fn from(m: Meta) -> Self {
        SavedMeta {
            mode: m.mode,
            uid: m.uid,
            gid: m.gid,
            mtime: (m.mtime.secs, m.mtime.nanos),
            ctime: (m.ctime.secs, m.ctime.nanos),
            ino: m.ino,
        }
    }
}

impl From<SavedMeta> for Meta {
    fn from(m: SavedMeta) -> Self {
        let ts = |(secs, nanos): (i64, u32)| Timestamp {
            secs,
            nanos: nanos.min(999_999_999),
        };
        Meta {
            mode: m.mode,
            uid: m.uid,
            gid: m.gid,
            mtime: ts(m.mtime),
            ctime: ts(m.ctime),
            ino: m.ino,
        }
    }
}

/// What `overlay` changed of `image_root`.
pub fn diff(image_root: &Node, overlay: &Overlay) -> DirPatch {
    diff_dir(image_root, overlay.root())
}

fn diff_dir(image: &Node, ours: &Node) -> DirPatch {
    let mut patch = DirPatch {
        meta: ours.meta.into(),
        owned: ours.owned,
        ..DirPatch::default()
    };
    let (Some(theirs), Some(mine)) = (image.dir(), ours.dir()) else {
        return patch;
    };
    for (name, node) in mine {
        match theirs.get(name) {
            Some(base) if Arc::ptr_eq(base, node) => {}
            Some(base) if base.dir().is_some() && node.dir().is_some() => {
                patch
                    .children
                    .insert(name.clone(), Patch::Dir(diff_dir(base, node)));
            }
            _ => {
                patch
                    .children
                    .insert(name.clone(), Patch::Node(snapshot(node)));
            }
        }
    }
    patch.removed = theirs
        .keys()
        .filter(|name| !mine.contains_key(*name))
        .cloned()
        .collect();
    patch
}

fn snapshot(node: &Node) -> SavedNode {
    let kind = match &node.kind {
        Kind::Dir(dir) => SavedKind::Dir(
            dir.iter()
                .map(|(name, child)| (name.clone(), snapshot(child)))
                .collect(),
        ),
        Kind::File(Data::Bytes(bytes)) => SavedKind::Bytes(hex::encode(bytes.as_slice())),
        Kind::File(Data::Static(bytes)) => SavedKind::Bytes(hex::encode(bytes)),
        Kind::File(Data::Binary { program, size }) => SavedKind::Binary {
            program: program.to_string(),
            size: *size,
        },
        Kind::File(Data::Proc) => SavedKind::Proc,
        Kind::File(Data::Zeros(size)) => SavedKind::Zeros(*size),
        Kind::Symlink(target) => SavedKind::Symlink(target.to_string()),
        Kind::Device(device) => SavedKind::Device(match device {
            Device::Null => SavedDevice::Null,
            Device::Zero => SavedDevice::Zero,
            Device::Full => SavedDevice::Full,
            Device::Random => SavedDevice::Random,
            Device::Urandom => SavedDevice::Urandom,
            Device::Tty => SavedDevice::Tty,
        }),
    };
    SavedNode {
        meta: node.meta.into(),
        owned: node.owned,
        kind,
    }
}

/// Applies `patch` to `overlay` (a fresh one on the same image). What does not fit the
/// overlay's quotas, or no longer matches the image, is left out.
pub fn apply(overlay: &mut Overlay, patch: &DirPatch) {
    let mut top_ino = 0;
    apply_dir(overlay, "/", patch, &mut top_ino);
    // New files get inode numbers past the restored ones.
    while overlay.next_ino() < top_ino {}
}

fn join(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

fn apply_dir(overlay: &mut Overlay, path: &str, patch: &DirPatch, top_ino: &mut u64) {
    for name in &patch.removed {
        // Gone already (the image changed): nothing to remove.
        let _gone = overlay.remove(path, name, Timestamp::default(), false);
    }
    for (name, child) in &patch.children {
        match child {
            Patch::Dir(sub) => apply_dir(overlay, &join(path, name), sub, top_ino),
            Patch::Node(node) => insert_tree(overlay, path, name, node, top_ino),
        }
    }
    if let Ok(dir) = overlay.node_mut(path)
        && dir.dir().is_some()
    {
        dir.meta = patch.meta.into();
        dir.owned |= patch.owned;
        *top_ino = (*top_ino).max(patch.meta.ino);
    }
}

fn insert_tree(overlay: &mut Overlay, parent: &str, name: &str, saved: &SavedNode, top: &mut u64) {
    let kind = match &saved.kind {
        SavedKind::Dir(_) => Kind::Dir(Default::default()),
        SavedKind::Bytes(text) => match hex::decode(text) {
            Ok(bytes) => Kind::File(Data::Bytes(Arc::new(bytes))),
            Err(_) => return,
        },
        SavedKind::Binary { program, size } => Kind::File(Data::Binary {
            program: Arc::from(program.as_str()),
            size: *size,
        }),
        SavedKind::Proc => Kind::File(Data::Proc),
        SavedKind::Zeros(size) => Kind::File(Data::Zeros(*size)),
        SavedKind::Symlink(target) => Kind::Symlink(Arc::from(target.as_str())),
        SavedKind::Device(device) => Kind::Device(match device {
            SavedDevice::Null => Device::Null,
            SavedDevice::Zero => Device::Zero,
            SavedDevice::Full => Device::Full,
            SavedDevice::Random => Device::Random,
            SavedDevice::Urandom => Device::Urandom,
            SavedDevice::Tty => Device::Tty,
        }),
    };
    let node = Node {
        meta: saved.meta.into(),
        kind,
        owned: saved.owned,
    };
    if overlay
        .insert(parent, name, node, Timestamp::default(), false)
        .is_err()
    {
        // Past the quotas (or the parent is gone): the rest of this subtree stays out.
        return;
    }
    *top = (*top).max(saved.meta.ino);
    let path = join(parent, name);
    if let SavedKind::Dir(children) = &saved.kind {
        for (child_name, child) in children {
            insert_tree(overlay, &path, child_name, child, top);
        }
        // Inserting children touched the directory's times: put back the saved ones.
        if let Ok(dir) = overlay.node_mut(&path) {
            dir.meta = saved.meta.into();
        }
    }
}

/// The file name of `key`'s overlay: a hash, as the login name is whatever the attacker sent.
pub fn file_name(key: &OverlayKey) -> String {
    let mut hash = Sha256::new();
    hash.update(key.ip.to_string().as_bytes());
    hash.update([0]);
    hash.update(key.user.as_bytes());
    format!("{}.json", &hex::encode(hash.finalize())[..32])
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // One writer per file (the saver's lock is held), so one temporary name per file is enough.
    let tmp = path.with_extension("json.tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    // No fsync: the rename is atomic against the process dying (SIGKILL), which is what this
    // guards; a power loss may cost the last save.
    std::fs::rename(&tmp, path)
}

/// An overlay the saver keeps on disk.
struct Tracked {
    overlay: SharedOverlay,
    /// A hash of what was last written (`None`: nothing yet).
    written: Option<u64>,
}

/// Keeps the store's overlays on disk: on demand (a park) and every [`SAVE_EVERY`] from a
/// thread of its own, which ends when the saver is dropped.
pub struct Saver {
    dir: PathBuf,
    image_root: Arc<Node>,
    tracked: Mutex<HashMap<OverlayKey, Tracked>>,
}

impl Saver {
    /// A saver writing to `dir` (created if missing), with its background thread.
    pub fn start(dir: PathBuf, image_root: Arc<Node>) -> std::io::Result<Arc<Saver>> {
        std::fs::create_dir_all(&dir)?;
        let saver = Arc::new(Saver {
            dir,
            image_root,
            tracked: Mutex::new(HashMap::new()),
        });
        let weak: Weak<Saver> = Arc::downgrade(&saver);
        std::thread::Builder::new()
            .name("overlay-saver".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(SAVE_EVERY);
                    let Some(saver) = weak.upgrade() else { return };
                    saver.save_all();
                }
            })?;
        Ok(saver)
    }

    /// Starts keeping `key`'s overlay on disk (`written`: it is on disk as it is now).
    pub fn track(&self, key: &OverlayKey, overlay: &SharedOverlay, written: bool) {
        let mut tracked = self.tracked.lock().unwrap_or_else(PoisonError::into_inner);
        let written = written.then(|| hash_of(&self.render(key, overlay).0));
        tracked.entry(key.clone()).or_insert(Tracked {
            overlay: overlay.clone(),
            written,
        });
    }

    /// Stops keeping `key`'s overlay and removes its file.
    pub fn forget(&self, key: &OverlayKey) {
        let mut tracked = self.tracked.lock().unwrap_or_else(PoisonError::into_inner);
        tracked.remove(key);
        let path = self.dir.join(file_name(key));
        if let Err(err) = std::fs::remove_file(&path)
            && err.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), error = %err, "Cannot remove a saved overlay.");
        }
    }

    /// Saves `key`'s overlay now if it changed since it was last written.
    pub fn save(&self, key: &OverlayKey) {
        let overlay = {
            let tracked = self.tracked.lock().unwrap_or_else(PoisonError::into_inner);
            match tracked.get(key) {
                Some(t) => t.overlay.clone(),
                None => return,
            }
        };
        let (content, json, unchanged) = self.render(key, &overlay);
        let hash = hash_of(&content);
        // Held while writing, so a `forget` meanwhile cannot be undone by this write.
        let mut tracked = self.tracked.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(entry) = tracked.get_mut(key) else {
            return;
        };
        if entry.written == Some(hash) {
            return;
        }
        if entry.written.is_none() && unchanged {
            // Nothing differs from the image (a session that wrote nothing): no file needed.
            entry.written = Some(hash);
            return;
        }
        let path = self.dir.join(file_name(key));
        match write_atomic(&path, json.as_bytes()) {
            Ok(()) => entry.written = Some(hash),
            Err(err) => {
                tracing::warn!(path = %path.display(), error = %err, "Cannot save an overlay.")
            }
        }
    }

    /// Saves every tracked overlay that changed.
    pub fn save_all(&self) {
        let keys: Vec<OverlayKey> = {
            let tracked = self.tracked.lock().unwrap_or_else(PoisonError::into_inner);
            tracked.keys().cloned().collect()
        };
        for key in keys {
            self.save(&key);
        }
    }

    /// The overlay's difference as JSON (without the time), the whole file's JSON, and
    /// whether nothing below the root differs from the image.
    fn render(&self, key: &OverlayKey, overlay: &SharedOverlay) -> (String, String, bool) {
        let root = diff(&self.image_root, &lock(overlay));
        let unchanged = root.children.is_empty() && root.removed.is_empty();
        let saved = SavedOverlay {
            ip: key.ip,
            user: key.user.clone(),
            saved_at: chrono::Utc::now().timestamp(),
            root,
        };
        // Invariant: these types serialize to JSON without failure (no maps with non-string
        // keys, no non-finite floats).
        let content = serde_json::to_string(&saved.root).unwrap_or_default();
        let json = serde_json::to_string(&saved).unwrap_or_default();
        (content, json, unchanged)
    }

    /// Reads every saved overlay in the directory (unreadable files are removed).
    pub fn load(&self) -> Vec<SavedOverlay> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            match std::fs::read(&path)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<SavedOverlay>(&bytes).ok())
            {
                Some(saved) => out.push(saved),
                None => {
                    tracing::warn!(path = %path.display(), "Unreadable saved overlay; removed.");
                    std::fs::remove_file(&path).ok();
                }
            }
        }
        out
    }
}

fn hash_of(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::host::HostProfile;
    use crate::host::fs::{Cred, Fs, Image, Limits, OverlayStore, StoreConfig};

    fn image(host: &HostProfile) -> Image {
        let boot = Utc.with_ymd_and_hms(2024, 11, 20, 8, 0, 0).unwrap();
        Image::build(host, boot, &["/usr/bin/uname", "whoami"])
    }

    #[test]
    fn a_saved_difference_applied_to_a_fresh_overlay_gives_the_same_files() {
        let host = HostProfile::generate(7);
        let image = image(&host);
        let mut overlay = Overlay::new(&image, Limits::default());
        let now = Utc.with_ymd_and_hms(2024, 11, 20, 9, 0, 0).unwrap();
        {
            let mut fs = Fs::new(&mut overlay, &host, Cred::root(), now, "/root");
            fs.mkdir_all("/tmp/.x/y", 0o755).unwrap();
            fs.write("/tmp/.x/y/bot", b"\x7fELF payload", false)
                .unwrap();
            fs.write("/etc/motd", b"owned\n", false).unwrap();
            fs.unlink("/etc/hostname").unwrap();
        }
        let json = serde_json::to_string(&diff(image.root(), &overlay)).unwrap();
        let patch: DirPatch = serde_json::from_str(&json).unwrap();
        let mut restored = Overlay::new(&image, Limits::default());
        apply(&mut restored, &patch);
        let fs = Fs::new(&mut restored, &host, Cred::root(), now, "/root");
        assert_eq!(fs.read("/tmp/.x/y/bot").unwrap(), b"\x7fELF payload");
        assert_eq!(fs.read("/etc/motd").unwrap(), b"owned\n");
        assert!(!fs.exists("/etc/hostname"));
        assert_eq!(
            fs.read("/etc/passwd").unwrap(),
            Fs::new(
                &mut Overlay::new(&image, Limits::default()),
                &host,
                Cred::root(),
                now,
                "/"
            )
            .read("/etc/passwd")
            .unwrap(),
            "untouched files are the image's"
        );
        // The quota counts what was restored.
        assert_eq!(restored.usage().bytes, overlay.usage().bytes);
    }

    #[test]
    fn a_parked_overlay_comes_back_in_a_new_store_and_goes_when_it_expires() {
        let host = Arc::new(HostProfile::generate(7));
        let image = Arc::new(image(&host));
        let dir = tempfile::tempdir().unwrap();
        let key = OverlayKey {
            ip: "203.0.113.9".parse().unwrap(),
            user: "admin".into(),
        };
        let config = StoreConfig {
            persist: Duration::from_secs(3600),
            ..StoreConfig::default()
        };
        let mut store = OverlayStore::new(image.clone(), host.clone(), config)
            .persisting_in(dir.path().to_owned());
        let start = std::time::Instant::now();
        let (overlay, resumed) = store.checkout(key.clone(), start);
        assert!(!resumed);
        Fs::new(&mut lock(&overlay), &host, Cred::root(), Utc::now(), "/")
            .write("/tmp/left", b"for later", false)
            .unwrap();
        store.checkin(&key, start);
        assert!(dir.path().join(file_name(&key)).exists(), "saved on park");
        // A root session that changed nothing needs no file.
        let idle = OverlayKey {
            ip: "203.0.113.10".parse().unwrap(),
            user: "root".into(),
        };
        store.checkout(idle.clone(), start);
        store.checkin(&idle, start);
        assert!(!dir.path().join(file_name(&idle)).exists());
        drop(store);

        let mut again = OverlayStore::new(image.clone(), host.clone(), config)
            .persisting_in(dir.path().to_owned());
        let (overlay, resumed) = again.checkout(key.clone(), std::time::Instant::now());
        assert!(resumed, "the saved overlay is parked again");
        let mut guard = lock(&overlay);
        let fs = Fs::new(&mut guard, &host, Cred::root(), Utc::now(), "/");
        assert_eq!(fs.read("/tmp/left").unwrap(), b"for later");
        drop(fs);
        drop(guard);
        again.checkin(&key, std::time::Instant::now());
        again.expire(std::time::Instant::now() + Duration::from_secs(3601));
        assert!(
            !dir.path().join(file_name(&key)).exists(),
            "removed on expiry"
        );
    }
}
