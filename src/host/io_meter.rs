//! What one command line made the fake machine do: bytes read and written, directory entries
//! listed, and time it spent blocked (on a network that never answers, a `sleep`).
//!
//! Nothing runs for real, so a line finishes in microseconds whatever it does; a real box
//! takes time in proportion to its work. The session actor runs each line inside
//! [`measure`] and turns the [`Work`] into latency when its deception settings ask for it
//! (`src/actors/session/latency.rs`). The filesystem counts its reads and writes here, and
//! commands that would block say so with [`block`]; outside [`measure`] every call is a
//! thread-local lookup that does nothing, as for [`crate::honeytokens::note_read`].

use std::cell::RefCell;
use std::time::Duration;

/// What a line did to the machine's disk and clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    /// Bytes of file contents read.
    pub read: u64,
    /// Bytes of file contents written.
    pub written: u64,
    /// Directory entries listed (`ls -R`, `find`, `du` walk them).
    pub entries: u64,
    /// Time the commands spent waiting on something that is not the disk: a connection
    /// timing out, a resolver giving up, a password prompt's failure delay, `sleep`.
    pub blocked: Duration,
}

impl Work {
    /// Bytes moved to or from the disk.
    pub fn bytes(&self) -> u64 {
        self.read.saturating_add(self.written)
    }
}

/// A busy, cold-cache spinning disk (what [`LatencyProfile::SlowDisk`] imitates): how fast
/// it reads and writes, and what one directory entry costs to list (an inode read).
///
/// [`LatencyProfile::SlowDisk`]: crate::models::strategy::LatencyProfile::SlowDisk
pub mod slow_disk {
    /// Bytes per second read.
    pub const READ_BYTES_PER_SEC: f64 = 18.0e6;
    /// Bytes per second written (and synced).
    pub const WRITE_BYTES_PER_SEC: f64 = 11.0e6;
    /// Seconds one directory entry costs.
    pub const ENTRY_SECS: f64 = 0.000_35;
    /// The most a line's disk work may take (a real box would be just as slow, but an
    /// attacker waiting longer than this for an `ls -R /` is gone anyway).
    pub const MAX_SECS: f64 = 300.0;
}

impl Work {
    /// How long this work keeps a slow disk busy ([`slow_disk`]).
    pub fn slow_disk_time(&self) -> Duration {
        let secs = self.read as f64 / slow_disk::READ_BYTES_PER_SEC
            + self.written as f64 / slow_disk::WRITE_BYTES_PER_SEC
            + self.entries as f64 * slow_disk::ENTRY_SECS;
        Duration::from_secs_f64(secs.clamp(0.0, slow_disk::MAX_SECS))
    }
}

thread_local! {
    static METER: RefCell<Option<Work>> = const { RefCell::new(None) };
}

fn add(f: impl FnOnce(&mut Work)) {
    METER.with(|meter| {
        if let Ok(mut meter) = meter.try_borrow_mut()
            && let Some(work) = meter.as_mut()
        {
            f(work);
        }
    });
}

/// Counts `bytes` read from a file.
pub fn read(bytes: usize) {
    add(|w| w.read = w.read.saturating_add(bytes as u64));
}

/// Counts `bytes` written to a file.
pub fn written(bytes: u64) {
    add(|w| w.written = w.written.saturating_add(bytes));
}

/// Counts `n` directory entries listed.
pub fn entries(n: usize) {
    add(|w| w.entries = w.entries.saturating_add(n as u64));
}

/// Counts time a command spends blocked.
pub fn block(time: Duration) {
    add(|w| w.blocked = w.blocked.saturating_add(time));
}

/// Puts the meter back as it was, even if the measured code panics.
struct Reset(Option<Work>);

impl Drop for Reset {
    fn drop(&mut self) {
        let previous = self.0.take();
        METER.with(|meter| {
            if let Ok(mut meter) = meter.try_borrow_mut() {
                *meter = previous;
            }
        });
    }
}

/// Runs `f` and returns what it returned with the work it did.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Work) {
    let previous = METER.with(|meter| meter.borrow_mut().replace(Work::default()));
    let reset = Reset(previous);
    let result = f();
    let work = METER.with(|meter| meter.borrow_mut().take().unwrap_or_default());
    drop(reset);
    (result, work)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_inside_a_measure_and_nests() {
        read(10);
        let ((), outer) = measure(|| {
            read(100);
            written(7);
            let ((), inner) = measure(|| entries(3));
            assert_eq!(inner.entries, 3);
            block(Duration::from_secs(2));
        });
        assert_eq!(
            outer,
            Work {
                read: 100,
                written: 7,
                entries: 0,
                blocked: Duration::from_secs(2)
            }
        );
        assert_eq!(outer.bytes(), 107);
    }
}
