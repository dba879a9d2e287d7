use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn no_file_gives_the_documented_defaults() {
    let config = Config::load(None, env(&[])).unwrap();
    assert_eq!(config, Config::default());
    assert_eq!(config.ssh.listen.to_string(), "0.0.0.0:2222");
    assert_eq!(config.http.listen.to_string(), "0.0.0.0:8080");
    assert_eq!(config.admin.listen.to_string(), "127.0.0.1:9090");
    assert_eq!(config.data_dir, PathBuf::from("./data"));
}

#[test]
fn unknown_key_is_named_with_its_line() {
    let text = "data_dir = \"/tmp/x\"\n\n[ssh]\nlisten = \"0.0.0.0:22\"\nlisen = 3\n";
    let err = Config::from_toml(Path::new("bad.toml"), text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.toml"), "{err}");
    assert!(err.contains("line 5"), "{err}");
    assert!(err.contains("lisen"), "{err}");
}

#[test]
fn bad_value_is_named_with_its_line() {
    let text = "[admin]\nlisten = \"not an address\"\n";
    let err = Config::from_toml(Path::new("bad.toml"), text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn every_setting_is_overridable_from_the_environment() {
    let vars = env(&[
        ("MIRAGE_DATA_DIR", "/srv/mirage"),
        ("MIRAGE_SSH_LISTEN", "127.0.0.1:22"),
        ("MIRAGE_SSH_AUTH_REJECTION_TIME_MS", "5"),
        ("MIRAGE_SSH_PROFILE", "openssh_9.2p1_debian"),
        ("MIRAGE_SSH_LOGIN_GRACE_TIME_SECS", "30"),
        ("MIRAGE_SSH_UPLOAD_MAX_BYTES", "4096"),
        ("MIRAGE_SSH_MAX_SESSIONS", "300"),
        ("MIRAGE_SSH_MAX_SESSIONS_PER_IP", "7"),
        ("MIRAGE_SSH_IDLE_TIMEOUT_SECS", "90"),
        ("MIRAGE_AUTH_POLICY", "accept_after"),
        ("MIRAGE_AUTH_USERDB", "root:x:*, !root:x:123456"),
        ("MIRAGE_AUTH_ACCEPT_AFTER", "4"),
        ("MIRAGE_HTTP_LISTEN", "127.0.0.1:80"),
        ("MIRAGE_HTTP_LURE", "wordpress"),
        ("MIRAGE_HTTP_SESSION_IDLE_SECS", "30"),
        ("MIRAGE_HTTP_RATE_LIMIT_PER_MINUTE", "20"),
        ("MIRAGE_HTTP_LOGIN_MAX_FAILURES", "2"),
        ("MIRAGE_HTTP_LOGIN_LOCKOUT_SECS", "90"),
        ("MIRAGE_HTTP_MAX_CONNECTIONS_PER_IP", "9"),
        ("MIRAGE_STRATEGY_HTTP_LATENCY_MIN_MS", "1"),
        ("MIRAGE_STRATEGY_HTTP_LATENCY_MAX_MS", "2"),
        ("MIRAGE_STRATEGY_MODE", "fixed"),
        ("MIRAGE_STRATEGY_LEARNING", "false"),
        ("MIRAGE_STRATEGY_EXPLORATION_MAX_PERCENT", "30"),
        ("MIRAGE_STRATEGY_EXPLORATION_MIN_PERCENT", "5"),
        ("MIRAGE_STRATEGY_SAVE_SECS", "4"),
        ("MIRAGE_STRATEGY_SEED", "99"),
        ("MIRAGE_STRATEGY_FIXED_LATENCY", "slow_disk"),
        ("MIRAGE_STRATEGY_FIXED_ENTICEMENT", "high"),
        ("MIRAGE_STRATEGY_FIXED_RICHNESS", "rich"),
        ("MIRAGE_STRATEGY_FIXED_ERRORS", "realistic"),
        ("MIRAGE_STRATEGY_FIXED_VULNERABLE", "after_recon"),
        ("MIRAGE_ADMIN_LISTEN", "0.0.0.0:9999"),
        ("MIRAGE_ADMIN_TOKEN", "s3cret"),
        (
            "MIRAGE_DATABASE_URL",
            "postgres://postgres@127.0.0.1/mirage",
        ),
        ("MIRAGE_DATABASE_POOL_SIZE", "2"),
        ("MIRAGE_DATABASE_CONNECT_TIMEOUT_MS", "100"),
        ("MIRAGE_LOG_ENABLED", "false"),
        ("MIRAGE_LOG_MAX_BYTES", "4096"),
        ("MIRAGE_LOG_ROTATE_SECS", "60"),
        ("MIRAGE_LOG_KEEP", "3"),
        ("MIRAGE_FS_PERSIST_SECS", "60"),
        ("MIRAGE_FS_OVERLAY_MAX_BYTES", "1024"),
        ("MIRAGE_FS_OVERLAY_MAX_FILES", "10"),
        ("MIRAGE_RECORDING_ENABLED", "false"),
        ("MIRAGE_RECORDING_MAX_BYTES", "2048"),
        ("MIRAGE_SAMPLES_FETCH", "true"),
        ("MIRAGE_SAMPLES_MAX_BYTES", "65536"),
        ("MIRAGE_SAMPLES_TIMEOUT_SECS", "5"),
        ("MIRAGE_SAMPLES_ALLOW_NETWORKS", "127.0.0.1/32, 10.1.0.0/16"),
        ("MIRAGE_FAULT_PANIC_ON_INPUT", "boom"),
        ("MIRAGE_FAULT_PANIC_ON_CLASSIFY", "kaboom"),
        ("MIRAGE_FAULT_PANIC_ON_EVENT", "splat"),
        ("MIRAGE_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/hook"),
        ("MIRAGE_ALERT_WEBHOOK_MIN_SEVERITY", "critical"),
        ("MIRAGE_ALERT_DEDUP_SECS", "60"),
        ("MIRAGE_ALERT_RATE_LIMIT_PER_MINUTE", "7"),
        ("MIRAGE_ALERT_MAX_RETRIES", "2"),
        ("MIRAGE_ALERT_RETRY_BASE_MS", "10"),
        ("MIRAGE_ALERT_RETRY_MAX_MS", "20"),
        ("MIRAGE_ALERT_TIMEOUT_MS", "300"),
        ("MIRAGE_ALERT_QUEUE_SIZE", "8"),
        ("MIRAGE_ALERT_DEAD_LETTER", "dead.jsonl"),
        ("MIRAGE_ALERT_RULES_TOKEN_USE", "warning"),
        ("MIRAGE_ALERT_RULES_LOGIN_SUCCESS", "off"),
        ("MIRAGE_ALERT_RULES_DOWNLOAD", "critical"),
        ("MIRAGE_ALERT_RULES_SESSION_CRASH", "info"),
        ("MIRAGE_ALERT_RULES_REFLEX", "warning"),
        ("MIRAGE_ALERT_RULES_NEW_ATTACKER_CLASS", "critical"),
        ("MIRAGE_HONEYTOKENS_ENABLED", "false"),
        ("MIRAGE_HONEYTOKENS_BEACON_HOST", "files.example.net"),
        ("MIRAGE_HONEYTOKENS_LINK_MAX_IPS", "7"),
        ("MIRAGE_REFLEX_ENABLED", "false"),
        ("MIRAGE_REFLEX_RULES", "/etc/mirage/reflex.toml"),
        ("MIRAGE_MODELS_DIR", "/var/lib/mirage/models"),
        ("MIRAGE_PERSONA_ENABLED", "true"),
        ("MIRAGE_PERSONA_BASE_URL", "http://10.0.0.5:8080/v1"),
        ("MIRAGE_PERSONA_MODEL", "qwen2.5"),
        ("MIRAGE_PERSONA_API_KEY", "sk-test"),
        ("MIRAGE_PERSONA_API_KEY_ENV", "OPENAI_API_KEY"),
        ("MIRAGE_PERSONA_TIMEOUT_MS", "900"),
        ("MIRAGE_PERSONA_STYLE", "developer"),
        ("MIRAGE_PERSONA_MAX_OUTPUT_BYTES", "512"),
        ("MIRAGE_PERSONA_CACHE_ENTRIES", "9"),
        ("MIRAGE_PERSONA_HISTORY_LINES", "3"),
        ("MIRAGE_PERSONA_SESSION_CALLS", "4"),
        ("MIRAGE_PERSONA_IP_CALLS_PER_DAY", "5"),
        ("MIRAGE_PERSONA_IP_TOKENS_PER_DAY", "600"),
        ("MIRAGE_PERSONA_GLOBAL_CALLS_PER_DAY", "70"),
        ("MIRAGE_PERSONA_GLOBAL_TOKENS_PER_DAY", "8000"),
    ]);
    assert_eq!(
        vars.len(),
        SETTINGS.len(),
        "one override per documented setting"
    );
    let c = Config::load(None, vars).unwrap();
    assert_eq!(c.data_dir, PathBuf::from("/srv/mirage"));
    assert_eq!(c.models.dir, PathBuf::from("/var/lib/mirage/models"));
    assert_eq!(c.ssh.listen.to_string(), "127.0.0.1:22");
    assert_eq!(c.ssh.auth_rejection_time_ms, 5);
    assert_eq!(c.ssh.profile, "openssh_9.2p1_debian");
    assert_eq!(c.ssh.login_grace_time_secs, 30);
    assert_eq!(c.ssh.upload_max_bytes, 4096);
    assert_eq!(c.ssh.max_sessions, 300);
    assert_eq!(c.ssh.max_sessions_per_ip, 7);
    assert_eq!(c.ssh.idle_timeout_secs, 90);
    assert_eq!(c.auth.policy, AuthPolicyKind::AcceptAfter);
    assert_eq!(c.auth.userdb, vec!["root:x:*", "!root:x:123456"]);
    assert_eq!(c.auth.accept_after, 4);
    assert_eq!(c.http.listen.to_string(), "127.0.0.1:80");
    assert_eq!(c.http.lure, HttpLure::Wordpress);
    assert_eq!(c.http.session_idle_secs, 30);
    assert_eq!(c.http.rate_limit_per_minute, 20);
    assert_eq!(c.http.login_max_failures, 2);
    assert_eq!(c.http.login_lockout_secs, 90);
    assert_eq!(c.http.max_connections_per_ip, 9);
    assert_eq!(c.strategy.http_latency_min_ms, 1);
    assert_eq!(c.strategy.http_latency_max_ms, 2);
    assert_eq!(c.strategy.mode, crate::config::StrategyMode::Fixed);
    assert!(!c.strategy.learning);
    assert_eq!(
        (
            c.strategy.exploration_max_percent,
            c.strategy.exploration_min_percent,
            c.strategy.save_secs,
            c.strategy.seed
        ),
        (30, 5, 4, 99)
    );
    assert_eq!(
        c.strategy.fixed.to_string(),
        "latency=slow_disk enticement=high richness=rich errors=realistic vulnerable=after_recon"
    );
    assert_eq!(c.admin.listen.to_string(), "0.0.0.0:9999");
    assert_eq!(c.admin.token, "s3cret");
    assert_eq!(c.database.url, "postgres://postgres@127.0.0.1/mirage");
    assert_eq!(c.database.pool_size, 2);
    assert_eq!(c.database.connect_timeout_ms, 100);
    assert!(!c.log.enabled);
    assert_eq!(c.log.max_bytes, 4096);
    assert_eq!(c.log.rotate_secs, 60);
    assert_eq!(c.log.keep, 3);
    assert_eq!(c.fs.persist_secs, 60);
    assert_eq!(c.fs.overlay_max_bytes, 1024);
    assert_eq!(c.fs.overlay_max_files, 10);
    assert!(!c.recording.enabled);
    assert_eq!(c.recording.max_bytes, 2048);
    assert!(c.samples.fetch);
    assert_eq!(c.samples.max_bytes, 65536);
    assert_eq!(c.samples.timeout_secs, 5);
    assert_eq!(
        c.samples.allow_networks,
        vec!["127.0.0.1/32", "10.1.0.0/16"]
    );
    assert_eq!(c.fault.panic_on_input, "boom");
    assert_eq!(c.fault.panic_on_classify, "kaboom");
    assert_eq!(c.fault.panic_on_event, "splat");
    assert_eq!(c.alert.webhook_url, "http://127.0.0.1:9/hook");
    assert_eq!(
        c.alert.webhook_min_severity,
        crate::events::Severity::Critical
    );
    assert_eq!(c.alert.dedup_secs, 60);
    assert_eq!(c.alert.rate_limit_per_minute, 7);
    assert_eq!(c.alert.max_retries, 2);
    assert_eq!(c.alert.retry_base_ms, 10);
    assert_eq!(c.alert.retry_max_ms, 20);
    assert_eq!(c.alert.timeout_ms, 300);
    assert_eq!(c.alert.queue_size, 8);
    assert_eq!(c.alert.dead_letter, PathBuf::from("dead.jsonl"));
    assert_eq!(c.alert.rules.token_use, RuleLevel::Warning);
    assert_eq!(c.alert.rules.login_success, RuleLevel::Off);
    assert_eq!(c.alert.rules.download, RuleLevel::Critical);
    assert_eq!(c.alert.rules.session_crash, RuleLevel::Info);
    assert_eq!(c.alert.rules.reflex, RuleLevel::Warning);
    assert_eq!(c.alert.rules.new_attacker_class, RuleLevel::Critical);
    assert!(!c.honeytokens.enabled);
    assert_eq!(c.honeytokens.beacon_host, "files.example.net");
    assert_eq!(c.honeytokens.link_max_ips, 7);
    assert!(!c.reflex.enabled);
    assert_eq!(c.reflex.rules, PathBuf::from("/etc/mirage/reflex.toml"));
    assert!(c.persona.enabled);
    assert_eq!(c.persona.base_url, "http://10.0.0.5:8080/v1");
    assert_eq!(c.persona.style, "developer");
    assert_eq!(c.persona.timeout_ms, 900);
    assert_eq!(c.persona.global_tokens_per_day, 8000);
}

#[test]
fn a_bad_sample_network_is_refused_by_name() {
    let err = Config::load(
        None,
        env(&[("MIRAGE_SAMPLES_ALLOW_NETWORKS", "10.0.0.0/33")]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "samples.allow_networks: \"10.0.0.0/33\" is not a network like 192.0.2.0/24"
    );
}

#[test]
fn environment_beats_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.toml");
    std::fs::write(&path, "[ssh]\nlisten = \"127.0.0.1:2000\"\n").unwrap();
    let c = Config::load(Some(&path), env(&[("MIRAGE_SSH_LISTEN", "127.0.0.1:3000")])).unwrap();
    assert_eq!(c.ssh.listen.to_string(), "127.0.0.1:3000");
    let c = Config::load(Some(&path), env(&[])).unwrap();
    assert_eq!(c.ssh.listen.to_string(), "127.0.0.1:2000");
}

#[test]
fn bad_environment_value_names_the_variable() {
    let err = Config::load(None, env(&[("MIRAGE_LOG_KEEP", "many")])).unwrap_err();
    assert!(err.to_string().contains("MIRAGE_LOG_KEEP"), "{err}");
}

#[test]
fn exposed_admin_needs_a_token() {
    let err = Config::load(None, env(&[("MIRAGE_ADMIN_LISTEN", "0.0.0.0:9090")])).unwrap_err();
    assert!(err.to_string().contains("admin.token"), "{err}");
}

#[test]
fn settings_table_matches_the_config_struct() {
    let value = toml::Value::try_from(Config::default()).unwrap();
    let mut leaves = Vec::new();
    fn walk(prefix: &str, v: &toml::Value, out: &mut Vec<String>) {
        match v {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            _ => out.push(prefix.to_owned()),
        }
    }
    walk("", &value, &mut leaves);
    // Arrays of tables (`[[alert.webhooks]]`) are file-only: the documented exception.
    leaves.retain(|key| !FILE_ONLY_KEYS.contains(&key.as_str()));
    let mut documented: Vec<String> = SETTINGS.iter().map(|s| s.key.to_owned()).collect();
    leaves.sort();
    documented.sort();
    assert_eq!(leaves, documented);
}

#[test]
fn the_docs_describe_every_setting() {
    let docs = include_str!("../../docs/config.md");
    for s in SETTINGS {
        assert!(
            docs.contains(&format!("`{}`", s.key)),
            "docs/config.md misses {}",
            s.key
        );
        assert!(
            docs.contains(&s.env_var()),
            "docs/config.md misses {}",
            s.env_var()
        );
    }
}

#[test]
fn the_example_file_is_valid_and_matches_the_defaults() {
    let text = include_str!("../../config/mirage.example.toml");
    let c = Config::from_toml(Path::new("config/mirage.example.toml"), text).unwrap();
    assert_eq!(c, Config::default());
}

#[test]
fn unknown_ssh_profile_names_the_valid_ones() {
    let err = Config::load(None, env(&[("MIRAGE_SSH_PROFILE", "openssh_7.4")])).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("ssh.profile: "), "{text}");
    assert!(text.contains("\"openssh_7.4\""), "{text}");
    for id in [
        "auto",
        "openssh_8.2p1_ubuntu",
        "openssh_8.9p1_ubuntu",
        "openssh_9.2p1_debian",
        "openssh_9.6p1_ubuntu",
    ] {
        assert!(text.contains(id), "{text} misses {id}");
    }
    let c = Config::load(None, env(&[("MIRAGE_SSH_PROFILE", "openssh_8.2p1_ubuntu")])).unwrap();
    assert_eq!(c.ssh.profile, "openssh_8.2p1_ubuntu");
    assert_eq!(Config::default().ssh.profile, "auto");
    assert_eq!(Config::default().ssh.login_grace_time_secs, 120);
    assert_eq!(Config::default().ssh.upload_max_bytes, 10 * 1024 * 1024);
}

#[test]
fn http_lure_and_latency_are_checked() {
    let err = Config::load(None, env(&[("MIRAGE_HTTP_LURE", "drupal")])).unwrap_err();
    assert!(err.to_string().contains("MIRAGE_HTTP_LURE"), "{err}");
    let err = Config::load(
        None,
        env(&[
            ("MIRAGE_STRATEGY_HTTP_LATENCY_MIN_MS", "50"),
            ("MIRAGE_STRATEGY_HTTP_LATENCY_MAX_MS", "10"),
        ]),
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with("strategy.http_latency_min_ms"),
        "{err}"
    );
    assert_eq!(Config::default().http.lure, HttpLure::Nginx);
}

/// Text that looks like a config file: sections, keys of every setting, values of every kind.
fn config_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let key = proptest::sample::select(SETTINGS.iter().map(|s| s.key).collect::<Vec<_>>());
    let value = prop_oneof![
        Just("\"\"".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        "\"[ -~]{0,40}\"",
        "\\[(\"[a-z:*!/]{0,12}\", ?){0,4}\\]",
        "[ -~]{0,30}",
    ];
    let line = prop_oneof![
        (key, value).prop_map(|(k, v)| match k.rsplit_once('.') {
            Some((section, leaf)) => format!("[{section}]\n{leaf} = {v}"),
            None => format!("{k} = {v}"),
        }),
        "\\[[a-z_.]{0,20}\\]",
        "[ -~]{0,60}",
        "\\PC{0,40}",
    ];
    proptest::collection::vec(line, 0..16).prop_map(|lines| lines.join("\n"))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// The config loader never panics, whatever the file holds: it loads or names an error.
    #[test]
    fn any_config_file_loads_or_is_refused_without_a_panic(text in config_text()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mirage.toml");
        std::fs::write(&path, &text).unwrap();
        if let Err(err) = Config::load(Some(&path), env(&[])) {
            proptest::prop_assert!(!err.to_string().is_empty());
        }
        let _parsed = Config::from_toml(&path, &text);
    }

    /// The same for environment overrides: any value for any setting.
    #[test]
    fn any_environment_value_loads_or_is_refused_without_a_panic(
        vars in proptest::collection::vec(
            (0..SETTINGS.len(), "\\PC{0,40}"),
            0..8,
        )
    ) {
        let vars: Vec<(String, String)> =
            vars.into_iter().map(|(i, v)| (SETTINGS[i].env_var(), v)).collect();
        if let Err(err) = Config::load(None, vars) {
            proptest::prop_assert!(!err.to_string().is_empty());
        }
    }

    /// The example file with a random stretch replaced by random text.
    #[test]
    fn a_damaged_example_file_never_panics(start in 0usize..4096, len in 0usize..64, junk in "\\PC{0,64}") {
        let text = include_str!("../../config/mirage.example.toml");
        let start = (0..=start.min(text.len()))
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        let end = ((start + len).min(text.len())..=text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(text.len());
        let damaged = format!("{}{}{}", &text[..start], junk, &text[end..]);
        let _parsed = Config::from_toml(Path::new("damaged.toml"), &damaged);
    }
}

#[test]
fn ssh_limits_have_honeypot_defaults_and_accept_zero_but_not_negatives() {
    let c = Config::default();
    assert_eq!(c.ssh.max_sessions, 10_000);
    assert_eq!(c.ssh.max_sessions_per_ip, 50);
    assert_eq!(c.ssh.idle_timeout_secs, 3600);
    assert_eq!(c.http.max_connections_per_ip, 50);
    let c = Config::load(
        None,
        env(&[
            ("MIRAGE_SSH_MAX_SESSIONS", "0"),
            ("MIRAGE_SSH_MAX_SESSIONS_PER_IP", "0"),
            ("MIRAGE_SSH_IDLE_TIMEOUT_SECS", "0"),
        ]),
    )
    .unwrap();
    assert_eq!(
        (
            c.ssh.max_sessions,
            c.ssh.max_sessions_per_ip,
            c.ssh.idle_timeout_secs
        ),
        (0, 0, 0)
    );
    let err = Config::load(None, env(&[("MIRAGE_SSH_MAX_SESSIONS", "-1")])).unwrap_err();
    assert!(err.to_string().contains("MIRAGE_SSH_MAX_SESSIONS"), "{err}");
}
