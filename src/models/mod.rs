//! What Mirage concludes about attackers from what they do.
//!
//! [`labels`] is the deterministic rule-based labeller (rules R1–R8 of the training data):
//! every session's class, as the node emits it in `mirage.classification` events. Trained
//! models will sit beside it and use the same classes.

pub mod analysis;
pub mod bandit;
pub mod bundle;
pub mod classifier;
pub mod commands;
pub mod context;
pub mod evaluate;
pub mod features;
pub mod hmm;
pub mod labels;
pub mod markov;
pub mod memory;
pub mod normalize;
pub mod phases;
pub mod probes;
pub mod recorded;
pub mod reflex;
pub mod reward;
pub mod strategy;
pub mod train;

pub use bundle::{ModelHandle, Models};
pub use labels::{Class, Label, Labeller, label};
