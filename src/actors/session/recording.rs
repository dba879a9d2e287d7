//! The interactive shell's recording (asciicast, `tty/<session>.cast`) and its live feed.
//!
//! The recorder holds no open file between writes; the session flushes what it buffered
//! [`FLUSH_AFTER`] after it first recorded something unwritten (and at its end), so an idle session holds
//! neither a file descriptor nor a write buffer, and the file on disk (what the admin replay
//! page reads for a live session) lags by about that much. Live watchers get the output at
//! once through the [`TtyFeed`], not from the file.

use std::time::{Duration, Instant};

use actix::prelude::*;

use super::{PtySize, SessionActor};
use crate::events::EventKind;
use crate::outputs::asciicast::Recorder;
use crate::outputs::tty_watch::TtyFeed;

/// How long recorded lines wait in memory before the session writes them out.
const FLUSH_AFTER: Duration = Duration::from_secs(1);

/// Writes out what the recording buffered.
#[derive(Message)]
#[rtype(result = "()")]
struct FlushRecording;

impl Handler<FlushRecording> for SessionActor {
    type Result = ();

    fn handle(&mut self, _: FlushRecording, _: &mut Context<Self>) {
        let Some(rec) = self.recording.as_mut() else {
            return;
        };
        rec.flush_scheduled = false;
        if let Err(err) = rec.recorder.flush() {
            tracing::warn!(session = %self.origin.session, error = %err, "Cannot write the recording.");
            self.recording = None;
        }
    }
}

/// A recording in progress.
pub(super) struct ActiveRecording {
    recorder: Recorder,
    /// `tty/<session>.cast`, as the event names it.
    relative: String,
    started: Instant,
    /// The same output, to whoever watches the session live.
    feed: TtyFeed,
    /// Whether a flush is already scheduled.
    flush_scheduled: bool,
}

impl SessionActor {
    /// Starts recording the shell on `pty` (when recording is on).
    pub(super) fn start_recording(&mut self, pty: &PtySize) {
        let Some(recordings) = &self.deps.recordings else {
            return;
        };
        let relative = format!("tty/{}.cast", self.origin.session);
        let path = recordings.data_dir.join(&relative);
        match Recorder::create(
            &path,
            pty.width,
            pty.height,
            chrono::Utc::now(),
            &pty.term,
            recordings.max_bytes,
        ) {
            Ok(recorder) => {
                self.recording = Some(ActiveRecording {
                    feed: recordings.watchers.feed(&self.origin.session.0),
                    recorder,
                    relative,
                    started: Instant::now(),
                    flush_scheduled: false,
                })
            }
            Err(err) => {
                tracing::warn!(session = %self.origin.session, error = %err, "Cannot start the recording.")
            }
        }
    }

    /// Records terminal output (and passes it to live watchers).
    pub(super) fn record_output(&mut self, bytes: &[u8], ctx: &mut Context<Self>) {
        self.record(ctx, |rec| {
            rec.feed.output(bytes);
            rec.recorder.output(rec.started.elapsed(), bytes)
        });
    }

    /// Records the attacker's keystrokes.
    pub(super) fn record_input(&mut self, bytes: &[u8], ctx: &mut Context<Self>) {
        self.record(ctx, |rec| rec.recorder.input(rec.started.elapsed(), bytes));
    }

    /// Records a terminal resize.
    pub(super) fn record_resize(&mut self, width: u32, height: u32, ctx: &mut Context<Self>) {
        self.record(ctx, |rec| {
            rec.recorder.resize(rec.started.elapsed(), width, height)
        });
    }

    /// Runs `write` on the recording, if any; a failed write ends the recording. Schedules a
    /// flush of what stayed buffered.
    fn record(
        &mut self,
        ctx: &mut Context<Self>,
        write: impl FnOnce(&mut ActiveRecording) -> std::io::Result<()>,
    ) {
        let Some(rec) = self.recording.as_mut() else {
            return;
        };
        if let Err(err) = write(rec) {
            tracing::warn!(session = %self.origin.session, error = %err, "Cannot write the recording.");
            self.recording = None;
            return;
        }
        if rec.flush_scheduled || !rec.recorder.has_unflushed() {
            return;
        }
        rec.flush_scheduled = true;
        // Not a timer of the actor's own (`run_later`): that would keep a session whose
        // connection is gone alive until it fired, and its recording unfinished meanwhile.
        let session = ctx.address().downgrade();
        actix::spawn(async move {
            tokio::time::sleep(FLUSH_AFTER).await;
            if let Some(session) = session.upgrade() {
                session.do_send(FlushRecording);
            }
        });
    }

    /// Closes the recording, if any, and says where it is (`cowrie.log.closed`).
    pub(super) fn finish_recording(&mut self) {
        let Some(rec) = self.recording.take() else {
            return;
        };
        let duration_ms = rec
            .started
            .elapsed()
            .as_millis()
            .try_into()
            .unwrap_or(u64::MAX);
        match rec.recorder.finish() {
            Ok(done) => self.emit(EventKind::LogClosed {
                ttylog: rec.relative,
                size: done.size,
                shasum: done.sha256,
                duration_ms,
            }),
            Err(err) => {
                tracing::warn!(session = %self.origin.session, error = %err, "Cannot close the recording.")
            }
        }
    }
}
