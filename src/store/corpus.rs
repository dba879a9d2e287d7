//! The stored sessions as a training corpus, for `mirage train --from store`.

use crate::config::Config;
use crate::models::recorded::corpus_lines;

use super::StoreError;

/// Most events read for training; a store holding more trains on its oldest ones.
pub const MAX_EVENTS: usize = 20_000_000;

/// The corpus lines of every SSH session with commands in the configured store (see
/// [`corpus_lines`]) and the store's backend name. Runs its own small runtime: call it from a
/// command-line thread, not from an actor.
pub fn stored_corpus_blocking(
    config: &Config,
) -> Result<(Vec<serde_json::Value>, &'static str), StoreError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| StoreError::Setup {
            backend: "runtime",
            source: Box::new(err),
        })?;
    runtime.block_on(async {
        let store = super::open(&config.database, &config.data_dir)?;
        let events = store.events(None, MAX_EVENTS).await?;
        Ok((corpus_lines(&events), store.backend()))
    })
}
