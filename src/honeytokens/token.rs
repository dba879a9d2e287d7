//! [`Token`]: one planted secret, its kind and where it was planted, and how fresh ones are
//! made.

use rand::Rng;
use rand::seq::SliceRandom;
use russh::keys::ssh_key::{self, LineEnding, private::RsaKeypair};
use russh::keys::{HashAlg, PrivateKey};
use serde::{Deserialize, Serialize};

use crate::events::HoneytokenRef;
use crate::protocols::ssh::keys::OsEntropy;

/// Characters of an AWS access key id after its `AKIA` prefix (base32).
const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Characters of an AWS secret access key (base64).
pub(super) const BASE64: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// Letters and digits.
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Characters of an OpenAI project key's random parts.
const URLSAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
/// Size of the planted RSA key, `ssh-keygen`'s default.
const RSA_BITS: usize = 3072;

/// The secret a token holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Secret {
    /// An AWS access key pair.
    AwsKey {
        /// `AKIA` and 16 base32 characters.
        access_key_id: String,
        /// 40 base64 characters.
        secret_access_key: String,
    },
    /// A bearer API key (OpenAI-style `sk-proj-…`, GitHub-style `ghp_…`).
    ApiKey {
        /// The key.
        key: String,
    },
    /// A user name and password (SSH login, database account, web application admin).
    Credential {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
    /// An OpenSSH private key.
    SshKey {
        /// The private key in OpenSSH format.
        private_key: String,
        /// The public key line (`ssh-rsa AAAA… root@host`).
        public_key: String,
        /// The public key's SHA-256 fingerprint, `SHA256:…`.
        fingerprint: String,
    },
    /// A URL on this node's HTTP decoy; requesting its path is the use.
    Beacon {
        /// The path, starting with `/`.
        path: String,
        /// The query string without `?` (empty if none).
        query: String,
    },
}

/// One planted token: unique per node and placement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// Stable id, e.g. `aws-root-credentials`.
    pub id: String,
    /// What it is (`aws_key`, `ssh_credential`, `ssh_private_key`, `openai_key`,
    /// `github_token`, `db_password`, `beacon_url`).
    pub kind: String,
    /// Where it was planted: a fake-filesystem path or `http:<lure path>`.
    pub placement: String,
    /// The secret itself.
    pub secret: Secret,
}

impl Token {
    /// The token as events name it.
    pub fn reference(&self) -> HoneytokenRef {
        HoneytokenRef {
            token: self.id.clone(),
            kind: self.kind.clone(),
            placement: self.placement.clone(),
        }
    }

    /// The strings whose presence in a request means the token was used (never empty
    /// strings): key ids, secret keys, API keys, passwords.
    pub fn secrets(&self) -> Vec<&str> {
        let all: Vec<&str> = match &self.secret {
            Secret::AwsKey {
                access_key_id,
                secret_access_key,
            } => vec![access_key_id, secret_access_key],
            Secret::ApiKey { key } => vec![key],
            Secret::Credential { password, .. } => vec![password],
            Secret::SshKey { .. } | Secret::Beacon { .. } => Vec::new(),
        };
        all.into_iter().filter(|s| !s.is_empty()).collect()
    }
}

/// Why a token could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The SSH key could not be generated or encoded.
    #[error("cannot generate the planted SSH key")]
    SshKey(#[from] ssh_key::Error),
}

/// `n` random characters of `alphabet`.
pub fn random_string(alphabet: &[u8], n: usize) -> String {
    let mut rng = rand::rngs::OsRng;
    (0..n)
        .map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())]))
        .collect()
}

/// An AWS access key pair: `AKIA` + 16 base32 characters, a 40-character secret.
pub fn aws_key() -> Secret {
    Secret::AwsKey {
        access_key_id: format!("AKIA{}", random_string(BASE32, 16)),
        secret_access_key: random_string(BASE64, 40),
    }
}

/// An OpenAI-style project key: `sk-proj-…T3BlbkFJ…`.
pub fn openai_key() -> Secret {
    Secret::ApiKey {
        key: format!(
            "sk-proj-{}T3BlbkFJ{}",
            random_string(URLSAFE, 64),
            random_string(URLSAFE, 64)
        ),
    }
}

/// A GitHub-style personal access token: `ghp_` + 36 letters and digits.
pub fn github_token() -> Secret {
    Secret::ApiKey {
        key: format!("ghp_{}", random_string(ALNUM, 36)),
    }
}

/// A password of the kind people pick for service accounts: words, digits and a symbol,
/// with a random tail that makes it unique.
pub fn password() -> String {
    const WORDS: &[&str] = &[
        "Summer", "Winter", "Backup", "Deploy", "Server", "Prod", "Admin", "Master", "Secure",
        "Office", "Cloud", "Data",
    ];
    const SYMBOLS: &[&str] = &["!", "#", "@", "$", "%", "_"];
    let mut rng = rand::rngs::OsRng;
    let word = WORDS.choose(&mut rng).copied().unwrap_or("Admin");
    let symbol = SYMBOLS.choose(&mut rng).copied().unwrap_or("!");
    format!(
        "{word}{}{symbol}{}",
        rng.gen_range(2015..2026),
        random_string(ALNUM, 8)
    )
}

/// A user name and a fresh password.
pub fn credential(username: &str) -> Secret {
    Secret::Credential {
        username: username.to_owned(),
        password: password(),
    }
}

/// A fresh RSA key as `ssh-keygen` makes it, with `comment` (`root@host`).
pub fn ssh_key(comment: &str) -> Result<Secret, TokenError> {
    let mut key = PrivateKey::from(RsaKeypair::random(&mut OsEntropy, RSA_BITS)?);
    key.set_comment(comment);
    let private_key = key.to_openssh(LineEnding::LF)?.to_string();
    let public_key = key.public_key().to_openssh()?;
    Ok(Secret::SshKey {
        private_key,
        public_key,
        fingerprint: key.fingerprint(HashAlg::Sha256).to_string(),
    })
}

/// A beacon path under `prefix` with a random part, e.g.
/// `/wp-content/uploads/2023/04/backup-3f9a1c2e.zip`.
pub fn beacon(prefix: &str, suffix: &str) -> Secret {
    Secret::Beacon {
        path: format!("{prefix}{}{suffix}", random_string(b"0123456789abcdef", 12)),
        query: String::new(),
    }
}

/// A beacon API URL whose query carries a random token: `/api/v1/export?token=…`.
pub fn beacon_api(path: &str) -> Secret {
    Secret::Beacon {
        path: path.to_owned(),
        query: format!("token={}", random_string(b"0123456789abcdef", 32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_keys_have_the_aws_shape_and_differ() {
        let (
            Secret::AwsKey {
                access_key_id: a,
                secret_access_key: s,
            },
            Secret::AwsKey {
                access_key_id: b, ..
            },
        ) = (aws_key(), aws_key())
        else {
            panic!("not an AWS key");
        };
        assert!(a.starts_with("AKIA") && a.len() == 20, "{a}");
        assert!(a[4..].bytes().all(|c| BASE32.contains(&c)), "{a}");
        assert_eq!(s.len(), 40);
        assert!(s.bytes().all(|c| BASE64.contains(&c)), "{s}");
        assert_ne!(a, b);
    }

    #[test]
    fn api_keys_have_their_vendors_shape() {
        let Secret::ApiKey { key } = github_token() else {
            panic!("not a key")
        };
        assert!(key.starts_with("ghp_") && key.len() == 40, "{key}");
        assert!(key[4..].bytes().all(|c| c.is_ascii_alphanumeric()));
        let Secret::ApiKey { key } = openai_key() else {
            panic!("not a key")
        };
        assert!(
            key.starts_with("sk-proj-") && key.contains("T3BlbkFJ"),
            "{key}"
        );
    }

    #[test]
    fn the_ssh_key_parses_and_its_fingerprint_is_the_public_keys() {
        let Ok(Secret::SshKey {
            private_key,
            public_key,
            fingerprint,
        }) = ssh_key("root@web01")
        else {
            panic!("no key")
        };
        assert!(private_key.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
        let parsed = PrivateKey::from_openssh(&private_key).expect("parses");
        assert_eq!(
            parsed.public_key().fingerprint(HashAlg::Sha256).to_string(),
            fingerprint
        );
        assert!(public_key.starts_with("ssh-rsa ") && public_key.ends_with(" root@web01"));
        assert!(fingerprint.starts_with("SHA256:"));
    }

    #[test]
    fn passwords_are_unique() {
        let a = password();
        assert_ne!(a, password());
        assert!(a.len() >= 14, "{a}");
    }
}
