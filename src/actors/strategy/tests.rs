//! The strategy actor against real stores (SQLite in a temporary directory; a PostgreSQL
//! address nobody listens on for an outage).

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::models::reward::SessionOutcome;
use crate::store::postgres::PostgresStore;
use crate::store::sqlite::SqliteStore;

fn config(mode: StrategyMode) -> StrategyConfig {
    StrategyConfig {
        mode,
        seed: 7,
        save_secs: 1,
        ..StrategyConfig::default()
    }
}

fn choose(class: Option<Class>) -> Choose {
    Choose {
        session: SessionId("s1".into()),
        class,
        phase: None,
    }
}

/// A good session that ran with `settings`.
fn outcome(settings: Deception) -> Outcome {
    Outcome {
        session: SessionId("s1".into()),
        choices: vec![Choice {
            class: Some(Class::MalwareDropper),
            phase: Some(Phase::Recon),
            settings,
        }],
        outcome: SessionOutcome {
            dwell_secs: 600.0,
            commands: 12,
            downloads: 1,
            tokens: 0,
            last_line: Some("exit".into()),
        },
    }
}

async fn sqlite(dir: &std::path::Path) -> Arc<dyn EventStore> {
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::new(dir.join("mirage.db"), 0));
    store.migrate().await.unwrap();
    store
}

/// Asks for stats until the stored state was read (bounded).
async fn restored(addr: &Addr<StrategyActor>) -> StrategyStats {
    for _ in 0..100 {
        let stats = addr.send(Stats).await.unwrap();
        if stats.restored {
            return stats;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the stored state was never read");
}

#[test]
fn option_names_and_indices_agree_with_the_settings() {
    let name = |v: serde_json::Value| v.as_str().unwrap().to_owned();
    for (d, count) in options().into_iter().enumerate() {
        assert_eq!(option_names(d).len(), count);
        for i in 0..count {
            let mut chosen = vec![0; DIMENSIONS.len()];
            chosen[d] = i;
            let settings = deception(&chosen);
            assert_eq!(arms(&settings), chosen);
            let json = serde_json::to_value(settings).unwrap();
            assert_eq!(name(json[DIMENSIONS[d]].clone()), option_names(d)[i]);
        }
    }
    // The first option of every dimension is the static honeypot's.
    assert_eq!(deception(&[]), Deception::default());
    assert_eq!(deception(&[9, 9, 9, 9, 9]), Deception::default());
}

#[actix::test]
async fn the_fixed_mode_answers_the_configured_settings_and_learns_nothing() {
    let fixed = Deception {
        latency: LatencyProfile::HumanJitter,
        errors: ErrorInjection::Realistic,
        ..Deception::default()
    };
    let metrics = StrategyMetrics::new();
    let addr = start(
        &StrategyConfig {
            fixed,
            ..config(StrategyMode::Fixed)
        },
        metrics.clone(),
        None,
    )
    .unwrap();
    for class in [None, Some(Class::Cryptominer)] {
        let chosen = addr.send(choose(class)).await.unwrap();
        assert_eq!(chosen.settings, fixed);
        assert_eq!(chosen.mode, StrategyMode::Fixed);
    }
    addr.send(outcome(fixed)).await.unwrap();
    assert_eq!(addr.send(Stats).await.unwrap().outcomes, 0);
    let count = |d: &str, o: &str| metrics.choices_total.with_label_values(&[d, o]).get();
    assert_eq!(count("latency", "human_jitter"), 2);
    assert_eq!(count("errors", "realistic"), 2);
    assert_eq!(count("latency", "none"), 0);
    assert_eq!(
        metrics.outcomes_total.with_label_values(&["ignored"]).get(),
        1
    );
}

#[test]
fn the_off_mode_has_no_actor() {
    assert!(start(&config(StrategyMode::Off), StrategyMetrics::new(), None).is_none());
}

#[actix::test]
async fn the_learned_state_survives_a_restart_through_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(dir.path()).await;
    let node = "node-a".to_owned();
    let first = start(
        &config(StrategyMode::Adaptive),
        StrategyMetrics::new(),
        Some((store.clone(), node.clone())),
    )
    .unwrap();
    restored(&first).await;
    for _ in 0..3 {
        let chosen = first
            .send(choose(Some(Class::MalwareDropper)))
            .await
            .unwrap();
        assert_eq!(chosen.mode, StrategyMode::Adaptive);
        first.send(outcome(chosen.settings)).await.unwrap();
    }
    assert!(first.send(SaveStrategy).await.unwrap());
    let saved = store.load_strategy(&node).await.unwrap().unwrap();
    assert!(saved.contains("\"outcomes\":3"), "{saved}");

    // A second start of the node, and another node on the same database.
    let second = start(
        &config(StrategyMode::Adaptive),
        StrategyMetrics::new(),
        Some((store.clone(), node.clone())),
    )
    .unwrap();
    assert_eq!(restored(&second).await.outcomes, 3);
    let other = start(
        &config(StrategyMode::Adaptive),
        StrategyMetrics::new(),
        Some((store.clone(), "node-b".into())),
    )
    .unwrap();
    assert_eq!(restored(&other).await.outcomes, 0);
}

#[actix::test]
async fn learning_off_keeps_the_restored_state_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite(dir.path()).await;
    let addr = start(
        &StrategyConfig {
            learning: false,
            ..config(StrategyMode::Adaptive)
        },
        StrategyMetrics::new(),
        Some((store.clone(), "n".into())),
    )
    .unwrap();
    restored(&addr).await;
    addr.send(outcome(Deception::default())).await.unwrap();
    assert_eq!(addr.send(Stats).await.unwrap().outcomes, 0);
    assert!(addr.send(SaveStrategy).await.unwrap());
    assert_eq!(store.load_strategy("n").await.unwrap(), None);
}

#[actix::test]
async fn a_store_outage_never_holds_up_a_choice_and_nothing_learned_is_lost() {
    // Nobody listens on port 1: every attempt fails at once.
    let store: Arc<dyn EventStore> = Arc::new(
        PostgresStore::new(
            "postgres://mirage@127.0.0.1:1/mirage?sslmode=disable",
            1,
            200,
        )
        .unwrap(),
    );
    let addr = start(
        &config(StrategyMode::Adaptive),
        StrategyMetrics::new(),
        Some((store, "n".into())),
    )
    .unwrap();
    let chosen = addr.send(choose(None)).await.unwrap();
    addr.send(outcome(chosen.settings)).await.unwrap();
    let stats = addr.send(Stats).await.unwrap();
    assert!(!stats.restored);
    assert_eq!(stats.outcomes, 1, "learned in memory meanwhile");
    assert!(!addr.send(SaveStrategy).await.unwrap());
    assert_eq!(addr.send(Stats).await.unwrap().outcomes, 1);
}
