//! [`SshProfile`]: the SSH surface of one real OpenSSH server release, and the russh
//! configuration that comes closest to it.
//!
//! A profile holds what a scanner sees of a stock install of that release, exactly and in
//! OpenSSH's order: the identification string, the server KEXINIT name-lists (`ssh -vvv`'s
//! "peer server KEXINIT proposal"), the `server-sig-algs` of its `SSH2_MSG_EXT_INFO` and the
//! names of the other extensions it sends, plus the client's `ssh -V` line, so the shell's
//! `ssh -V` matches the banner. The host keys are the three a Debian/Ubuntu install generates
//! (RSA, ECDSA P-256, Ed25519, in sshd's default `HostKey` order).
//!
//! [`SshProfile::preferred`] keeps every name russh implements, in the release's order, and
//! drops the rest; [`SshProfile::unsupported`] lists what was dropped. `docs/fingerprint.md`
//! names every remaining difference and the OpenSSH line it breaks.
//!
//! Sources: `openssh_9.2p1_debian` was measured against Debian 12's own sshd
//! (`openssh-server 1:9.2p1-2+deb12u10`, run with a stock `sshd_config` and three fresh host
//! keys). The Ubuntu profiles come from OpenSSH's `myproposal.h`, `kex.c`, `sshkey.c` and
//! `sshd.c` at the release tags (`V_8_2_P1`, `V_8_9_P1`, `V_9_6_P1`) plus Ubuntu's Terrapin
//! (CVE-2023-48795) security update, which appends `kex-strict-s-v00@openssh.com` to the
//! server's KEX list of 8.2p1 and 8.9p1 as Debian's update did to 9.2p1 (9.6p1 has it
//! upstream, after `ext-info-s`).

use std::borrow::Cow;

use russh::Preferred;
use russh::keys::Algorithm;

use crate::host::HostProfile;

/// The `ssh.profile` value that picks the profile matching the host profile's distribution.
pub const AUTO: &str = "auto";

/// The profile `auto` falls back to for a distribution no profile matches.
pub const FALLBACK: &str = "openssh_8.9p1_ubuntu";

/// The profile with the fewest differences from its real release (see `docs/fingerprint.md`).
pub const RECOMMENDED: &str = "openssh_8.2p1_ubuntu";

/// One real OpenSSH server release, as the network sees a stock install of it.
#[derive(Debug, PartialEq, Eq)]
pub struct SshProfile {
    /// The `ssh.profile` value, e.g. `openssh_8.9p1_ubuntu`.
    pub id: &'static str,
    /// The start of the `PRETTY_NAME` of the distribution release that ships it, for `auto`
    /// (e.g. `Ubuntu 22.04`).
    pub distro: &'static str,
    /// The identification string, without CR LF.
    pub banner: &'static str,
    /// What the release's `ssh -V` prints (to stderr), without the newline.
    pub client_version: &'static str,
    /// The version of its `openssh-client`/`openssh-server` packages, as `dpkg` shows it.
    pub package_version: &'static str,
    /// The server's KEXINIT `kex_algorithms`, as the release sends them.
    pub kex: &'static [&'static str],
    /// The server's KEXINIT `server_host_key_algorithms` with RSA, ECDSA P-256 and Ed25519
    /// host keys.
    pub host_keys: &'static [&'static str],
    /// The server's KEXINIT ciphers (the same both ways).
    pub ciphers: &'static [&'static str],
    /// The server's KEXINIT MACs (the same both ways).
    pub macs: &'static [&'static str],
    /// The server's KEXINIT compression (the same both ways).
    pub compression: &'static [&'static str],
    /// The `server-sig-algs` value of its EXT_INFO.
    pub server_sig_algs: &'static [&'static str],
    /// The names of the extensions in its EXT_INFO, in order.
    pub ext_info: &'static [&'static str],
    /// Whether sshd still has the client-banner compatibility patterns OpenSSH 9.3 removed
    /// (they decide which client versions it hangs up on as scanners).
    pub legacy_compat: bool,
}

/// OpenSSH's default server ciphers, 8.2p1 to 9.6p1 (`KEX_SERVER_ENCRYPT`).
const CIPHERS: &[&str] = &[
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
];

/// OpenSSH's default server MACs, 8.2p1 to 9.6p1 (`KEX_SERVER_MAC`).
const MACS: &[&str] = &[
    "umac-64-etm@openssh.com",
    "umac-128-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha1-etm@openssh.com",
    "umac-64@openssh.com",
    "umac-128@openssh.com",
    "hmac-sha2-256",
    "hmac-sha2-512",
    "hmac-sha1",
];

/// sshd's default compression (`Compression yes`, i.e. delayed).
const COMPRESSION: &[&str] = &["none", "zlib@openssh.com"];

/// The host-key list since OpenSSH 8.8 dropped `ssh-rsa` from the defaults.
const HOST_KEYS: &[&str] = &[
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ecdsa-sha2-nistp256",
    "ssh-ed25519",
];

/// Every profile. Ids are unique (tested).
pub const PROFILES: &[SshProfile] = &[
    // Ubuntu 20.04: myproposal.h at V_8_2_P1 plus the Terrapin update (4ubuntu0.10 and later).
    // KEX_DEFAULT_PK_ALG still has ssh-rsa, so the RSA host key is offered as ssh-rsa too;
    // EXT_INFO is server-sig-algs alone, sshkey_alg_list() over 8.2's key table.
    SshProfile {
        id: "openssh_8.2p1_ubuntu",
        distro: "Ubuntu 20.04",
        banner: "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.11",
        client_version: "OpenSSH_8.2p1 Ubuntu-4ubuntu0.11, OpenSSL 1.1.1f  31 Mar 2020",
        package_version: "1:8.2p1-4ubuntu0.11",
        kex: &[
            "curve25519-sha256",
            "curve25519-sha256@libssh.org",
            "ecdh-sha2-nistp256",
            "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp521",
            "diffie-hellman-group-exchange-sha256",
            "diffie-hellman-group16-sha512",
            "diffie-hellman-group18-sha512",
            "diffie-hellman-group14-sha256",
            "kex-strict-s-v00@openssh.com",
        ],
        host_keys: &[
            "rsa-sha2-512",
            "rsa-sha2-256",
            "ssh-rsa",
            "ecdsa-sha2-nistp256",
            "ssh-ed25519",
        ],
        ciphers: CIPHERS,
        macs: MACS,
        compression: COMPRESSION,
        server_sig_algs: &[
            "ssh-ed25519",
            "sk-ssh-ed25519@openssh.com",
            "ssh-rsa",
            "rsa-sha2-256",
            "rsa-sha2-512",
            "ssh-dss",
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521",
            "sk-ecdsa-sha2-nistp256@openssh.com",
        ],
        ext_info: &["server-sig-algs"],
        legacy_compat: true,
    },
    // Ubuntu 22.04: myproposal.h at V_8_9_P1 plus the Terrapin update; 8.9 added
    // publickey-hostbound@openssh.com and webauthn to the key table.
    SshProfile {
        id: "openssh_8.9p1_ubuntu",
        distro: "Ubuntu 22.04",
        banner: "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10",
        client_version: "OpenSSH_8.9p1 Ubuntu-3ubuntu0.10, OpenSSL 3.0.2 15 Mar 2022",
        package_version: "1:8.9p1-3ubuntu0.10",
        kex: &[
            "curve25519-sha256",
            "curve25519-sha256@libssh.org",
            "ecdh-sha2-nistp256",
            "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp521",
            "sntrup761x25519-sha512@openssh.com",
            "diffie-hellman-group-exchange-sha256",
            "diffie-hellman-group16-sha512",
            "diffie-hellman-group18-sha512",
            "diffie-hellman-group14-sha256",
            "kex-strict-s-v00@openssh.com",
        ],
        host_keys: HOST_KEYS,
        ciphers: CIPHERS,
        macs: MACS,
        compression: COMPRESSION,
        server_sig_algs: &[
            "ssh-ed25519",
            "sk-ssh-ed25519@openssh.com",
            "ssh-rsa",
            "rsa-sha2-256",
            "rsa-sha2-512",
            "ssh-dss",
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521",
            "sk-ecdsa-sha2-nistp256@openssh.com",
            "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
        ],
        ext_info: &["server-sig-algs", "publickey-hostbound@openssh.com"],
        legacy_compat: true,
    },
    // Debian 12, measured: Debian's 1:9.2p1-2+deb12u4 added the suffix-less sntrup761 name
    // and deb12u1's Terrapin fix appends kex-strict-s.
    SshProfile {
        id: "openssh_9.2p1_debian",
        distro: "Debian GNU/Linux 12",
        banner: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10",
        client_version: "OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026",
        package_version: "1:9.2p1-2+deb12u10",
        kex: &[
            "sntrup761x25519-sha512",
            "sntrup761x25519-sha512@openssh.com",
            "curve25519-sha256",
            "curve25519-sha256@libssh.org",
            "ecdh-sha2-nistp256",
            "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp521",
            "diffie-hellman-group-exchange-sha256",
            "diffie-hellman-group16-sha512",
            "diffie-hellman-group18-sha512",
            "diffie-hellman-group14-sha256",
            "kex-strict-s-v00@openssh.com",
        ],
        host_keys: HOST_KEYS,
        ciphers: CIPHERS,
        macs: MACS,
        compression: COMPRESSION,
        server_sig_algs: &[
            "ssh-ed25519",
            "sk-ssh-ed25519@openssh.com",
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521",
            "sk-ecdsa-sha2-nistp256@openssh.com",
            "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
            "ssh-dss",
            "ssh-rsa",
            "rsa-sha2-256",
            "rsa-sha2-512",
        ],
        ext_info: &["server-sig-algs", "publickey-hostbound@openssh.com"],
        legacy_compat: true,
    },
    // Ubuntu 24.04: myproposal.h and kex.c at V_9_6_P1 (ext-info-s and kex-strict-s are
    // upstream). server-sig-algs is PubkeyAcceptedAlgorithms mapped to signature algorithms
    // (kex_set_server_sig_algs), and EXT_INFO gained ping@openssh.com.
    SshProfile {
        id: "openssh_9.6p1_ubuntu",
        distro: "Ubuntu 24.04",
        banner: "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5",
        client_version: "OpenSSH_9.6p1 Ubuntu-3ubuntu13.5, OpenSSL 3.0.13 30 Jan 2024",
        package_version: "1:9.6p1-3ubuntu13.5",
        kex: &[
            "sntrup761x25519-sha512@openssh.com",
            "curve25519-sha256",
            "curve25519-sha256@libssh.org",
            "ecdh-sha2-nistp256",
            "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp521",
            "diffie-hellman-group-exchange-sha256",
            "diffie-hellman-group16-sha512",
            "diffie-hellman-group18-sha512",
            "diffie-hellman-group14-sha256",
            "ext-info-s",
            "kex-strict-s-v00@openssh.com",
        ],
        host_keys: HOST_KEYS,
        ciphers: CIPHERS,
        macs: MACS,
        compression: COMPRESSION,
        server_sig_algs: &[
            "ssh-ed25519",
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521",
            "sk-ssh-ed25519@openssh.com",
            "sk-ecdsa-sha2-nistp256@openssh.com",
            "rsa-sha2-512",
            "rsa-sha2-256",
        ],
        ext_info: &[
            "server-sig-algs",
            "publickey-hostbound@openssh.com",
            "ping@openssh.com",
        ],
        legacy_compat: false,
    },
];

/// An `ssh.profile` value that names no profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown SSH profile {id:?}; valid values: {}", valid_values())]
pub struct UnknownProfile {
    /// The value given.
    pub id: String,
}

/// `auto` and every profile id, comma-separated, for error messages and docs.
pub fn valid_values() -> String {
    std::iter::once(AUTO)
        .chain(PROFILES.iter().map(|p| p.id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One name of a release's lists that russh cannot send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported {
    /// Which list: `kex`, `host_keys`, `ciphers`, `macs`, `compression`, `server-sig-algs`
    /// or `ext_info`.
    pub list: &'static str,
    /// The name OpenSSH sends and Mirage does not.
    pub name: &'static str,
}

impl SshProfile {
    /// The profile with this id.
    pub fn by_id(id: &str) -> Option<&'static SshProfile> {
        PROFILES.iter().find(|p| p.id == id)
    }

    /// The profile of the release a host with this `PRETTY_NAME` runs; [`FALLBACK`] for a
    /// distribution no profile matches.
    pub fn for_distro(distro: &str) -> &'static SshProfile {
        PROFILES
            .iter()
            .find(|p| distro.starts_with(p.distro))
            .or_else(|| SshProfile::by_id(FALLBACK))
            // Invariant: FALLBACK names an entry of PROFILES (tested).
            .expect("the fallback profile exists")
    }

    /// The profile an `ssh.profile` value picks for a host with this `PRETTY_NAME`.
    pub fn select(setting: &str, distro: &str) -> Result<&'static SshProfile, UnknownProfile> {
        if setting == AUTO {
            return Ok(SshProfile::for_distro(distro));
        }
        SshProfile::by_id(setting).ok_or_else(|| UnknownProfile {
            id: setting.to_owned(),
        })
    }

    /// The packages a release's OpenSSH is installed as.
    const PACKAGES: [&'static str; 3] = ["openssh-client", "openssh-server", "openssh-sftp-server"];

    /// Makes the OpenSSH packages `host` lists this release's, so `dpkg` agrees with the
    /// banner. Packages the host does not list stay absent.
    pub fn install(&self, host: &mut HostProfile) {
        for package in &mut host.packages {
            if SshProfile::PACKAGES.contains(&package.name.as_str()) {
                package.version = self.package_version.to_owned();
            }
        }
    }

    /// The release installed on `host` (by its OpenSSH package version, which the node sets
    /// with [`SshProfile::install`] at startup), or the one its distribution ships.
    pub fn installed_on(host: &HostProfile) -> &'static SshProfile {
        host.packages
            .iter()
            .filter(|p| SshProfile::PACKAGES.contains(&p.name.as_str()))
            .find_map(|p| PROFILES.iter().find(|s| s.package_version == p.version))
            .unwrap_or_else(|| SshProfile::for_distro(&host.distro))
    }

    /// The software version part of the banner (`OpenSSH_8.9p1 Ubuntu-3ubuntu0.10`).
    pub fn software_version(&self) -> &'static str {
        self.banner.strip_prefix("SSH-2.0-").unwrap_or(self.banner)
    }

    /// The russh algorithm lists closest to the release's, for a server whose host keys
    /// have the algorithms `host_keys` (`PrivateKey::algorithm`): every name russh
    /// implements, in OpenSSH's order.
    ///
    /// russh sends `preferred.key` whole as `server-sig-algs` but offers in KEXINIT only the
    /// entries some host key can serve, so the KEXINIT host-key list comes first, exactly,
    /// followed by the release's other `server-sig-algs` entries that no host key can serve
    /// (they reach EXT_INFO and nothing else). A signature algorithm a host key could serve
    /// but the release does not offer as a host-key algorithm (`ssh-rsa` since 8.8) cannot
    /// be advertised without also entering KEXINIT, so it is left out.
    pub fn preferred(&self, host_keys: &[Algorithm]) -> Preferred {
        let kex: Vec<_> = self.kex.iter().filter_map(|n| kex_name(n)).collect();
        let mut key: Vec<Algorithm> = self
            .host_keys
            .iter()
            .filter_map(|n| n.parse::<Algorithm>().ok())
            .collect();
        for name in self.server_sig_algs {
            let Ok(algorithm) = name.parse::<Algorithm>() else {
                continue;
            };
            if !key.contains(&algorithm) && !host_keys.iter().any(|k| serves(k, &algorithm)) {
                key.push(algorithm);
            }
        }
        let cipher: Vec<_> = self
            .ciphers
            .iter()
            .filter_map(|n| russh::cipher::Name::try_from(*n).ok())
            .collect();
        let mac: Vec<_> = self
            .macs
            .iter()
            .filter_map(|n| russh::mac::Name::try_from(*n).ok())
            .collect();
        let compression: Vec<_> = self
            .compression
            .iter()
            .filter_map(|n| russh::compression::Name::try_from(*n).ok())
            .collect();
        Preferred {
            kex: Cow::Owned(kex),
            key: Cow::Owned(key),
            cipher: Cow::Owned(cipher),
            mac: Cow::Owned(mac),
            compression: Cow::Owned(compression),
            host_key_certificates: Cow::Borrowed(&[]),
        }
    }

    /// Every name of the release's KEXINIT and EXT_INFO that russh cannot send, for a server
    /// with host keys of the algorithms `host_keys` (in OpenSSH's order).
    pub fn unsupported(&self, host_keys: &[Algorithm]) -> Vec<Unsupported> {
        let mut out = Vec::new();
        let mut missing =
            |list: &'static str, names: &'static [&'static str], ok: &dyn Fn(&str) -> bool| {
                for name in names {
                    if !ok(name) {
                        out.push(Unsupported { list, name });
                    }
                }
            };
        missing("kex", self.kex, &|n| kex_name(n).is_some());
        missing("host_keys", self.host_keys, &|n| {
            n.parse::<Algorithm>()
                .is_ok_and(|a| host_keys.iter().any(|k| serves(k, &a)))
        });
        missing("ciphers", self.ciphers, &|n| {
            russh::cipher::Name::try_from(n).is_ok()
        });
        missing("macs", self.macs, &|n| {
            russh::mac::Name::try_from(n).is_ok()
        });
        missing("compression", self.compression, &|n| {
            russh::compression::Name::try_from(n).is_ok()
        });
        let sent: Vec<String> = self
            .preferred(host_keys)
            .key
            .iter()
            .map(|a| a.to_string())
            .collect();
        missing("server-sig-algs", self.server_sig_algs, &|n| {
            sent.iter().any(|s| s == n)
        });
        // russh's EXT_INFO carries server-sig-algs and nothing else.
        missing("ext_info", self.ext_info, &|n| n == "server-sig-algs");
        out
    }
}

/// russh's name for a KEX algorithm or KEX pseudo-algorithm, if it implements it.
fn kex_name(name: &str) -> Option<russh::kex::Name> {
    [
        russh::kex::EXTENSION_SUPPORT_AS_SERVER,
        russh::kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER,
    ]
    .into_iter()
    .find(|n| AsRef::<str>::as_ref(n) == name)
    .or_else(|| russh::kex::Name::try_from(name).ok())
}

/// Whether russh would offer `algorithm` in KEXINIT for a host key of algorithm `key` (its
/// rule: every RSA variant for an RSA key, otherwise the key's own algorithm).
fn serves(key: &Algorithm, algorithm: &Algorithm) -> bool {
    match algorithm {
        Algorithm::Rsa { .. } => matches!(key, Algorithm::Rsa { .. }),
        other => key == other,
    }
}

#[cfg(test)]
mod tests;
