//! Rotation: by size and age, naming, the keep limit, reopening.

use super::*;

fn command(n: usize) -> Event {
    event_at(
        EventKind::CommandInput {
            input: format!("echo {n:05}"),
        },
        t0(),
        n as u128,
    )
}

fn config(max_bytes: u64, rotate_secs: u64, keep: usize) -> LogConfig {
    LogConfig {
        enabled: true,
        max_bytes,
        rotate_secs,
        keep,
    }
}

/// The rotated files (oldest first) and then the current file.
fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut rotated: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| rotated_time("mirage.json", p.file_name().unwrap().to_str().unwrap()).is_some())
        .collect();
    rotated.sort();
    rotated.push(dir.join("mirage.json"));
    rotated
}

fn lines(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn inputs(dir: &Path) -> Vec<String> {
    all_files(dir)
        .iter()
        .flat_map(|p| lines(p))
        .map(|v| v["input"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn size_rotation_keeps_every_event_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log").join("mirage.json");
    let line_len = encode_line(&cowrie_json(&command(0))).unwrap().len() as u64;
    let mut log = JsonLog::open(&path, &config(line_len * 3 + 10, 0, 100)).unwrap();
    for n in 0..20 {
        log.write(&command(n), t0()).unwrap();
    }
    log.flush().unwrap();
    let files = all_files(path.parent().unwrap());
    assert_eq!(files.len(), 7, "{files:?}"); // 6 full files of 3 lines, 2 lines in the current one
    for file in &files {
        assert!(fs::metadata(file).unwrap().len() <= line_len * 3 + 10);
    }
    let expected: Vec<String> = (0..20).map(|n| format!("echo {n:05}")).collect();
    assert_eq!(inputs(path.parent().unwrap()), expected);
}

#[test]
fn deferred_lines_rotate_like_written_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (direct, deferred) = (dir.path().join("direct"), dir.path().join("deferred"));
    let line_len = encode_line(&cowrie_json(&command(0))).unwrap().len() as u64;
    let settings = config(line_len * 3 + 10, 0, 100);
    let mut one_by_one = JsonLog::open(&direct.join("mirage.json"), &settings).unwrap();
    let mut batched = JsonLog::open(&deferred.join("mirage.json"), &settings).unwrap();
    for n in 0..20 {
        one_by_one.write(&command(n), t0()).unwrap();
        batched.write_deferred(&command(n), t0()).unwrap();
        if n % 7 == 6 {
            batched.write_buffered().unwrap();
        }
    }
    // Lines still deferred are not in the file yet.
    let current = deferred.join("mirage.json");
    assert_ne!(
        lines(&current).len(),
        lines(&direct.join("mirage.json")).len()
    );
    batched.flush().unwrap();
    let contents = |dir: &Path| {
        all_files(dir)
            .iter()
            .map(|p| fs::read_to_string(p).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        contents(&deferred),
        contents(&direct),
        "same files, same lines"
    );
    assert_eq!(all_files(&deferred).len(), 7);
}

#[test]
fn a_line_larger_than_max_bytes_is_written_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirage.json");
    let mut log = JsonLog::open(&path, &config(10, 0, 10)).unwrap();
    for n in 0..3 {
        log.write(&command(n), t0()).unwrap();
    }
    let files = all_files(dir.path());
    assert_eq!(files.len(), 3);
    for file in &files {
        assert_eq!(lines(file).len(), 1);
    }
    assert_eq!(
        inputs(dir.path()),
        ["echo 00000", "echo 00001", "echo 00002"]
    );
}

#[test]
fn age_rotation_uses_the_given_clock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirage.json");
    let mut log = JsonLog::open(&path, &config(1 << 20, 60, 10)).unwrap();
    log.write(&command(0), t0()).unwrap();
    log.write(&command(1), t0() + TimeDelta::seconds(59))
        .unwrap();
    assert_eq!(all_files(dir.path()).len(), 1);
    log.write(&command(2), t0() + TimeDelta::seconds(60))
        .unwrap();
    let files = all_files(dir.path());
    assert_eq!(files.len(), 2);
    assert_eq!(
        files[0].file_name().unwrap().to_str().unwrap(),
        "mirage.json.2026-11-21T02-52-03.123456Z"
    );
    assert_eq!(lines(&files[0]).len(), 2);
    // The fresh file's age counts from its first line.
    log.write(&command(3), t0() + TimeDelta::seconds(119))
        .unwrap();
    assert_eq!(all_files(dir.path()).len(), 2);
    log.write(&command(4), t0() + TimeDelta::seconds(120))
        .unwrap();
    assert_eq!(all_files(dir.path()).len(), 3);
    assert_eq!(inputs(dir.path()).len(), 5);
}

#[test]
fn rotate_secs_zero_never_rotates_by_age() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirage.json");
    let mut log = JsonLog::open(&path, &config(1 << 20, 0, 10)).unwrap();
    log.write(&command(0), t0()).unwrap();
    log.write(&command(1), t0() + TimeDelta::days(3650))
        .unwrap();
    assert_eq!(all_files(dir.path()).len(), 1);
}

#[test]
fn keep_limit_deletes_the_oldest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirage.json");
    let mut log = JsonLog::open(&path, &config(1, 0, 2)).unwrap();
    for n in 0..6 {
        log.write(&command(n), t0() + TimeDelta::seconds(n as i64))
            .unwrap();
    }
    let files = all_files(dir.path());
    assert_eq!(files.len(), 3, "two rotated and the current one: {files:?}");
    assert_eq!(
        inputs(dir.path()),
        ["echo 00003", "echo 00004", "echo 00005"]
    );
}

#[test]
fn keep_zero_keeps_no_rotated_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirage.json");
    let mut log = JsonLog::open(&path, &config(1, 0, 0)).unwrap();
    for n in 0..4 {
        log.write(&command(n), t0()).unwrap();
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    assert_eq!(inputs(dir.path()), ["echo 00003"]);
}

#[test]
fn other_files_are_never_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirage.json");
    let others = [
        "mirage.json.gz",
        "mirage.json.2020-01-01T00-00-00.000000Z.gz",
        "mirage.json.2020-01-01T00:00:00.000000Z",
        "other.json.2020-01-01T00-00-00.000000Z",
        "mirage.json.2020-13-01T00-00-00.000000Z",
    ];
    for name in others {
        fs::write(dir.path().join(name), "x").unwrap();
    }
    let mut log = JsonLog::open(&path, &config(1, 0, 0)).unwrap();
    for n in 0..3 {
        log.write(&command(n), t0()).unwrap();
    }
    for name in others {
        assert!(dir.path().join(name).exists(), "{name} was deleted");
    }
}

#[test]
fn same_instant_rotations_get_distinct_sorted_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirage.json");
    let mut log = JsonLog::open(&path, &config(1, 0, 100)).unwrap();
    for n in 0..5 {
        log.write(&command(n), t0()).unwrap();
    }
    // The clock steps back: names still sort after the earlier ones.
    for n in 5..8 {
        log.write(&command(n), t0() - TimeDelta::hours(1)).unwrap();
    }
    drop(log);
    // And across a restart.
    let mut log = JsonLog::open(&path, &config(1, 0, 100)).unwrap();
    log.write(&command(8), t0() - TimeDelta::hours(2)).unwrap();
    let files = all_files(dir.path());
    assert_eq!(files.len(), 9);
    let names: Vec<&str> = files[..8]
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(names[0], "mirage.json.2026-11-21T02-51-03.123456Z");
    assert_eq!(names[7], "mirage.json.2026-11-21T02-51-03.123463Z");
    let expected: Vec<String> = (0..9).map(|n| format!("echo {n:05}")).collect();
    assert_eq!(inputs(dir.path()), expected);
}

#[test]
fn reopen_appends_and_keeps_the_age() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirage.json");
    let cfg = config(1 << 20, 60, 10);
    let mut log = JsonLog::open(&path, &cfg).unwrap();
    log.write(
        &event_at(EventKind::CommandInput { input: "a".into() }, t0(), 1),
        t0(),
    )
    .unwrap();
    log.write(
        &event_at(EventKind::CommandInput { input: "b".into() }, t0(), 2),
        t0(),
    )
    .unwrap();
    drop(log);
    let mut log = JsonLog::open(&path, &cfg).unwrap();
    let later = t0() + TimeDelta::seconds(30);
    log.write(
        &event_at(EventKind::CommandInput { input: "c".into() }, later, 3),
        later,
    )
    .unwrap();
    assert_eq!(lines(&path).len(), 3);
    drop(log);
    // The age comes from the first line, not from the restart.
    let mut log = JsonLog::open(&path, &cfg).unwrap();
    let late = t0() + TimeDelta::seconds(61);
    log.write(
        &event_at(EventKind::CommandInput { input: "d".into() }, late, 4),
        late,
    )
    .unwrap();
    assert_eq!(all_files(dir.path()).len(), 2);
    assert_eq!(inputs(dir.path()), ["a", "b", "c", "d"]);
}

#[test]
fn a_torn_last_line_does_not_swallow_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirage.json");
    fs::write(&path, "{\"eventid\":\"cowrie.comm").unwrap();
    let mut log = JsonLog::open(&path, &config(1 << 20, 0, 10)).unwrap();
    log.write(&command(1), t0()).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    let last = text.lines().last().unwrap();
    let v: Value = serde_json::from_str(last).unwrap();
    assert_eq!(v["input"], "echo 00001");
    assert_eq!(text.lines().count(), 2);
}

#[test]
fn rotated_names_parse_only_when_exact() {
    let t = rotated_time("mirage.json", "mirage.json.2026-11-21T02-51-03.123456Z").unwrap();
    assert_eq!(t, t0());
    assert!(rotated_time("mirage.json", "mirage.json.2026-11-21T02-51-03.12345Z").is_none());
    assert!(rotated_time("mirage.json", "mirage.json2026-11-21T02-51-03.123456Z").is_none());
    assert!(rotated_time("mirage.json", "mirage.json.2026-11-21T02-51-03.123456Z.gz").is_none());
}
