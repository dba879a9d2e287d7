//! The bandit on synthetic problems with known rewards.

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;

const CTX: Context<'static> = Context {
    class: "malware_dropper",
    phase: "recon",
};

/// A synthetic problem: the reward is a Bernoulli draw whose chance is the mean of each
/// dimension's option value. Best: option 2 of dimension 0, option 0 of dimension 1.
fn pull(chosen: &[usize], rng: &mut StdRng) -> f64 {
    let d0 = [0.2, 0.45, 0.7][chosen[0]];
    let d1 = [0.6, 0.3][chosen[1]];
    if rng.r#gen::<f64>() < (d0 + d1) / 2.0 {
        1.0
    } else {
        0.0
    }
}

#[test]
fn it_converges_to_the_best_option_of_each_dimension() {
    for seed in 1..=5 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut bandit = Bandit::new(vec![3, 2], Exploration::default());
        let mut best = [0usize; 2];
        for i in 0..3000 {
            let chosen = bandit.choose(&CTX, &mut rng);
            let reward = pull(&chosen, &mut rng);
            bandit.learn(&CTX, &chosen, reward);
            if i >= 2500 {
                best[0] += usize::from(chosen[0] == 2);
                best[1] += usize::from(chosen[1] == 0);
            }
        }
        assert!(
            best[0] > 450,
            "seed {seed}: best option 0 in {}/500",
            best[0]
        );
        assert!(
            best[1] > 450,
            "seed {seed}: best option 1 in {}/500",
            best[1]
        );
        assert_eq!(bandit.greedy(&CTX), vec![2, 0], "seed {seed}");
    }
}

#[test]
fn the_same_seed_makes_the_same_choices() {
    let run = || {
        let mut rng = StdRng::seed_from_u64(7);
        let mut bandit = Bandit::new(vec![3, 2], Exploration::default());
        (0..200)
            .map(|_| {
                let chosen = bandit.choose(&CTX, &mut rng);
                let reward = pull(&chosen, &mut rng);
                bandit.learn(&CTX, &chosen, reward);
                chosen
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn exploration_stays_within_its_bound() {
    // Equal options: an unbounded Thompson sampler would leave the greedy option about
    // two thirds of the time.
    for max_share in [0.05, 0.2] {
        let exploration = Exploration {
            max_share,
            floor: 0.01,
        };
        let mut bandit = Bandit::new(vec![3], exploration);
        let mut rng = StdRng::seed_from_u64(3);
        let mut explored = 0;
        let n = 4000;
        for i in 0..n {
            let greedy = bandit.greedy(&CTX);
            let chosen = bandit.choose(&CTX, &mut rng);
            explored += usize::from(chosen != greedy);
            bandit.learn(&CTX, &chosen, 0.5);
            // Once the window has filled: one choice past the bound at most.
            if i >= 200 {
                assert!(bandit.exploration_share(0) <= max_share + 0.01);
            }
        }
        let share = explored as f64 / n as f64;
        assert!(share <= max_share + 0.01, "{share} > {max_share}");
        assert!(share > 0.0, "it still explores");
    }
}

#[test]
fn the_state_round_trips_through_json() {
    let mut rng = StdRng::seed_from_u64(11);
    let mut bandit = Bandit::new(vec![3, 2], Exploration::default());
    for _ in 0..50 {
        let chosen = bandit.choose(&CTX, &mut rng);
        bandit.learn(&CTX, &chosen, 0.3);
    }
    let json = bandit.to_json();
    assert!(json.contains("\"version\":1"));
    let back = Bandit::from_json(&json, &[3, 2], Exploration::default()).unwrap();
    assert_eq!(back, bandit);
    assert_eq!(back.outcomes(), 50);
    // The same choices follow from the same state and seed.
    let (mut a, mut b) = (bandit.clone(), back);
    let (mut ra, mut rb) = (StdRng::seed_from_u64(1), StdRng::seed_from_u64(1));
    for _ in 0..20 {
        assert_eq!(a.choose(&CTX, &mut ra), b.choose(&CTX, &mut rb));
    }
}

#[test]
fn a_state_of_another_shape_or_version_is_refused() {
    let json = Bandit::new(vec![3, 2], Exploration::default()).to_json();
    assert!(matches!(
        Bandit::from_json(&json, &[3, 3], Exploration::default()),
        Err(BanditError::Shape { .. })
    ));
    let old = json.replace("\"version\":1", "\"version\":0");
    assert!(matches!(
        Bandit::from_json(&old, &[3, 2], Exploration::default()),
        Err(BanditError::Version { found: 0 })
    ));
    assert!(matches!(
        Bandit::from_json("{", &[3, 2], Exploration::default()),
        Err(BanditError::Decode(_))
    ));
}

#[test]
fn a_context_never_seen_borrows_from_its_class_then_from_everything() {
    let mut bandit = Bandit::new(vec![3], Exploration::default());
    let seen = Context::new(Some("malware_dropper"), Some("recon"));
    for _ in 0..40 {
        bandit.learn(&seen, &[2], 0.9);
        bandit.learn(&seen, &[1], 0.5);
        bandit.learn(&seen, &[0], 0.1);
    }
    // Same class, another phase: the class's statistics.
    let same_class = Context::new(Some("malware_dropper"), Some("lateral"));
    assert_eq!(bandit.greedy(&same_class), vec![2]);
    // Another class, unknown phase: every session's statistics.
    assert_eq!(bandit.greedy(&Context::new(None, None)), vec![2]);
    // A fresh bandit has no preference (the first option on ties).
    let fresh = Bandit::new(vec![3], Exploration::default());
    assert_eq!(fresh.greedy(&same_class), vec![0]);
    // Its own outcomes take over from the borrowed belief.
    for _ in 0..40 {
        bandit.learn(&same_class, &[1], 0.95);
        bandit.learn(&same_class, &[2], 0.2);
    }
    assert_eq!(bandit.greedy(&same_class), vec![1]);
    assert_eq!(bandit.greedy(&seen), vec![2]);
}

#[test]
fn merging_adds_what_each_learned() {
    let mut stored = Bandit::new(vec![2], Exploration::default());
    stored.learn(&CTX, &[1], 1.0);
    let mut fresh = Bandit::new(vec![2], Exploration::default());
    fresh.learn(&CTX, &[1], 0.5);
    fresh.learn(&CTX, &[0], 0.0);
    stored.merge(&fresh);
    assert_eq!(stored.outcomes(), 3);
    let global = &stored.levels[GLOBAL][0];
    assert_eq!(global[1].pulls, 2.0);
    assert_eq!(global[1].reward, 1.5);
    assert_eq!(global[0].pulls, 1.0);
}

#[test]
fn bad_choices_and_rewards_do_not_corrupt_the_state() {
    let mut bandit = Bandit::new(vec![2], Exploration::default());
    bandit.learn(&CTX, &[5], 1.0);
    bandit.learn(&CTX, &[0, 0], 1.0);
    assert_eq!(bandit.outcomes(), 0);
    bandit.learn(&CTX, &[0], f64::NAN);
    bandit.learn(&CTX, &[1], 7.0);
    let global = &bandit.levels[GLOBAL][0];
    assert_eq!((global[0].reward, global[1].reward), (0.0, 1.0));
}

#[test]
fn a_session_of_several_choices_is_one_outcome() {
    let mut bandit = Bandit::new(vec![2], Exploration::default());
    let later = Context::new(Some("cryptominer"), Some("download_execute"));
    bandit.learn_all([(Context::new(None, None), vec![0]), (later, vec![1])], 0.8);
    assert_eq!(bandit.outcomes(), 1);
    assert_eq!(bandit.greedy(&later), vec![1]);
    bandit.learn_all([(later, vec![7])], 0.8);
    assert_eq!(bandit.outcomes(), 1, "nothing fitted");
}
