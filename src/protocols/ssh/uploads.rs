//! Uploaded files: stored once per content under `<data_dir>/uploads/<sha256>`, counted
//! against a per-session quota, put in the attacker's filesystem and announced by a
//! `cowrie.session.file_upload` event.
//!
//! [`UploadStore`] is the node-wide directory; [`Quota`] is one connection's allowance, shared
//! by its scp and SFTP channels; [`SessionFiles`] writes into the attacker's overlay.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::events::EventKind;
use crate::host::fs::{Cred, Data, Fs, FsError, SharedOverlay, lock};
use crate::shell::Shell;

/// Where uploads go and how much one session may send.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// `<data_dir>/uploads`.
    pub dir: PathBuf,
    /// Most bytes one session may upload (`ssh.upload_max_bytes`).
    pub max_bytes: u64,
}

/// The content-addressed upload directory.
#[derive(Debug, Clone)]
pub struct UploadStore {
    dir: PathBuf,
}

/// A stored upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// SHA-256 of the contents, hex.
    pub sha256: String,
    /// `uploads/<sha256>`, relative to the data directory.
    pub outfile: String,
}

impl UploadStore {
    /// The store in `dir` (created on first use).
    pub fn new(dir: PathBuf) -> UploadStore {
        UploadStore { dir }
    }

    /// Stores `bytes` as `<dir>/<sha256>`: written to a temporary file, then renamed, so a
    /// reader never sees a partial file. Identical contents are stored once.
    pub fn store(&self, bytes: &[u8]) -> std::io::Result<Stored> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = self.dir.join(&sha256);
        if !path.exists() {
            std::fs::create_dir_all(&self.dir)?;
            let tmp = self
                .dir
                .join(format!(".tmp-{sha256}-{:016x}", rand::random::<u64>()));
            let written = (|| {
                let mut file = std::fs::File::create(&tmp)?;
                file.write_all(bytes)?;
                file.sync_all()?;
                std::fs::rename(&tmp, &path)
            })();
            if let Err(err) = written {
                std::fs::remove_file(&tmp).ok();
                return Err(err);
            }
        }
        Ok(Stored {
            outfile: format!("uploads/{sha256}"),
            sha256,
        })
    }
}

/// One connection's upload allowance, shared by its channels.
#[derive(Debug, Clone)]
pub struct Quota {
    used: Arc<AtomicU64>,
    max: u64,
}

impl Quota {
    /// An allowance of `max` bytes.
    pub fn new(max: u64) -> Quota {
        Quota {
            used: Arc::default(),
            max,
        }
    }

    /// Takes `bytes` from the allowance; `false` (and nothing taken) if they do not fit.
    pub fn take(&self, bytes: u64) -> bool {
        self.used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
                used.checked_add(bytes).filter(|total| *total <= self.max)
            })
            .is_ok()
    }

    /// Whether `bytes` more would still fit.
    pub fn fits(&self, bytes: u64) -> bool {
        self.used
            .load(Ordering::SeqCst)
            .checked_add(bytes)
            .is_some_and(|total| total <= self.max)
    }
}

/// The attacker's filesystem as the upload channels see it.
#[derive(Clone)]
pub struct SessionFiles {
    /// The session's overlay (shared with its shell).
    pub fs: SharedOverlay,
    /// The interpreter, for the host profile.
    pub shell: Arc<Shell>,
    /// The logged-in user.
    pub user: String,
    /// The user's home directory (scp's and SFTP's starting directory).
    pub home: String,
    /// The session's clock (file times; virtual in a replay).
    pub clock: crate::sim::clock::Clock,
}

impl SessionFiles {
    /// Runs `f` on a filesystem handle for the session's user, in the home directory.
    pub fn with<R>(&self, f: impl FnOnce(&mut Fs<'_>) -> R) -> R {
        let mut overlay = lock(&self.fs);
        let host = self.shell.host();
        let now = self.clock.now();
        let cred: Cred = Fs::new(&mut overlay, host, Cred::root(), now, "/")
            .accounts()
            .cred(&self.user);
        let mut fs = Fs::new(&mut overlay, host, cred, now, &self.home);
        f(&mut fs)
    }

    /// Writes an uploaded file at `path` with `mode` (a new file gets it less the umask).
    pub fn put(&self, path: &str, bytes: Vec<u8>, mode: u32) -> Result<(), FsError> {
        self.with(|fs| fs.write_data(path, Data::Bytes(Arc::new(bytes)), mode))
    }
}

/// Receives one uploaded file: stores its contents (always: the sample is what matters), then
/// writes it at `path` in the attacker's filesystem. Returns the `cowrie.session.file_upload`
/// event, if the contents were stored, and the result the client should see (an error
/// message in the kernel's words).
pub async fn receive(
    files: &SessionFiles,
    store: &UploadStore,
    path: &str,
    name: &str,
    bytes: Vec<u8>,
    mode: u32,
    transfer: &str,
) -> (Option<EventKind>, Result<(), String>) {
    let size = bytes.len() as u64;
    let (bytes, stored) = {
        let store = store.clone();
        match tokio::task::spawn_blocking(move || {
            let stored = store.store(&bytes);
            (bytes, stored)
        })
        .await
        {
            Ok(pair) => pair,
            Err(_) => return (None, Err(format!("{path}: Input/output error"))),
        }
    };
    // A relative target (`scp -t notes.txt`) lands in the home directory; say where.
    let destfile = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{}/{path}", files.home.trim_end_matches('/'))
    };
    let event = match stored {
        Ok(stored) => Some(EventKind::FileUpload {
            filename: name.to_owned(),
            destfile,
            outfile: stored.outfile,
            shasum: stored.sha256,
            size,
            transfer: transfer.to_owned(),
        }),
        Err(err) => {
            tracing::warn!(error = %err, "Cannot store an upload.");
            None
        }
    };
    let written = files
        .put(path, bytes, mode)
        .map_err(|err| format!("{path}: {err}"));
    (event, written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_contents_are_stored_once() {
        let dir = std::env::temp_dir().join(format!("mirage-uploads-{}", rand::random::<u64>()));
        let store = UploadStore::new(dir.clone());
        let a = store.store(b"hello").unwrap();
        let b = store.store(b"hello").unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        assert_eq!(std::fs::read(dir.join(&a.sha256)).unwrap(), b"hello");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn the_quota_refuses_what_does_not_fit() {
        let quota = Quota::new(10);
        assert!(quota.take(6));
        assert!(!quota.fits(5));
        assert!(!quota.take(5));
        assert!(quota.take(4));
        assert!(!quota.take(1));
    }
}
