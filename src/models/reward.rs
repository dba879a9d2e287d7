//! Layer 3's reward: how well a finished session's deception settings did, in 0..=1.
//!
//! What a honeypot wants from a session is that the attacker stays and shows what they do:
//! time spent (dwell), commands run, payloads fetched (downloads captured) and honeytokens
//! taken. Each is bounded on its own (logarithmic or capped), so one session that idles for a
//! day or pastes ten thousand commands counts as a very good session, not as a hundred of
//! them, and the weighted sum stays in 0..=1.
//!
//! A session whose last line was a known honeypot probe ([`super::probes::revealing`]) ended
//! right after a test that may have shown the attacker where they are: its reward is cut by
//! [`PROBE_PENALTY`]. That is the signal that teaches the bandit which settings give the
//! honeypot away.

use super::probes;

/// Dwell time at which the dwell term saturates (30 minutes).
pub const DWELL_FULL_SECS: f64 = 1800.0;
/// Commands at which the command term saturates.
pub const COMMANDS_FULL: f64 = 50.0;
/// Downloads at which the download term saturates.
pub const DOWNLOADS_FULL: u32 = 2;
/// Honeytokens taken at which the token term saturates.
pub const TOKENS_FULL: u32 = 2;
/// The weights of dwell, commands, downloads and tokens; they sum to 1.
pub const WEIGHTS: [f64; 4] = [0.4, 0.3, 0.15, 0.15];
/// The share of the reward kept when the session ended right after a revealing probe.
pub const PROBE_PENALTY: f64 = 0.5;

/// What a finished session did, as the reward sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionOutcome {
    /// How long the session lasted, in seconds.
    pub dwell_secs: f64,
    /// Command lines run.
    pub commands: u32,
    /// Downloads captured (`wget`, `curl`, uploads).
    pub downloads: u32,
    /// Honeytokens the attacker read or used.
    pub tokens: u32,
    /// The last line the attacker typed, if any.
    pub last_line: Option<String>,
}

/// A session's reward and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reward {
    /// The reward, in 0..=1.
    pub value: f64,
    /// The revealing probe the session ended with (then the value carries the penalty).
    pub probe: Option<&'static str>,
}

/// `x` on a log scale that reaches 1 at `full` and stays there.
fn log_scaled(x: f64, full: f64) -> f64 {
    if !x.is_finite() || x <= 0.0 {
        return 0.0;
    }
    ((1.0 + x).ln() / (1.0 + full).ln()).min(1.0)
}

/// `n` of `full`, capped at 1.
fn capped(n: u32, full: u32) -> f64 {
    f64::from(n.min(full)) / f64::from(full.max(1))
}

/// The reward of a finished session.
pub fn reward(outcome: &SessionOutcome) -> Reward {
    // Dwell in units of half a minute: a session of a few seconds earns little.
    let terms = [
        log_scaled(outcome.dwell_secs / 30.0, DWELL_FULL_SECS / 30.0),
        log_scaled(f64::from(outcome.commands), COMMANDS_FULL),
        capped(outcome.downloads, DOWNLOADS_FULL),
        capped(outcome.tokens, TOKENS_FULL),
    ];
    let mut value: f64 = terms.iter().zip(WEIGHTS).map(|(t, w)| t * w).sum();
    let probe = outcome.last_line.as_deref().and_then(probes::revealing);
    if probe.is_some() {
        value *= PROBE_PENALTY;
    }
    Reward {
        value: value.clamp(0.0, 1.0),
        probe,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(dwell_secs: f64, commands: u32, downloads: u32, tokens: u32) -> SessionOutcome {
        SessionOutcome {
            dwell_secs,
            commands,
            downloads,
            tokens,
            last_line: Some("exit".into()),
        }
    }

    #[test]
    fn an_empty_session_earns_nothing_and_a_full_one_everything() {
        assert_eq!(reward(&SessionOutcome::default()).value, 0.0);
        let full = reward(&outcome(DWELL_FULL_SECS, 50, 2, 2));
        assert!((full.value - 1.0).abs() < 1e-9, "{}", full.value);
        assert_eq!(full.probe, None);
    }

    #[test]
    fn staying_longer_and_doing_more_earn_more() {
        let short = reward(&outcome(10.0, 2, 0, 0)).value;
        let longer = reward(&outcome(300.0, 2, 0, 0)).value;
        let busier = reward(&outcome(300.0, 20, 0, 0)).value;
        let fetched = reward(&outcome(300.0, 20, 1, 0)).value;
        let took = reward(&outcome(300.0, 20, 1, 1)).value;
        assert!(short < longer && longer < busier && busier < fetched && fetched < took);
    }

    #[test]
    fn one_huge_session_cannot_dominate() {
        let huge = reward(&outcome(86_400.0 * 30.0, u32::MAX, u32::MAX, u32::MAX)).value;
        assert!(huge <= 1.0);
        let good = reward(&outcome(DWELL_FULL_SECS, 50, 2, 2)).value;
        assert_eq!(huge, good);
        for bad in [f64::NAN, f64::INFINITY, -5.0] {
            let r = reward(&outcome(bad, 0, 0, 0)).value;
            assert!((0.0..=1.0).contains(&r), "{bad}: {r}");
        }
    }

    #[test]
    fn leaving_right_after_a_revealing_probe_is_penalised() {
        let mut left = outcome(120.0, 8, 0, 0);
        let calm = reward(&left);
        left.last_line = Some("cat /proc/cpuinfo | grep name | wc -l".into());
        let probed = reward(&left);
        assert_eq!(probed.probe, Some("cpu_count"));
        assert!((probed.value - calm.value * PROBE_PENALTY).abs() < 1e-12);
    }
}
