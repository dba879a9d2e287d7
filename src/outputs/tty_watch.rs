//! Live terminal watching: a session's terminal output, fanned out to admin UI watchers as it
//! is written (`GET /sessions/{id}/tty`).
//!
//! A recording session holds a [`TtyFeed`] registered in the node's [`TtyWatchers`]; each
//! output write checks the feed's receiver count first, so a session nobody watches pays one
//! atomic load. Watchers get a bounded broadcast: one that falls behind skips what it missed
//! rather than slowing the session. The broadcast's buffer is made when the first watcher
//! comes, so the many sessions nobody watches do not each hold one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::broadcast;

/// Output chunks a watcher may fall behind by before it skips ahead.
pub const WATCH_BUFFER: usize = 256;

/// One live terminal's broadcast, made when first watched.
type Slot = Arc<OnceLock<broadcast::Sender<Arc<str>>>>;

/// The node's live terminals, by session id. Cheap to clone (shared).
#[derive(Clone, Debug, Default)]
pub struct TtyWatchers {
    feeds: Arc<Mutex<HashMap<String, Slot>>>,
}

impl TtyWatchers {
    /// Registers `session`'s terminal; it can be watched until the feed is dropped.
    pub fn feed(&self, session: &str) -> TtyFeed {
        let slot = Slot::default();
        if let Ok(mut feeds) = self.feeds.lock() {
            feeds.insert(session.to_owned(), slot.clone());
        }
        TtyFeed {
            slot,
            session: session.to_owned(),
            watchers: self.clone(),
        }
    }

    /// Starts watching `session`'s terminal; `None` when it is not live on this node.
    pub fn watch(&self, session: &str) -> Option<broadcast::Receiver<Arc<str>>> {
        let feeds = self.feeds.lock().ok()?;
        feeds.get(session).map(|slot| {
            slot.get_or_init(|| broadcast::channel(WATCH_BUFFER).0)
                .subscribe()
        })
    }

    /// How many terminals can be watched now.
    pub fn live(&self) -> usize {
        self.feeds.lock().map_or(0, |f| f.len())
    }
}

/// One session's terminal output going out to its watchers; unregisters itself on drop (the
/// watchers' streams then end).
#[derive(Debug)]
pub struct TtyFeed {
    slot: Slot,
    session: String,
    watchers: TtyWatchers,
}

impl TtyFeed {
    /// Passes terminal output on to the watchers, if any (invalid UTF-8 becomes U+FFFD).
    pub fn output(&self, bytes: &[u8]) {
        let Some(sender) = self.slot.get() else {
            return;
        };
        if sender.receiver_count() == 0 || bytes.is_empty() {
            return;
        }
        // Fails only when the last watcher left meanwhile: nobody to send to.
        sender.send(Arc::from(String::from_utf8_lossy(bytes))).ok();
    }
}

impl Drop for TtyFeed {
    fn drop(&mut self) {
        if let Ok(mut feeds) = self.watchers.feeds.lock()
            && feeds
                .get(&self.session)
                .is_some_and(|s| Arc::ptr_eq(s, &self.slot))
        {
            feeds.remove(&self.session);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watchers_get_output_until_the_feed_ends() {
        let hub = TtyWatchers::default();
        let feed = hub.feed("s1");
        feed.output(b"unseen");
        let mut rx = hub.watch("s1").expect("live");
        assert!(hub.watch("s2").is_none());
        feed.output(b"ls\r\n");
        assert_eq!(&*rx.try_recv().unwrap(), "ls\r\n");
        drop(feed);
        assert_eq!(hub.live(), 0);
        assert!(matches!(
            rx.try_recv(),
            Err(broadcast::error::TryRecvError::Closed)
        ));
    }
}
