//! Host keys: generated on first start, persisted, loaded on every start.
//!
//! The files are the ones `ssh-keygen -A` writes for sshd (`ssh_host_ed25519_key`,
//! `ssh_host_ecdsa_key`, `ssh_host_rsa_key`, each with a `.pub`), so an operator can inspect
//! them with `ssh-keygen -lf` or carry the keys of a real host over to its decoy. A key file that
//! exists but cannot be used is an error, never a reason to generate a new key: a changed host key
//! is visible to every returning client, and the operator must decide.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use russh::keys::ssh_key::{self, LineEnding, private::RsaKeypair};
use russh::keys::{Algorithm, EcdsaCurve, HashAlg, PrivateKey};

/// Bits of a generated RSA key: `ssh-keygen`'s default.
const RSA_BITS: usize = 3072;

/// The kinds of host key the node keeps, in the order they are offered.
const KINDS: [KeyKind; 3] = [KeyKind::Ed25519, KeyKind::Ecdsa, KeyKind::Rsa];

/// One kind of host key and its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Ed25519,
    Ecdsa,
    Rsa,
}

impl KeyKind {
    /// The private key's file name, as sshd names it.
    fn file_name(self) -> &'static str {
        match self {
            KeyKind::Ed25519 => "ssh_host_ed25519_key",
            KeyKind::Ecdsa => "ssh_host_ecdsa_key",
            KeyKind::Rsa => "ssh_host_rsa_key",
        }
    }

    /// What the key in the file must be.
    fn name(self) -> &'static str {
        match self {
            KeyKind::Ed25519 => "ed25519",
            KeyKind::Ecdsa => "ecdsa",
            KeyKind::Rsa => "rsa",
        }
    }

    /// Whether a loaded key belongs in this kind's file. Any ECDSA curve is accepted in the ECDSA
    /// file, like sshd; generated ones are nistp256.
    fn accepts(self, algorithm: &Algorithm) -> bool {
        matches!(
            (self, algorithm),
            (KeyKind::Ed25519, Algorithm::Ed25519)
                | (KeyKind::Ecdsa, Algorithm::Ecdsa { .. })
                | (KeyKind::Rsa, Algorithm::Rsa { .. })
        )
    }

    fn generate(self) -> Result<PrivateKey, ssh_key::Error> {
        let mut rng = OsEntropy;
        match self {
            KeyKind::Ed25519 => PrivateKey::random(&mut rng, Algorithm::Ed25519),
            KeyKind::Ecdsa => PrivateKey::random(
                &mut rng,
                Algorithm::Ecdsa {
                    curve: EcdsaCurve::NistP256,
                },
            ),
            // `PrivateKey::random` would make 4096 bits; sshd's keys are 3072.
            KeyKind::Rsa => RsaKeypair::random(&mut rng, RSA_BITS).map(PrivateKey::from),
        }
    }
}

/// The operating system's random source, in the `rand_core` version ssh-key uses (0.10, reached
/// through `russh::keys::ssh_key::rand_core`), fed by rand 0.8's `OsRng`. Host keys and the
/// planted SSH key honeytoken are made with it.
pub(crate) struct OsEntropy;

impl ssh_key::rand_core::TryRng for OsEntropy {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(rand::RngCore::next_u32(&mut rand::rngs::OsRng))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(rand::RngCore::next_u64(&mut rand::rngs::OsRng))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, dst);
        Ok(())
    }
}

impl ssh_key::rand_core::TryCryptoRng for OsEntropy {}

/// Why the host keys could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key directory could not be created.
    #[error("cannot create host key directory {dir}")]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A key file exists but could not be read.
    #[error("cannot read host key {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A key file is not an OpenSSH private key. It is left alone; fix or remove it.
    #[error("host key {path} is corrupt (fix it, or remove it to generate a new key)")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        #[source]
        source: ssh_key::Error,
    },
    /// A key file holds a key of another kind than its name says.
    #[error("host key {path} holds a {found} key, expected {expected}")]
    WrongAlgorithm {
        /// The file.
        path: PathBuf,
        /// The algorithm found.
        found: String,
        /// The kind the file name calls for.
        expected: &'static str,
    },
    /// A key file is protected by a passphrase, which a server cannot type.
    #[error("host key {path} is encrypted with a passphrase; remove the passphrase")]
    Encrypted {
        /// The file.
        path: PathBuf,
    },
    /// A new key could not be generated.
    #[error("cannot generate {kind} host key for {path}")]
    Generate {
        /// The file it was for.
        path: PathBuf,
        /// The kind of key.
        kind: &'static str,
        /// Why.
        #[source]
        source: ssh_key::Error,
    },
    /// A key could not be serialised.
    #[error("cannot encode host key for {path}")]
    Encode {
        /// The file it was for.
        path: PathBuf,
        /// Why.
        #[source]
        source: ssh_key::Error,
    },
    /// A key file could not be written.
    #[error("cannot write host key {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// The node's SSH host keys, in the order the server offers them.
///
/// The order is ed25519, ecdsa, rsa. russh picks the key that matches the negotiated host-key
/// algorithm (the client's preference among `Preferred::key`), so this order only matters for
/// logs and for which key a client without preferences gets.
pub struct HostKeys {
    /// The private keys, ready for `russh::server::Config::keys`.
    pub keys: Vec<PrivateKey>,
}

impl HostKeys {
    /// Loads `ssh_host_{ed25519,ecdsa,rsa}_key` from `dir`, generating (and saving, mode 0600,
    /// OpenSSH format, with `.pub` files 0644 like sshd) any that are missing. ecdsa = nistp256,
    /// rsa = 3072 bits like ssh-keygen's default. A missing `.pub` beside an existing key is
    /// rewritten from it. Files are written to a temporary name and renamed, so a crash never
    /// leaves half a key behind.
    pub fn load_or_generate(dir: &Path) -> Result<HostKeys, KeyError> {
        fs::create_dir_all(dir).map_err(|source| KeyError::CreateDir {
            dir: dir.to_owned(),
            source,
        })?;
        let mut keys = Vec::with_capacity(KINDS.len());
        for kind in KINDS {
            keys.push(load_or_generate_one(dir, kind)?);
        }
        Ok(HostKeys { keys })
    }

    /// SHA256 fingerprints (OpenSSH "SHA256:..." form) in the same order, for logs and tests.
    pub fn fingerprints(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|key| key.fingerprint(HashAlg::Sha256).to_string())
            .collect()
    }
}

fn load_or_generate_one(dir: &Path, kind: KeyKind) -> Result<PrivateKey, KeyError> {
    let path = dir.join(kind.file_name());
    let pub_path = dir.join(format!("{}.pub", kind.file_name()));
    let key = match fs::read(&path) {
        Ok(bytes) => {
            let key = PrivateKey::from_openssh(&bytes).map_err(|source| KeyError::Corrupt {
                path: path.clone(),
                source,
            })?;
            if key.is_encrypted() {
                return Err(KeyError::Encrypted { path });
            }
            let algorithm = key.algorithm();
            if !kind.accepts(&algorithm) {
                return Err(KeyError::WrongAlgorithm {
                    path,
                    found: algorithm.as_str().to_owned(),
                    expected: kind.name(),
                });
            }
            warn_if_exposed(&path);
            if pub_path.exists() {
                return Ok(key);
            }
            key
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            let key = kind.generate().map_err(|source| KeyError::Generate {
                path: path.clone(),
                kind: kind.name(),
                source,
            })?;
            let pem = key
                .to_openssh(LineEnding::LF)
                .map_err(|source| KeyError::Encode {
                    path: path.clone(),
                    source,
                })?;
            write_atomically(&path, pem.as_bytes(), 0o600)?;
            tracing::info!(
                path = %path.display(),
                fingerprint = %key.fingerprint(HashAlg::Sha256),
                "Generated a new SSH host key."
            );
            key
        }
        Err(source) => return Err(KeyError::Read { path, source }),
    };
    let mut line = key
        .public_key()
        .to_openssh()
        .map_err(|source| KeyError::Encode {
            path: pub_path.clone(),
            source,
        })?;
    line.push('\n');
    write_atomically(&pub_path, line.as_bytes(), 0o644)?;
    Ok(key)
}

/// sshd refuses private keys others can read; we only warn, since the decoy's keys are not worth
/// refusing to start over.
fn warn_if_exposed(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format_args!("{mode:o}"),
                    "SSH host key is readable by other users; chmod 600 it."
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Writes `bytes` to a temporary file beside `path` with `mode`, syncs it and renames it over
/// `path`.
fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    let write_err = |source| KeyError::Write {
        path: path.to_owned(),
        source,
    };
    let mut tmp_name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    // A leftover from a crash may have another mode; start afresh.
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(write_err(err)),
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let result = options.open(&tmp).and_then(|mut file: File| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(err) = result.and_then(|()| fs::rename(&tmp, path)) {
        // Best effort: the temporary file is useless now.
        fs::remove_file(&tmp).ok();
        return Err(write_err(err));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use russh::keys::PublicKey;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).expect("metadata").permissions().mode() & 0o777
    }

    /// Generates all three keys into `dir`; RSA is slow, so each test does this at most once.
    fn generate_all(dir: &Path) -> HostKeys {
        HostKeys::load_or_generate(dir).expect("generate")
    }

    #[test]
    fn generates_once_and_reloads_the_same_keys() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys_dir = dir.path().join("keys");
        let first = generate_all(&keys_dir);
        assert_eq!(first.keys.len(), 3);
        let algorithms: Vec<Algorithm> = first.keys.iter().map(|k| k.algorithm()).collect();
        assert_eq!(algorithms[0], Algorithm::Ed25519);
        assert_eq!(
            algorithms[1],
            Algorithm::Ecdsa {
                curve: EcdsaCurve::NistP256
            }
        );
        assert!(matches!(algorithms[2], Algorithm::Rsa { .. }));
        let rsa = first.keys[2].key_data().rsa().expect("rsa keypair");
        assert_eq!(rsa.key_size(), 3072);

        let fingerprints = first.fingerprints();
        for fp in &fingerprints {
            assert!(fp.starts_with("SHA256:"), "{fp}");
            assert_eq!(fp.len(), "SHA256:".len() + 43, "{fp}");
        }

        let second = HostKeys::load_or_generate(&keys_dir).expect("reload");
        assert_eq!(second.fingerprints(), fingerprints);
        for (a, b) in first.keys.iter().zip(&second.keys) {
            assert_eq!(a.public_key(), b.public_key());
        }

        for kind in KINDS {
            let path = keys_dir.join(kind.file_name());
            let pub_path = keys_dir.join(format!("{}.pub", kind.file_name()));
            let text = fs::read_to_string(&path).expect("private key");
            assert!(
                text.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n"),
                "{text}"
            );
            let public = PublicKey::read_openssh_file(&pub_path).expect("public key file");
            let index = KINDS.iter().position(|k| *k == kind).expect("kind");
            assert_eq!(&public, first.keys[index].public_key());
            #[cfg(unix)]
            {
                assert_eq!(mode(&path), 0o600, "{}", path.display());
                assert_eq!(mode(&pub_path), 0o644, "{}", pub_path.display());
            }
            assert!(!keys_dir.join(format!("{}.tmp", kind.file_name())).exists());
        }

        // OpenSSH reads the files and agrees on the fingerprints (skipped without ssh-keygen).
        for (kind, fingerprint) in KINDS.iter().zip(&fingerprints) {
            let path = keys_dir.join(kind.file_name());
            let Ok(out) = std::process::Command::new("ssh-keygen")
                .arg("-lf")
                .arg(&path)
                .output()
            else {
                break;
            };
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "ssh-keygen -lf {}: {stdout}",
                path.display()
            );
            assert!(
                stdout.contains(fingerprint.as_str()),
                "{stdout} lacks {fingerprint}"
            );
        }

        // A lost .pub is rewritten from the private key, which is kept.
        let ed_pub = keys_dir.join("ssh_host_ed25519_key.pub");
        fs::remove_file(&ed_pub).expect("remove pub");
        let third = HostKeys::load_or_generate(&keys_dir).expect("reload");
        assert_eq!(third.fingerprints(), fingerprints);
        let public = PublicKey::read_openssh_file(&ed_pub).expect("rewritten pub");
        assert_eq!(&public, first.keys[0].public_key());

        // A lost private key is replaced by a new one; the others stay.
        fs::remove_file(keys_dir.join("ssh_host_ecdsa_key")).expect("remove key");
        let fourth = HostKeys::load_or_generate(&keys_dir).expect("regenerate");
        let new = fourth.fingerprints();
        assert_eq!(new[0], fingerprints[0]);
        assert_ne!(new[1], fingerprints[1]);
        assert_eq!(new[2], fingerprints[2]);
        let public =
            PublicKey::read_openssh_file(keys_dir.join("ssh_host_ecdsa_key.pub")).expect("pub");
        assert_eq!(&public, fourth.keys[1].public_key());

        // A corrupt key is an error naming the file and is left untouched.
        let corrupt = keys_dir.join("ssh_host_rsa_key");
        fs::write(&corrupt, "-----BEGIN OPENSSH PRIVATE KEY-----\ngarbage\n").expect("write");
        let err = HostKeys::load_or_generate(&keys_dir)
            .err()
            .expect("corrupt key refused");
        assert!(matches!(err, KeyError::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains("ssh_host_rsa_key"), "{err}");
        assert!(std::error::Error::source(&err).is_some());
        let text = fs::read_to_string(&corrupt).expect("still there");
        assert!(text.contains("garbage"));

        // A key of the wrong kind is refused too.
        fs::copy(keys_dir.join("ssh_host_ed25519_key"), &corrupt).expect("copy");
        let err = HostKeys::load_or_generate(&keys_dir)
            .err()
            .expect("wrong kind refused");
        let message = err.to_string();
        assert!(matches!(err, KeyError::WrongAlgorithm { .. }), "{err:?}");
        assert!(
            message.contains("ssh_host_rsa_key") && message.contains("ssh-ed25519"),
            "{message}"
        );
    }

    #[test]
    fn empty_key_file_is_corrupt_not_regenerated() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("ssh_host_ed25519_key"), "").expect("write");
        let err = HostKeys::load_or_generate(dir.path())
            .err()
            .expect("refused");
        assert!(err.to_string().contains("ssh_host_ed25519_key"), "{err}");
        assert_eq!(
            fs::read(dir.path().join("ssh_host_ed25519_key")).expect("read"),
            b""
        );
    }

    #[test]
    fn unreadable_directory_entry_is_a_read_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A directory where the key file should be: reading it fails with something other than
        // NotFound.
        fs::create_dir(dir.path().join("ssh_host_ed25519_key")).expect("mkdir");
        let err = HostKeys::load_or_generate(dir.path())
            .err()
            .expect("refused");
        assert!(matches!(err, KeyError::Read { .. }), "{err:?}");
        assert!(err.to_string().contains("ssh_host_ed25519_key"), "{err}");
    }
}
