//! Tests of the filesystem: the image, resolution, overlay semantics, quotas, the store.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::host::HostProfile;

fn profile() -> HostProfile {
    HostProfile::generate(7)
}

/// The time the image is built at (and the tests' "now" is an hour later).
fn boot() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 11, 20, 8, 0, 0)
        .single()
        .unwrap_or_default()
}

fn image() -> Image {
    Image::build(
        &profile(),
        boot(),
        &["/usr/bin/uname", "whoami", "/sbin/ifconfig"],
    )
}

/// Runs `f` on a handle for `cred` over `overlay`.
fn with<R>(overlay: &mut Overlay, cred: Cred, f: impl FnOnce(&mut Fs<'_>) -> R) -> R {
    let host = profile();
    let mut fs = Fs::new(
        overlay,
        &host,
        cred,
        boot() + chrono::Duration::hours(1),
        "/root",
    );
    f(&mut fs)
}

#[test]
fn the_image_looks_like_ubuntu() {
    let image = image();
    let mut overlay = Overlay::new(&image, Limits::default());
    with(&mut overlay, Cred::root(), |fs| {
        assert_eq!(fs.readlink("/bin").as_deref(), Ok("usr/bin"));
        assert_eq!(fs.readlink("/sbin").as_deref(), Ok("usr/sbin"));
        assert_eq!(fs.stat("/tmp").map(|s| s.mode), Ok(0o1777));
        assert_eq!(fs.stat("/root").map(|s| s.mode), Ok(0o700));
        assert_eq!(
            fs.read("/etc/hostname"),
            Ok(format!("{}\n", profile().short_hostname()).into_bytes())
        );
        let ls = fs.stat("/bin/ls").unwrap();
        assert_eq!(ls.file_type, FileType::Regular);
        assert_eq!(ls.mode, 0o755);
        assert!(ls.size > 100_000);
        assert_eq!(&fs.read("/usr/bin/ls").unwrap()[..4], b"\x7fELF");
        assert!(fs.exists("/usr/bin/uname") && fs.exists("/usr/bin/whoami"));
        assert!(fs.exists("/sbin/ifconfig"));
        assert_eq!(fs.read("/root/.bashrc").map(|b| b.len()), Ok(3106));
        assert_eq!(fs.read("/root/.profile").map(|b| b.len()), Ok(161));
        assert_eq!(fs.read("/etc/skel/.bashrc").map(|b| b.len()), Ok(3771));
        assert!(!fs.read("/proc/version").unwrap_or_default().is_empty());
        assert_eq!(fs.stat("/proc/version").map(|s| s.size), Ok(0));
        let os =
            String::from_utf8(fs.read("/etc/os-release").unwrap_or_default()).unwrap_or_default();
        assert!(
            os.contains(&format!("PRETTY_NAME=\"{}\"", profile().distro)),
            "{os}"
        );
        assert_eq!(fs.stat("/etc/shadow").map(|s| s.mode), Ok(0o640));
        assert_eq!(fs.read("/dev/null"), Ok(Vec::new()));
        assert_eq!(fs.read_limited("/dev/zero", 5), Ok(vec![0; 5]));
        assert_eq!(fs.read_limited("/dev/urandom", 7).map(|b| b.len()), Ok(7));
        let auth = String::from_utf8(fs.read("/var/log/auth.log").unwrap()).unwrap();
        assert!(auth.contains(profile().short_hostname()) && auth.contains("CRON["));
        let accounts = fs.accounts();
        assert_eq!(accounts.user_name(0), "root");
    });
}

#[test]
fn resolution_like_linux() {
    let image = image();
    let mut overlay = Overlay::new(&image, Limits::default());
    with(&mut overlay, Cred::root(), |fs| {
        fn canon(fs: &Fs<'_>, p: &str) -> FsResult<String> {
            fs.canonicalize(p, Canon::Existing)
        }
        assert_eq!(
            canon(fs, "/usr/../etc/./hostname").as_deref(),
            Ok("/etc/hostname")
        );
        assert_eq!(
            canon(fs, "//etc///hostname").as_deref(),
            Ok("/etc/hostname")
        );
        assert_eq!(canon(fs, "/bin/ls").as_deref(), Ok("/usr/bin/ls"));
        assert_eq!(canon(fs, "/var/run/../tmp").as_deref(), Ok("/tmp"));
        assert_eq!(canon(fs, "..").as_deref(), Ok("/"));
        assert_eq!(canon(fs, "/../../..").as_deref(), Ok("/"));
        assert_eq!(
            canon(fs, "/etc/os-release").as_deref(),
            Ok("/usr/lib/os-release")
        );
        assert_eq!(canon(fs, "/nope"), Err(FsError::NotFound));
        assert_eq!(
            fs.canonicalize("/nope/x", Canon::Missing).as_deref(),
            Ok("/nope/x")
        );
        assert_eq!(
            fs.canonicalize("/tmp/new", Canon::AllButLast).as_deref(),
            Ok("/tmp/new")
        );
        assert_eq!(
            fs.stat("/etc/hostname/x").err(),
            Some(FsError::NotADirectory)
        );
        assert_eq!(
            fs.stat("/etc/hostname/").err(),
            Some(FsError::NotADirectory)
        );
        assert_eq!(fs.stat("").err(), Some(FsError::NotFound));
        assert_eq!(
            fs.stat(&format!("/tmp/{}", "a".repeat(300))).err(),
            Some(FsError::NameTooLong)
        );
        fs.symlink("/tmp/b", "/tmp/a").unwrap();
        fs.symlink("/tmp/a", "/tmp/b").unwrap();
        assert_eq!(fs.stat("/tmp/a").err(), Some(FsError::Loop));
        assert!(fs.lstat("/tmp/a").is_ok());
        fs.symlink("hostname", "/etc/alias").unwrap();
        assert_eq!(fs.read("/etc/alias"), fs.read("/etc/hostname"));
        fs.symlink("../etc", "/tmp/etc").unwrap();
        assert_eq!(
            canon(fs, "/tmp/etc/hostname").as_deref(),
            Ok("/etc/hostname")
        );
        assert_eq!(
            fs.stat("/tmp/dangling-target").err(),
            Some(FsError::NotFound)
        );
        fs.symlink("/tmp/made-by-link", "/tmp/dangling").unwrap();
        fs.write("/tmp/dangling", b"x", false).unwrap();
        assert_eq!(fs.read("/tmp/made-by-link"), Ok(b"x".to_vec()));
    });
}

#[test]
fn permissions_for_users() {
    let image = image();
    let mut overlay = Overlay::new(&image, Limits::default());
    provision_home(&mut overlay, &profile(), "bob", boot());
    let bob = with(&mut overlay, Cred::root(), |fs| fs.accounts().cred("bob"));
    with(&mut overlay, bob.clone(), |fs| {
        assert_eq!(fs.read("/etc/shadow"), Err(FsError::PermissionDenied));
        assert_eq!(fs.read_dir("/root").err(), Some(FsError::PermissionDenied));
        assert_eq!(
            fs.stat("/root/.bashrc").err(),
            Some(FsError::PermissionDenied)
        );
        assert_eq!(
            fs.write("/etc/passwd", b"x", true),
            Err(FsError::PermissionDenied)
        );
        assert_eq!(fs.mkdir("/etc/x", 0o777), Err(FsError::PermissionDenied));
        assert_eq!(fs.write("/tmp/mine", b"1", false), Ok(Written::File));
        assert_eq!(
            fs.stat("/tmp/mine").map(|s| (s.uid, s.mode)),
            Ok((bob.uid, 0o644))
        );
        assert_eq!(fs.chmod("/etc/passwd", 0o777), Err(FsError::NotPermitted));
        assert_eq!(
            fs.chown("/tmp/mine", Some(0), None, true),
            Err(FsError::NotPermitted)
        );
        assert!(fs.exists("/home/bob/.bashrc"));
        assert_eq!(fs.stat("/home/bob").map(|s| s.uid), Ok(bob.uid));
    });
    with(&mut overlay, Cred::root(), |fs| {
        fs.write("/tmp/roots", b"r", false).unwrap();
    });
    with(&mut overlay, bob, |fs| {
        assert_eq!(fs.unlink("/tmp/roots"), Err(FsError::NotPermitted));
        assert_eq!(fs.unlink("/tmp/mine"), Ok(()));
    });
}

#[test]
fn overlay_semantics_and_isolation() {
    let image = image();
    let mut a = Overlay::new(&image, Limits::default());
    let mut b = Overlay::new(&image, Limits::default());
    with(&mut a, Cred::root(), |fs| {
        fs.write("/tmp/x", b"hello\n", false).unwrap();
        fs.write("/tmp/x", b"world\n", true).unwrap();
        assert_eq!(fs.read("/tmp/x"), Ok(b"hello\nworld\n".to_vec()));
        fs.write("/tmp/x", b"new\n", false).unwrap();
        assert_eq!(fs.read("/tmp/x"), Ok(b"new\n".to_vec()));
        fs.unlink("/etc/hostname").unwrap();
        assert_eq!(fs.read("/etc/hostname"), Err(FsError::NotFound));
        fs.mkdir_all("/tmp/.xs/a/b", 0o777).unwrap();
        assert!(fs.is_dir("/tmp/.xs/a/b"));
        assert_eq!(fs.stat("/tmp/.xs").map(|s| s.mode), Ok(0o755));
        fs.write("/tmp/.xs/a/b/f", b"f", false).unwrap();
        fs.rename("/tmp/.xs", "/var/tmp/moved").unwrap();
        assert_eq!(fs.read("/var/tmp/moved/a/b/f"), Ok(b"f".to_vec()));
        assert!(!fs.exists("/tmp/.xs"));
        assert_eq!(
            fs.rename("/var/tmp/moved", "/var/tmp/moved/a/c"),
            Err(FsError::InvalidArgument)
        );
        fs.rename("/etc/passwd", "/tmp/passwd").unwrap();
        assert!(!fs.exists("/etc/passwd") && fs.exists("/tmp/passwd"));
        fs.chmod("/tmp/x", 0o777).unwrap();
        assert_eq!(fs.stat("/tmp/x").map(|s| s.mode), Ok(0o777));
        assert_eq!(fs.rmdir("/var/tmp/moved"), Err(FsError::NotEmpty));
        assert_eq!(fs.rmdir("/proc"), Err(FsError::Busy));
        assert_eq!(fs.unlink("/tmp"), Err(FsError::IsADirectory));
        assert_eq!(fs.mkdir("/tmp", 0o777), Err(FsError::Exists));
        assert_eq!(fs.write("/tmp", b"", false), Err(FsError::IsADirectory));
        assert_eq!(
            fs.write("/tmp/new/", b"", false),
            Err(FsError::IsADirectory)
        );
        assert_eq!(fs.write("/nope/x", b"", false), Err(FsError::NotFound));
        assert_eq!(fs.write("/proc/.x", b"", false), Err(FsError::NotFound));
        assert_eq!(
            fs.write("/sys/.x", b"", false),
            Err(FsError::PermissionDenied)
        );
        assert_eq!(
            fs.write("/dev/pts/.x", b"", false),
            Err(FsError::PermissionDenied)
        );
        assert_eq!(fs.write("/dev/shm/.x", b"1", false), Ok(Written::File));
        assert_eq!(
            fs.write("/dev/null", b"gone", false),
            Ok(Written::Discarded)
        );
        assert_eq!(fs.write("/dev/full", b"x", false), Err(FsError::NoSpace));
        assert_eq!(fs.read("/dev/null"), Ok(Vec::new()));
    });
    with(&mut b, Cred::root(), |fs| {
        assert!(fs.exists("/etc/hostname") && fs.exists("/etc/passwd"));
        assert!(!fs.exists("/tmp/x"));
    });
    // The image itself never changes.
    let mut fresh = Overlay::new(&image, Limits::default());
    with(&mut fresh, Cred::root(), |fs| {
        assert!(fs.exists("/etc/hostname"))
    });
}

#[test]
fn quotas_fail_like_a_full_disk() {
    let image = image();
    let limits = Limits {
        max_bytes: 100,
        max_entries: 3,
    };
    let mut overlay = Overlay::new(&image, limits);
    with(&mut overlay, Cred::root(), |fs| {
        fs.write("/tmp/a", &[b'a'; 60], false).unwrap();
        assert_eq!(fs.write("/tmp/a", &[b'a'; 50], true), Err(FsError::NoSpace));
        assert_eq!(
            fs.write("/tmp/b", &[b'b'; 50], false),
            Err(FsError::NoSpace)
        );
        // A failed write leaves what was there; the file it opened stays, empty, as on a
        // real full disk.
        assert_eq!(fs.read("/tmp/a").map(|b| b.len()), Ok(60));
        assert_eq!(fs.read("/tmp/b"), Ok(Vec::new()));
        fs.unlink("/tmp/b").unwrap();
        fs.write("/tmp/a", b"short", false).unwrap();
        fs.mkdir("/tmp/d", 0o777).unwrap();
        fs.symlink("/tmp/a", "/tmp/l").unwrap();
        assert_eq!(fs.mkdir("/tmp/e", 0o777), Err(FsError::NoSpace));
        fs.unlink("/tmp/l").unwrap();
        fs.mkdir("/tmp/e", 0o777).unwrap();
    });
    assert_eq!(overlay.usage().entries, 3);
    assert_eq!(overlay.usage().bytes, 5);
    with(&mut overlay, Cred::root(), |fs| {
        fs.unlink("/tmp/a").unwrap();
        fs.rmdir("/tmp/d").unwrap();
    });
    assert_eq!((overlay.usage().entries, overlay.usage().bytes), (1, 0));
    assert!(overlay.usage().memory() > 0);
}

#[test]
fn store_keeps_overlays_for_a_while() {
    let image = Arc::new(image());
    let config = StoreConfig {
        persist: Duration::from_secs(3_600),
        limits: Limits::default(),
        max_parked: 2,
        max_parked_bytes: u64::MAX,
    };
    let mut store = OverlayStore::new(image, Arc::new(profile()), config);
    let key = |ip: [u8; 4], user: &str| OverlayKey {
        ip: std::net::IpAddr::from(ip),
        user: user.to_owned(),
    };
    let t0 = Instant::now();
    let (first, resumed) = store.checkout(key([1, 2, 3, 4], "root"), t0);
    assert!(!resumed);
    with(&mut lock(&first), Cred::root(), |fs| {
        fs.write("/tmp/x", b"hi\n", false).unwrap();
    });
    // A second, concurrent session shares it.
    let (second, resumed) = store.checkout(key([1, 2, 3, 4], "root"), t0);
    assert!(resumed && Arc::ptr_eq(&first, &second));
    store.checkin(&key([1, 2, 3, 4], "root"), t0);
    store.checkin(&key([1, 2, 3, 4], "root"), t0);
    // Another user or address gets a fresh one.
    let (other, resumed) = store.checkout(key([1, 2, 3, 4], "admin"), t0);
    assert!(!resumed && !Arc::ptr_eq(&first, &other));
    with(&mut lock(&other), Cred::root(), |fs| {
        assert!(!fs.exists("/tmp/x"));
        assert!(fs.is_dir("/home/admin"));
    });
    store.checkin(&key([1, 2, 3, 4], "admin"), t0);
    // Within the persistence time the files are back.
    let later = t0 + Duration::from_secs(3_000);
    let (back, resumed) = store.checkout(key([1, 2, 3, 4], "root"), later);
    assert!(resumed);
    with(&mut lock(&back), Cred::root(), |fs| {
        assert_eq!(fs.read("/tmp/x"), Ok(b"hi\n".to_vec()));
    });
    store.checkin(&key([1, 2, 3, 4], "root"), later);
    // After it, they are gone.
    let much_later = later + Duration::from_secs(3_601);
    assert_eq!(store.expire(much_later), 2);
    let (gone, resumed) = store.checkout(key([1, 2, 3, 4], "root"), much_later);
    assert!(!resumed);
    with(&mut lock(&gone), Cred::root(), |fs| {
        assert!(!fs.exists("/tmp/x"))
    });
    // At most `max_parked` parked overlays stay, the oldest go first.
    for (i, user) in ["a", "b", "c"].iter().enumerate() {
        let at = much_later + Duration::from_secs(i as u64);
        store.checkout(key([9, 9, 9, 9], user), at);
        store.checkin(&key([9, 9, 9, 9], user), at);
    }
    assert_eq!(store.len(), 3, "two parked plus one live");
    let (_, resumed) = store.checkout(key([9, 9, 9, 9], "a"), much_later + Duration::from_secs(5));
    assert!(!resumed, "the oldest parked overlay was dropped");
}

#[test]
fn store_forgets_at_once_with_zero_persistence() {
    let config = StoreConfig {
        persist: Duration::ZERO,
        ..StoreConfig::default()
    };
    let mut store = OverlayStore::new(Arc::new(image()), Arc::new(profile()), config);
    let key = OverlayKey {
        ip: std::net::IpAddr::from([10, 0, 0, 1]),
        user: "root".to_owned(),
    };
    let now = Instant::now();
    store.checkout(key.clone(), now);
    store.checkin(&key, now);
    assert!(store.is_empty());
}

#[test]
fn store_bounds_parked_memory() {
    let config = StoreConfig {
        max_parked_bytes: 10_000,
        ..StoreConfig::default()
    };
    let mut store = OverlayStore::new(Arc::new(image()), Arc::new(profile()), config);
    let now = Instant::now();
    for i in 0..5u8 {
        let key = OverlayKey {
            ip: std::net::IpAddr::from([10, 0, 0, i]),
            user: "root".to_owned(),
        };
        let (overlay, _) = store.checkout(key.clone(), now);
        with(&mut lock(&overlay), Cred::root(), |fs| {
            fs.write("/tmp/blob", &[0u8; 4_000], false).unwrap();
        });
        store.checkin(&key, now + Duration::from_secs(u64::from(i)));
    }
    assert!(store.len() < 5, "{} overlays kept", store.len());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn resolution_and_operations_never_panic(
        a in "[/a-z.]{0,12}(/[a-z.]{0,4}){0,5}",
        b in "(/|\\.\\./)?[a-z.]{0,6}(/[a-z.~*]{0,3}){0,4}",
        data in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let image = image();
        let mut overlay = Overlay::new(&image, Limits { max_bytes: 256, max_entries: 8 });
        for cred in [Cred::root(), image.accounts().cred("bob")] {
            with(&mut overlay, cred, |fs| {
                fs.stat(&a).ok();
                fs.write(&a, &data, false).ok();
                fs.write(&b, &data, true).ok();
                fs.mkdir_all(&a, 0o777).ok();
                fs.symlink(&a, &b).ok();
                fs.rename(&a, &b).ok();
                fs.read(&b).ok();
                fs.read_dir(&a).ok();
                fs.canonicalize(&b, Canon::Missing).ok();
                fs.chmod(&a, 0o7777).ok();
                fs.unlink(&b).ok();
                fs.rmdir(&a).ok();
            });
        }
        prop_assert!(overlay.usage().bytes <= 256 && overlay.usage().entries <= 8);
    }
}

#[test]
fn changed_account_files_are_read_again_after_every_change() {
    let image = image();
    let mut overlay = Overlay::new(&image, Limits::default());
    let line = |name: &str, id: u32| format!("{name}:x:{id}:{id}::/home/{name}:/bin/sh\n");
    with(&mut overlay, Cred::root(), |fs| {
        fs.write("/etc/passwd", line("svc1", 901).as_bytes(), true)
            .unwrap();
        let first = fs.accounts();
        assert_eq!(first.user("svc1").map(|u| u.uid), Some(901));
        // Unchanged since: the same parse, shared.
        assert!(Arc::ptr_eq(&first, &fs.accounts()));
        fs.write("/etc/passwd", line("svc2", 902).as_bytes(), true)
            .unwrap();
        let second = fs.accounts();
        assert_eq!(second.user("svc2").map(|u| u.uid), Some(902));
        assert_eq!(second.user("svc1").map(|u| u.uid), Some(901));
        fs.write("/etc/group", b"ops:x:950:svc2\n", true).unwrap();
        assert_eq!(
            fs.accounts().group_by_gid(950).map(|g| g.name.as_str()),
            Some("ops")
        );
        fs.unlink("/etc/passwd").unwrap();
        assert!(fs.accounts().user("svc2").is_none());
    });
    // A copy of the overlay (a checkpoint) answers the same, and changes of its own are its own.
    let mut copy = overlay.clone();
    with(&mut copy, Cred::root(), |fs| {
        assert!(fs.accounts().user("svc2").is_none());
        fs.write("/etc/passwd", line("svc3", 903).as_bytes(), false)
            .unwrap();
        assert_eq!(fs.accounts().user("svc3").map(|u| u.uid), Some(903));
    });
    with(&mut overlay, Cred::root(), |fs| {
        assert!(fs.accounts().user("svc3").is_none());
    });
}
