//! Honeytokens: unique bait secrets planted in the fake filesystem and the HTTP lures, and the
//! rules that notice when one is read or used.
//!
//! - [`Honeytokens`]: the node's tokens, generated from fresh randomness at first start and
//!   kept in `<data_dir>/honeytokens.json`, with the files that hold them ([`Honeytokens::files`]
//!   for the fake filesystem, [`Honeytokens::lure_file`] for the HTTP decoy).
//! - `token`: what a token is and how each kind is made; `render`: the files, written as the
//!   real tools write them.
//! - `reads`: noticing that the shell read a planted file ([`watch_reads`]).
//! - `detect`: noticing that an event used a token ([`Honeytokens::uses`]).
//!
//! Placements (each with its own values): `/root/.aws/credentials`, `/root/.ssh/id_rsa`,
//! `/root/.bash_history` (an SSH password, a MySQL password, an OpenAI key, a beacon URL),
//! `/var/www/html/.env`, `/var/www/html/wp-config.php`, `/var/backups/wordpress-<date>.sql`,
//! and the HTTP lures `/.env`, `/config.php.bak`, `/.git/config`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::HoneytokensConfig;
use crate::events::HoneytokenRef;
use crate::host::HostProfile;
use crate::host::fs::PlantedFile;

mod detect;
mod reads;
mod render;
mod token;

pub use detect::Use;
pub use reads::{Planted, buffer_key, note_read, watch_reads};
pub use token::{Secret, Token, TokenError};

use render::Scene;

/// The file under the data directory that keeps the tokens.
pub const TOKENS_FILE: &str = "honeytokens.json";

/// A file an HTTP lure serves that holds a planted token.
#[derive(Debug, Clone)]
pub struct LureFile {
    /// The file's contents.
    pub body: Vec<u8>,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// The token it holds (the first, when it holds several).
    pub token: HoneytokenRef,
}

/// Why the tokens could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum HoneytokenError {
    /// The tokens file could not be read or written.
    #[error("cannot use {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The tokens file is not valid.
    #[error("{path} is corrupt")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A token could not be generated.
    #[error("cannot generate a honeytoken")]
    Generate(#[from] TokenError),
}

/// How one token is made.
struct Spec {
    id: &'static str,
    kind: &'static str,
    placement: &'static str,
    make: fn(&HostProfile) -> Result<Secret, TokenError>,
}

const fn spec(
    id: &'static str,
    kind: &'static str,
    placement: &'static str,
    make: fn(&HostProfile) -> Result<Secret, TokenError>,
) -> Spec {
    Spec {
        id,
        kind,
        placement,
        make,
    }
}

/// The dump's placement; its file name carries a date, see `Scene::dump_name`.
const DUMP: &str = "/var/backups/wordpress-*.sql";

/// Every token a node plants.
const SPECS: &[Spec] = &[
    spec(
        "aws-root-credentials",
        "aws_key",
        "/root/.aws/credentials",
        |_| Ok(token::aws_key()),
    ),
    spec(
        "ssh-key-root",
        "ssh_private_key",
        "/root/.ssh/id_rsa",
        |h| token::ssh_key(&format!("root@{}", h.short_hostname())),
    ),
    spec(
        "history-ssh-credential",
        "ssh_credential",
        "/root/.bash_history",
        |_| Ok(token::credential("deploy")),
    ),
    spec(
        "history-db-password",
        "db_password",
        "/root/.bash_history",
        |_| Ok(token::credential("backup")),
    ),
    spec(
        "history-openai-key",
        "openai_key",
        "/root/.bash_history",
        |_| Ok(token::openai_key()),
    ),
    spec(
        "history-beacon-url",
        "beacon_url",
        "/root/.bash_history",
        |_| {
            Ok(token::beacon(
                "/wp-content/uploads/2023/04/site-backup-",
                ".zip",
            ))
        },
    ),
    spec("env-app-db", "db_password", "/var/www/html/.env", |_| {
        Ok(token::credential("laravel"))
    }),
    spec("env-app-aws", "aws_key", "/var/www/html/.env", |_| {
        Ok(token::aws_key())
    }),
    spec("env-app-openai", "openai_key", "/var/www/html/.env", |_| {
        Ok(token::openai_key())
    }),
    spec("env-app-beacon", "beacon_url", "/var/www/html/.env", |_| {
        Ok(token::beacon_api("/api/v1/backup/export"))
    }),
    spec(
        "wp-config-db",
        "db_password",
        "/var/www/html/wp-config.php",
        |_| Ok(token::credential("wp_user")),
    ),
    spec("sql-dump-admin", "db_password", DUMP, |_| {
        Ok(token::credential("backupadmin"))
    }),
    spec("sql-dump-beacon", "beacon_url", DUMP, |_| {
        Ok(token::beacon(
            "/wp-content/uploads/backups/full-",
            ".tar.gz",
        ))
    }),
    spec("lure-env-aws", "aws_key", "http:/.env", |_| {
        Ok(token::aws_key())
    }),
    spec("lure-env-db", "db_password", "http:/.env", |_| {
        Ok(token::credential("forge"))
    }),
    spec(
        "lure-config-bak-db",
        "db_password",
        "http:/config.php.bak",
        |_| Ok(token::credential("app_rw")),
    ),
    spec(
        "lure-git-github",
        "github_token",
        "http:/.git/config",
        |_| Ok(token::github_token()),
    ),
];

/// The tokens file's contents.
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    tokens: Vec<Token>,
}

#[derive(Debug, Default)]
struct Inner {
    tokens: Vec<Token>,
    files: Vec<PlantedFile>,
    lures: HashMap<&'static str, LureFile>,
}

/// The node's planted tokens. Cheap to clone. `Default` is a node with none (honeytokens off).
#[derive(Debug, Clone, Default)]
pub struct Honeytokens {
    inner: Arc<Inner>,
}

impl Honeytokens {
    /// The node's tokens: read from `<data_dir>/honeytokens.json`, or generated (and saved)
    /// at first start; tokens a newer version plants are added to the file. With
    /// `config.enabled` off, none.
    pub fn load_or_create(
        data_dir: &Path,
        host: &HostProfile,
        config: &HoneytokensConfig,
    ) -> Result<Honeytokens, HoneytokenError> {
        if !config.enabled {
            return Ok(Honeytokens::default());
        }
        let path = data_dir.join(TOKENS_FILE);
        let mut stored = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice::<Stored>(&bytes).map_err(|source| {
                HoneytokenError::Corrupt {
                    path: path.clone(),
                    source,
                }
            })?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Stored { tokens: Vec::new() },
            Err(source) => return Err(HoneytokenError::Io { path, source }),
        };
        let mut added = false;
        for spec in SPECS {
            if !stored.tokens.iter().any(|t| t.id == spec.id) {
                stored.tokens.push(Token {
                    id: spec.id.to_owned(),
                    kind: spec.kind.to_owned(),
                    placement: spec.placement.to_owned(),
                    secret: (spec.make)(host)?,
                });
                added = true;
            }
        }
        if added {
            let json =
                serde_json::to_vec_pretty(&stored).map_err(|source| HoneytokenError::Corrupt {
                    path: path.clone(),
                    source,
                })?;
            write_atomically(&path, &json).map_err(|source| HoneytokenError::Io {
                path: path.clone(),
                source,
            })?;
            tracing::info!(path = %path.display(), tokens = stored.tokens.len(), "Generated honeytokens.");
        }
        let beacon_host = if config.beacon_host.is_empty() {
            host.network.ipv4.to_string()
        } else {
            config.beacon_host.clone()
        };
        Ok(Honeytokens::from_tokens(stored.tokens, host, beacon_host))
    }

    /// The files holding `tokens`, rendered for `host` with beacon URLs on `beacon_host`.
    pub fn from_tokens(
        mut tokens: Vec<Token>,
        host: &HostProfile,
        beacon_host: String,
    ) -> Honeytokens {
        let scene = Scene { host, beacon_host };
        let dump = scene.dump_name();
        for token in &mut tokens {
            if token.placement == DUMP {
                token.placement.clone_from(&dump);
            }
        }
        let get = |id: &str| tokens.iter().find(|t| t.id == id);
        let files = fs_files(&scene, &get, &dump);
        let lures = lure_files(&scene, &get);
        Honeytokens {
            inner: Arc::new(Inner {
                tokens,
                files,
                lures,
            }),
        }
    }

    /// Every planted token.
    pub fn tokens(&self) -> &[Token] {
        &self.inner.tokens
    }

    /// The token with `id`.
    pub fn token(&self, id: &str) -> Option<&Token> {
        self.inner.tokens.iter().find(|t| t.id == id)
    }

    /// The tokens planted at `placement` (a path, or `http:<lure path>`).
    pub fn at(&self, placement: &str) -> impl Iterator<Item = &Token> {
        self.inner
            .tokens
            .iter()
            .filter(move |t| t.placement == placement)
    }

    /// The files to plant in the fake filesystem ([`crate::host::fs::Image::plant`]).
    pub fn files(&self) -> Vec<PlantedFile> {
        self.inner.files.clone()
    }

    /// The token-holding file an HTTP lure serves at `path` (`/.env`, `/config.php.bak`,
    /// `/.git/config`), if a token is planted there.
    pub fn lure_file(&self, path: &str) -> Option<LureFile> {
        self.inner.lures.get(path).cloned()
    }
}

/// The fake-filesystem files, each with the tokens it holds.
fn fs_files<'a>(
    scene: &Scene,
    get: &impl Fn(&str) -> Option<&'a Token>,
    dump: &str,
) -> Vec<PlantedFile> {
    let refs = |ids: &[&str]| -> Vec<HoneytokenRef> {
        ids.iter()
            .filter_map(|id| get(id))
            .map(Token::reference)
            .collect()
    };
    let file =
        |path: &str, text: String, mode: u32, owner: &str, days: i64, ids: &[&str]| PlantedFile {
            path: path.to_owned(),
            contents: text.into_bytes(),
            mode,
            user: owner.to_owned(),
            group: owner.to_owned(),
            mtime: scene.before_boot(days, path),
            tokens: refs(ids),
        };
    let mut files = Vec::new();
    if let Some(aws) = get("aws-root-credentials") {
        files.push(file(
            "/root/.aws/credentials",
            render::aws_credentials(Some(aws)),
            0o600,
            "root",
            180,
            &["aws-root-credentials"],
        ));
        files.push(file(
            "/root/.aws/config",
            render::aws_config(scene),
            0o600,
            "root",
            180,
            &[],
        ));
    }
    if let Some(Token {
        secret:
            Secret::SshKey {
                private_key,
                public_key,
                ..
            },
        ..
    }) = get("ssh-key-root")
    {
        files.push(file(
            "/root/.ssh/id_rsa",
            private_key.clone(),
            0o600,
            "root",
            300,
            &["ssh-key-root"],
        ));
        files.push(file(
            "/root/.ssh/id_rsa.pub",
            format!("{public_key}\n"),
            0o644,
            "root",
            300,
            &[],
        ));
    }
    files.push(file(
        "/root/.bash_history",
        render::bash_history(
            scene,
            get("history-ssh-credential"),
            get("history-db-password"),
            get("history-openai-key"),
            get("history-beacon-url"),
        ),
        0o600,
        "root",
        1,
        &[
            "history-ssh-credential",
            "history-db-password",
            "history-openai-key",
            "history-beacon-url",
        ],
    ));
    files.push(file(
        "/var/www/html/.env",
        render::dotenv(
            scene,
            "fs",
            get("env-app-db"),
            get("env-app-aws"),
            get("env-app-openai"),
            get("env-app-beacon"),
        ),
        0o640,
        "www-data",
        90,
        &[
            "env-app-db",
            "env-app-aws",
            "env-app-openai",
            "env-app-beacon",
        ],
    ));
    files.push(file(
        "/var/www/html/wp-config.php",
        render::wp_config(scene, get("wp-config-db")),
        0o640,
        "www-data",
        400,
        &["wp-config-db"],
    ));
    files.push(file(
        dump,
        render::sql_dump(scene, get("sql-dump-admin"), get("sql-dump-beacon")),
        0o600,
        "root",
        2,
        &["sql-dump-admin", "sql-dump-beacon"],
    ));
    files
}

/// The HTTP lures' files, by path.
fn lure_files<'a>(
    scene: &Scene,
    get: &impl Fn(&str) -> Option<&'a Token>,
) -> HashMap<&'static str, LureFile> {
    let mut lures = HashMap::new();
    let mut add = |path: &'static str, body: String, id: &str| {
        if let Some(token) = get(id) {
            lures.insert(
                path,
                LureFile {
                    body: body.into_bytes(),
                    content_type: "application/octet-stream",
                    token: token.reference(),
                },
            );
        }
    };
    add(
        "/.env",
        render::dotenv(
            scene,
            "lure",
            get("lure-env-db"),
            get("lure-env-aws"),
            None,
            None,
        ),
        "lure-env-aws",
    );
    add(
        "/config.php.bak",
        render::config_php_bak(get("lure-config-bak-db")),
        "lure-config-bak-db",
    );
    add(
        "/.git/config",
        render::git_config(scene, get("lure-git-github")),
        "lure-git-github",
    );
    lures
}

/// Writes `bytes` to `path` through a temporary file and a rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests;
