//! What Mirage concludes about attackers from what they do.
//!
//! [`labels`] is the deterministic rule-based labeller (rules R1–R8 of the training data):
//! every session's class, as the node emits it in `mirage.classification` events. Trained
//! models will sit beside it and use the same classes.

pub mod commands;
pub mod evaluate;
pub mod labels;
pub mod markov;
pub mod normalize;

pub use labels::{Class, Label, Labeller, label};
