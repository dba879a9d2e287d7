//! [`CorrelationActor`]: sees every event (it subscribes to the sink), notices honeytoken
//! use, and links sessions into attacker records.
//!
//! - A `mirage.honeytoken.accessed` event records who last read each token (every token at
//!   that placement: reading `/.env` reads all its secrets).
//! - An event that uses a token ([`Honeytokens::uses`]) makes a `mirage.honeytoken.used`
//!   event with the triggering event's envelope (session, addresses, protocol), naming the
//!   session that last read the token and its address, whatever address the use came from.
//! - Every event feeds the attacker records (see `records` for the linking rules).
//!
//! The records and the read index are kept in `<data_dir>/correlation.json`, written
//! atomically within a few seconds of a change, at shutdown ([`SaveRecords`]) and when the
//! actor stops, and read at start, so a use after a restart still names the reader.

use std::path::{Path, PathBuf};
use std::time::Duration;

use actix::prelude::*;
use uuid::Uuid;

mod records;

pub use records::{Access, Attacker, MAX_SESSIONS, Records, Saved, SessionRecord};

use crate::actors::sink::SharedEvent;
use crate::events::{Event, EventKind};
use crate::honeytokens::Honeytokens;

/// The file under the data directory that keeps the records.
pub const RECORDS_FILE: &str = "correlation.json";

/// How long after a change the records are written.
const SAVE_INTERVAL: Duration = Duration::from_secs(5);

/// Notices token use and keeps attacker records.
pub struct CorrelationActor {
    tokens: Honeytokens,
    records: Records,
    sink: Recipient<Event>,
    path: PathBuf,
    dirty: bool,
}

impl CorrelationActor {
    /// An actor that emits use events to `sink`, with records kept under `data_dir` (read
    /// now if present; a corrupt file is set aside and the records start empty).
    pub fn new(
        tokens: Honeytokens,
        sink: Recipient<Event>,
        data_dir: &Path,
        link_max_ips: u32,
    ) -> CorrelationActor {
        let path = data_dir.join(RECORDS_FILE);
        let records = match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<Saved>(&bytes) {
                Ok(saved) => Records::restore(link_max_ips, saved),
                Err(err) => {
                    tracing::warn!(path = %path.display(), error = %err, "Attacker records are corrupt; starting empty.");
                    std::fs::rename(&path, path.with_extension("json.corrupt")).ok();
                    Records::new(link_max_ips)
                }
            },
            Err(_) => Records::new(link_max_ips),
        };
        CorrelationActor {
            tokens,
            records,
            sink,
            path,
            dirty: false,
        }
    }

    /// Writes the records if they changed.
    fn save(&mut self) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        let result = serde_json::to_vec(&self.records.save())
            .map_err(std::io::Error::other)
            .and_then(|json| write_atomically(&self.path, &json));
        if let Err(err) = result {
            tracing::warn!(path = %self.path.display(), error = %err, "Cannot save attacker records.");
        }
    }

    /// The use events `event` causes.
    fn uses(&self, event: &Event) -> Vec<Event> {
        self.tokens
            .uses(event)
            .into_iter()
            .map(|found| {
                let access = self.records.access(&found.token.token);
                Event {
                    id: Uuid::now_v7(),
                    kind: EventKind::HoneytokenUsed {
                        token: found.token,
                        how: found.how,
                        accessed_by: access.map(|a| a.session.clone()),
                        accessed_from: access.map(|a| a.src_ip),
                    },
                    ..event.clone()
                }
            })
            .collect()
    }
}

impl Actor for CorrelationActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // The sink hands every event over with `try_send`: a burst must fit (actix's default
        // mailbox holds 16), as for the alert actor.
        ctx.set_mailbox_capacity(crate::actors::alert::ALERT_MAILBOX);
        ctx.run_interval(SAVE_INTERVAL, |act, _| act.save());
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        self.save();
    }
}

impl Supervised for CorrelationActor {}

/// What the node's sink sends: every event, shared.
impl Handler<SharedEvent> for CorrelationActor {
    type Result = ();

    fn handle(&mut self, event: SharedEvent, _: &mut Context<Self>) {
        self.observe(&event.0);
    }
}

impl CorrelationActor {
    /// Feeds the records and emits the use events `event` causes.
    fn observe(&mut self, event: &Event) {
        self.records.observe(event);
        self.dirty = true;
        if let EventKind::HoneytokenAccessed { token, .. } = &event.kind {
            let mut ids: Vec<&str> = self
                .tokens
                .at(&token.placement)
                .map(|t| t.id.as_str())
                .collect();
            if !ids.contains(&token.token.as_str()) {
                ids.push(&token.token);
            }
            for id in ids {
                self.records
                    .record_access(id, &event.session, event.src_ip, event.timestamp);
            }
        }
        for used in self.uses(event) {
            tracing::warn!(session = %used.session, src = %used.src_ip, "Honeytoken used.");
            self.sink.do_send(used);
        }
    }
}

/// Every attacker, most recently seen first.
#[derive(Message)]
#[rtype(result = "Vec<Attacker>")]
pub struct ListAttackers;

impl Handler<ListAttackers> for CorrelationActor {
    type Result = MessageResult<ListAttackers>;

    fn handle(&mut self, _: ListAttackers, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.records.attackers())
    }
}

/// One attacker, by id.
#[derive(Message)]
#[rtype(result = "Option<Attacker>")]
pub struct GetAttacker(pub String);

impl Handler<GetAttacker> for CorrelationActor {
    type Result = Option<Attacker>;

    fn handle(&mut self, msg: GetAttacker, _: &mut Context<Self>) -> Option<Attacker> {
        self.records.attacker(&msg.0)
    }
}

/// The attacker a session belongs to.
#[derive(Message)]
#[rtype(result = "Option<Attacker>")]
pub struct AttackerOfSession(pub crate::events::SessionId);

impl Handler<AttackerOfSession> for CorrelationActor {
    type Result = Option<Attacker>;

    fn handle(&mut self, msg: AttackerOfSession, _: &mut Context<Self>) -> Option<Attacker> {
        self.records.attacker_of(&msg.0)
    }
}

/// Writes the records now (tests, shutdown).
#[derive(Message)]
#[rtype(result = "()")]
pub struct SaveRecords;

impl Handler<SaveRecords> for CorrelationActor {
    type Result = ();

    fn handle(&mut self, _: SaveRecords, _: &mut Context<Self>) {
        self.save();
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("json.tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests;
