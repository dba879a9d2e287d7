//! Identity and account files under `/etc`, as the release and platform have them.

use chrono::Duration;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::host::HostProfile;
use crate::host::accounts::password_hash;
use crate::host::platform::Platform;
use crate::host::release::Series;

/// `(path, contents)` of every generated file under `/etc`.
pub fn files(profile: &HostProfile) -> Vec<(&'static str, String)> {
    vec![
        ("/etc/hostname", format!("{}\n", profile.short_hostname())),
        ("/etc/hosts", hosts(profile)),
        ("/etc/os-release", os_release(profile)),
        ("/etc/lsb-release", lsb_release(profile)),
        ("/etc/issue", format!("{} \\n \\l\n\n", profile.distro)),
        ("/etc/issue.net", format!("{}\n", profile.distro)),
        (
            "/etc/debian_version",
            format!("{}\n", profile.release().debian_version),
        ),
        ("/etc/passwd", passwd(profile)),
        ("/etc/group", group(profile)),
        ("/etc/timezone", "Etc/UTC\n".to_owned()),
        ("/etc/machine-id", format!("{}\n", profile.machine_id)),
    ]
}

/// The point release (`22.04.3`) from `PRETTY_NAME` (`Ubuntu 22.04.3 LTS`).
fn point_release(profile: &HostProfile) -> &str {
    profile
        .distro
        .split_whitespace()
        .nth(1)
        .unwrap_or(profile.release().version_id)
}

/// `/etc/os-release` exactly as each release's `base-files` writes it (20.04 orders the
/// keys differently; 24.04 adds `LOGO`).
pub fn os_release(profile: &HostProfile) -> String {
    let r = profile.release();
    let pretty = &profile.distro;
    let version = format!("{} LTS ({})", point_release(profile), r.name);
    let urls = "HOME_URL=\"https://www.ubuntu.com/\"\n\
                SUPPORT_URL=\"https://help.ubuntu.com/\"\n\
                BUG_REPORT_URL=\"https://bugs.launchpad.net/ubuntu/\"\n\
                PRIVACY_POLICY_URL=\"https://www.ubuntu.com/legal/terms-and-policies/privacy-policy\"\n";
    match profile.series() {
        Series::Focal => format!(
            "NAME=\"Ubuntu\"\nVERSION=\"{version}\"\nID=ubuntu\nID_LIKE=debian\n\
             PRETTY_NAME=\"{pretty}\"\nVERSION_ID=\"{id}\"\n{urls}\
             VERSION_CODENAME={code}\nUBUNTU_CODENAME={code}\n",
            id = r.version_id,
            code = r.codename,
        ),
        series => format!(
            "PRETTY_NAME=\"{pretty}\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"{id}\"\n\
             VERSION=\"{version}\"\nVERSION_CODENAME={code}\nID=ubuntu\nID_LIKE=debian\n\
             {urls}UBUNTU_CODENAME={code}\n{logo}",
            id = r.version_id,
            code = r.codename,
            logo = if series == Series::Noble {
                "LOGO=ubuntu-logo\n"
            } else {
                ""
            },
        ),
    }
}

fn lsb_release(profile: &HostProfile) -> String {
    let r = profile.release();
    format!(
        "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE={}\nDISTRIB_CODENAME={}\nDISTRIB_DESCRIPTION=\"{}\"\n",
        r.version_id, r.codename, profile.distro
    )
}

/// Whether `/etc/hosts` maps the hostname to 127.0.1.1: ISO installs and providers whose
/// cloud-init manages the file do; EC2, GCE and Azure images resolve it through DNS.
pub fn hosts_maps_loopback(profile: &HostProfile) -> bool {
    !matches!(
        profile.platform,
        Platform::Aws | Platform::AwsXen | Platform::Gcp | Platform::Azure
    )
}

fn hosts(profile: &HostProfile) -> String {
    let host = profile.short_hostname();
    let v6 = "# The following lines are desirable for IPv6 capable hosts\n\
              ::1 ip6-localhost ip6-loopback\n\
              fe00::0 ip6-localnet\n\
              ff00::0 ip6-mcastprefix\n\
              ff02::1 ip6-allnodes\n\
              ff02::2 ip6-allrouters\n";
    match profile.platform {
        Platform::Aws | Platform::AwsXen | Platform::Gcp | Platform::Azure => {
            format!("127.0.0.1 localhost\n\n{v6}ff02::3 ip6-allhosts\n")
        }
        // cloud-init's manage_etc_hosts template.
        Platform::DigitalOcean | Platform::Hetzner => format!(
            "# Your system has configured 'manage_etc_hosts' as True.\n\
             # As a result, if you wish for changes to this file to persist\n\
             # then you will need to either\n\
             # a.) make changes to the master file in /etc/cloud/templates/hosts.debian.tmpl\n\
             # b.) change or remove the value of 'manage_etc_hosts' in\n\
             #     /etc/cloud/cloud.cfg or cloud-config from user-data\n\
             #\n\
             127.0.1.1 {host} {host}\n\
             127.0.0.1 localhost\n\n\
             # The following lines are desirable for IPv6 capable hosts\n\
             ::1 localhost ip6-localhost ip6-loopback\n\
             ff02::1 ip6-allnodes\n\
             ff02::2 ip6-allrouters\n"
        ),
        // What the server installer writes.
        Platform::Vmware | Platform::Kvm => format!(
            "127.0.0.1 localhost\n127.0.1.1 {host}\n\n\
             # The following lines are desirable for IPv6 capable hosts\n\
             ::1     ip6-localhost ip6-loopback\n\
             fe00::0 ip6-localnet\n\
             ff00::0 ip6-mcastprefix\n\
             ff02::1 ip6-allnodes\n\
             ff02::2 ip6-allrouters\n"
        ),
    }
}

fn passwd(profile: &HostProfile) -> String {
    profile
        .passwd()
        .iter()
        .map(|e| {
            format!(
                "{}:x:{}:{}:{}:{}:{}\n",
                e.name, e.uid, e.gid, e.gecos, e.home, e.shell
            )
        })
        .collect()
}

fn group(profile: &HostProfile) -> String {
    profile
        .groups()
        .iter()
        .map(|g| format!("{}:x:{}:{}\n", g.name, g.gid, g.members.join(",")))
        .collect()
}

/// `/etc/shadow`: system accounts locked with `*`, root and login users with hashes in the
/// release's scheme (cloud users created for key login have `!`), change dates in days.
///
/// Not among [`files`]: the file must keep mode 0640 `root:shadow`, which the filesystem
/// image gives the file it creates; it takes the contents from here.
pub fn shadow(profile: &HostProfile) -> String {
    let installed = (profile.boot_time - Duration::days(20 + (profile.seed % 40) as i64))
        .timestamp()
        .div_euclid(86_400);
    let created = installed - 3;
    let mut rng = StdRng::seed_from_u64(profile.seed ^ 0x5ad0_5eed);
    let root_hash = password_hash(&mut rng, profile.series());
    let mut out = String::new();
    for entry in profile.passwd() {
        let line = if entry.name == "root" {
            format!("root:{root_hash}:{installed}:0:99999:7:::\n")
        } else if let Some(user) = profile.users.iter().find(|u| u.name == entry.name) {
            format!(
                "{}:{}:{installed}:0:99999:7:::\n",
                user.name, user.password_hash
            )
        } else {
            format!("{}:*:{created}:0:99999:7:::\n", entry.name)
        };
        out.push_str(&line);
    }
    out
}
