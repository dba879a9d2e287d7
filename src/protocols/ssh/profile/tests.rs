use super::*;
use russh::keys::{EcdsaCurve, HashAlg};
use std::collections::HashSet;

/// The host keys every node has (keys.rs): Ed25519, ECDSA P-256, RSA.
fn host_keys() -> Vec<Algorithm> {
    vec![
        Algorithm::Ed25519,
        Algorithm::Ecdsa {
            curve: EcdsaCurve::NistP256,
        },
        Algorithm::Rsa { hash: None },
    ]
}

fn names<T: AsRef<str>>(list: &[T]) -> Vec<&str> {
    list.iter().map(AsRef::as_ref).collect()
}

fn profile(id: &str) -> &'static SshProfile {
    SshProfile::by_id(id).expect("profile exists")
}

#[test]
fn ids_are_unique_and_the_named_ones_exist() {
    let ids: HashSet<&str> = PROFILES.iter().map(|p| p.id).collect();
    assert_eq!(ids.len(), PROFILES.len());
    assert!(SshProfile::by_id(FALLBACK).is_some());
    assert!(SshProfile::by_id(RECOMMENDED).is_some());
    for id in [
        "openssh_8.2p1_ubuntu",
        "openssh_8.9p1_ubuntu",
        "openssh_9.2p1_debian",
        "openssh_9.6p1_ubuntu",
    ] {
        assert!(ids.contains(id), "{id}");
    }
}

#[test]
fn auto_follows_the_host_distribution() {
    let pick = |distro| SshProfile::select(AUTO, distro).map(|p| p.id);
    assert_eq!(pick("Ubuntu 20.04.6 LTS"), Ok("openssh_8.2p1_ubuntu"));
    assert_eq!(pick("Ubuntu 22.04.3 LTS"), Ok("openssh_8.9p1_ubuntu"));
    assert_eq!(pick("Ubuntu 24.04 LTS"), Ok("openssh_9.6p1_ubuntu"));
    assert_eq!(pick("Ubuntu 24.04.1 LTS"), Ok("openssh_9.6p1_ubuntu"));
    assert_eq!(
        pick("Debian GNU/Linux 12 (bookworm)"),
        Ok("openssh_9.2p1_debian")
    );
    assert_eq!(pick("Fedora Linux 40"), Ok(FALLBACK));
    assert_eq!(pick(""), Ok(FALLBACK));
}

#[test]
fn an_explicit_id_wins_over_the_distribution() {
    let p = SshProfile::select("openssh_9.2p1_debian", "Ubuntu 22.04.3 LTS").unwrap();
    assert_eq!(p.id, "openssh_9.2p1_debian");
}

#[test]
fn an_unknown_id_is_an_error_naming_the_valid_ones() {
    let err = SshProfile::select("openssh_7.4p1", "Ubuntu 22.04.3 LTS").unwrap_err();
    assert_eq!(err.id, "openssh_7.4p1");
    assert_eq!(
        err.to_string(),
        "unknown SSH profile \"openssh_7.4p1\"; valid values: auto, openssh_8.2p1_ubuntu, \
         openssh_8.9p1_ubuntu, openssh_9.2p1_debian, openssh_9.6p1_ubuntu"
    );
    // Case matters, as for every other setting.
    assert!(SshProfile::select("AUTO", "Ubuntu 22.04.3 LTS").is_err());
}

#[test]
fn banners_and_versions_are_consistent() {
    for p in PROFILES {
        assert!(p.banner.starts_with("SSH-2.0-OpenSSH_"), "{}", p.id);
        // russh takes at most 253 bytes plus CR LF; OpenSSH's own banner is much shorter.
        assert!(p.banner.len() < 100, "{}", p.id);
        assert!(
            p.client_version
                .starts_with(&format!("{}, OpenSSL ", p.software_version())),
            "{}",
            p.id
        );
        let upstream = p.software_version().split(' ').next().unwrap_or_default();
        let upstream = upstream.trim_start_matches("OpenSSH_");
        assert!(
            p.package_version.starts_with(&format!("1:{upstream}-")),
            "{}",
            p.id
        );
        assert!(p.id.contains(upstream), "{}", p.id);
    }
}

/// The KEXINIT lists russh sends for 8.9p1: OpenSSH's, minus what russh lacks, in order
/// (expected values from myproposal.h at V_8_9_P1).
#[test]
fn preferred_keeps_openssh_order_and_drops_what_russh_lacks() {
    let preferred = profile("openssh_8.9p1_ubuntu").preferred(&host_keys());
    assert_eq!(
        names(&preferred.kex),
        [
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
        ]
    );
    assert_eq!(
        names(&preferred.cipher),
        [
            "chacha20-poly1305@openssh.com",
            "aes128-ctr",
            "aes192-ctr",
            "aes256-ctr",
            "aes128-gcm@openssh.com",
            "aes256-gcm@openssh.com",
        ]
    );
    assert_eq!(
        names(&preferred.mac),
        [
            "hmac-sha2-256-etm@openssh.com",
            "hmac-sha2-512-etm@openssh.com",
            "hmac-sha1-etm@openssh.com",
            "hmac-sha2-256",
            "hmac-sha2-512",
            "hmac-sha1",
        ]
    );
    assert_eq!(names(&preferred.compression), ["none", "zlib@openssh.com"]);
    // KEXINIT's host-key list first (russh filters by the loaded keys), then the
    // server-sig-algs entries no host key can serve; ssh-rsa cannot be advertised.
    let key: Vec<String> = preferred.key.iter().map(ToString::to_string).collect();
    assert_eq!(
        key,
        [
            "rsa-sha2-512",
            "rsa-sha2-256",
            "ecdsa-sha2-nistp256",
            "ssh-ed25519",
            "sk-ssh-ed25519@openssh.com",
            "ssh-dss",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521",
            "sk-ecdsa-sha2-nistp256@openssh.com",
            "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
        ]
    );
    assert!(preferred.key.contains(&Algorithm::Rsa {
        hash: Some(HashAlg::Sha512)
    }));
}

#[test]
fn the_9_6_kex_list_keeps_ext_info_s() {
    let preferred = profile("openssh_9.6p1_ubuntu").preferred(&host_keys());
    assert_eq!(
        names(&preferred.kex).last().copied(),
        Some("kex-strict-s-v00@openssh.com")
    );
    assert!(names(&preferred.kex).contains(&"ext-info-s"));
    assert!(
        !names(&profile("openssh_9.2p1_debian").preferred(&host_keys()).kex)
            .contains(&"ext-info-s")
    );
}

#[test]
fn the_8_2_host_keys_include_ssh_rsa() {
    let preferred = profile("openssh_8.2p1_ubuntu").preferred(&host_keys());
    let key: Vec<String> = preferred.key.iter().map(ToString::to_string).collect();
    assert_eq!(
        key.get(..5),
        Some(
            &[
                "rsa-sha2-512",
                "rsa-sha2-256",
                "ssh-rsa",
                "ecdsa-sha2-nistp256",
                "ssh-ed25519"
            ]
            .map(String::from)[..]
        )
    );
}

/// What each release sends that russh cannot; docs/fingerprint.md explains each.
#[test]
fn unsupported_names_per_profile() {
    let umac = [
        "umac-64-etm@openssh.com",
        "umac-128-etm@openssh.com",
        "umac-64@openssh.com",
        "umac-128@openssh.com",
    ];
    let missing = |id: &str, list: &str| -> Vec<&'static str> {
        profile(id)
            .unsupported(&host_keys())
            .into_iter()
            .filter(|u| u.list == list)
            .map(|u| u.name)
            .collect()
    };
    for p in PROFILES {
        assert_eq!(missing(p.id, "macs"), umac, "{}", p.id);
        assert!(missing(p.id, "ciphers").is_empty(), "{}", p.id);
        assert!(missing(p.id, "host_keys").is_empty(), "{}", p.id);
        assert!(missing(p.id, "compression").is_empty(), "{}", p.id);
    }
    assert!(missing("openssh_8.2p1_ubuntu", "kex").is_empty());
    assert!(missing("openssh_8.2p1_ubuntu", "server-sig-algs").is_empty());
    assert!(missing("openssh_8.2p1_ubuntu", "ext_info").is_empty());
    assert_eq!(
        missing("openssh_8.9p1_ubuntu", "kex"),
        ["sntrup761x25519-sha512@openssh.com"]
    );
    assert_eq!(
        missing("openssh_9.2p1_debian", "kex"),
        [
            "sntrup761x25519-sha512",
            "sntrup761x25519-sha512@openssh.com"
        ]
    );
    assert_eq!(
        missing("openssh_9.6p1_ubuntu", "kex"),
        ["sntrup761x25519-sha512@openssh.com"]
    );
    for id in ["openssh_8.9p1_ubuntu", "openssh_9.2p1_debian"] {
        assert_eq!(missing(id, "server-sig-algs"), ["ssh-rsa"], "{id}");
        assert_eq!(
            missing(id, "ext_info"),
            ["publickey-hostbound@openssh.com"],
            "{id}"
        );
    }
    assert!(missing("openssh_9.6p1_ubuntu", "server-sig-algs").is_empty());
    assert_eq!(
        missing("openssh_9.6p1_ubuntu", "ext_info"),
        ["publickey-hostbound@openssh.com", "ping@openssh.com"]
    );
}

#[test]
fn the_recommended_profile_differs_least() {
    let count = |p: &SshProfile| p.unsupported(&host_keys()).len();
    let best = PROFILES.iter().min_by_key(|p| count(p)).map(|p| p.id);
    assert_eq!(best, Some(RECOMMENDED));
}

/// docs/fingerprint.md names every profile and every name russh cannot send.
#[test]
fn the_fingerprint_doc_lists_every_difference() {
    let doc = include_str!("../../../../docs/fingerprint.md");
    for p in PROFILES {
        assert!(doc.contains(&format!("`{}`", p.id)), "{} missing", p.id);
        assert!(doc.contains(p.banner), "{} banner missing", p.id);
        for u in p.unsupported(&host_keys()) {
            assert!(doc.contains(u.name), "{}: {} missing", p.id, u.name);
        }
    }
}

#[test]
fn install_sets_the_openssh_packages_and_is_found_again() {
    let mut host = crate::host::HostProfile::generate(7);
    let p = profile("openssh_9.2p1_debian");
    p.install(&mut host);
    for package in &host.packages {
        if package.name.starts_with("openssh-") {
            assert_eq!(package.version, p.package_version, "{}", package.name);
        }
    }
    assert_eq!(SshProfile::installed_on(&host).id, p.id);
    // Without an OpenSSH package of a known version, the distribution decides.
    host.packages.retain(|p| !p.name.starts_with("openssh-"));
    assert_eq!(
        SshProfile::installed_on(&host).id,
        SshProfile::for_distro(&host.distro).id
    );
}
