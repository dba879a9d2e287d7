//! The feature vectors a session's prefixes give: what training and evaluation take.

use std::sync::Arc;

use crate::models::commands::{Command, split};
use crate::models::features::{FEATURES, PHASES, Protocol, SessionFeatures};
use crate::models::hmm::PhaseModel;

/// Fresh features for a session with `protocol`, filtering its phase with `phases` if given.
fn start(protocol: &Protocol, phases: Option<&Arc<PhaseModel>>) -> SessionFeatures {
    let features = SessionFeatures::new(protocol.clone());
    match phases {
        Some(model) => features.with_phases(model.clone()),
        None => features,
    }
}

/// Most command prefixes of one session that become training rows (the end is always one).
pub const MAX_PREFIXES: usize = 40;

/// The session's features after its first `commands` commands (all of it when `None`): whole
/// lines, then the last line cut after the command that makes the count. With `phases`, the
/// phase slots hold the filtered phase distribution.
pub fn features_after(
    lines: &[(Option<f64>, String)],
    protocol: &Protocol,
    phases: Option<&Arc<PhaseModel>>,
    commands: Option<usize>,
) -> SessionFeatures {
    let mut f = start(protocol, phases);
    for (at, line) in lines {
        let split = split(line);
        let left = commands.map(|n| n.saturating_sub(f.commands()));
        match left {
            Some(0) => break,
            Some(left) if left < split.len() => {
                push_first(&mut f, *at, split, left);
                break;
            }
            _ => f.push_commands(*at, line, split),
        }
    }
    f
}

/// Pushes the first `n` of a line's commands, as the line cut after them.
fn push_first(f: &mut SessionFeatures, at: Option<f64>, mut commands: Vec<Command>, n: usize) {
    commands.truncate(n);
    let text = commands
        .iter()
        .map(|c| c.text.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    f.push_commands(at, &text, commands);
}

/// The feature vectors of a session after each of its first [`MAX_PREFIXES`] commands, and
/// at its end (with `phases`, each with the phase distribution filtered up to it).
pub fn prefix_vectors(
    lines: &[(Option<f64>, String)],
    protocol: &Protocol,
    phases: Option<&Arc<PhaseModel>>,
) -> Vec<[f64; FEATURES]> {
    let no_phases: Option<[f64; PHASES]> = None;
    let mut f = start(protocol, phases);
    let mut rows = Vec::new();
    for (at, line) in lines {
        let commands = split(line);
        for j in 1..commands.len() {
            if f.commands() + j > MAX_PREFIXES {
                break;
            }
            let mut partial = f.clone();
            push_first(&mut partial, *at, commands[..j].to_vec(), j);
            rows.push(partial.vector(no_phases));
        }
        f.push_commands(*at, line, commands);
        if f.commands() <= MAX_PREFIXES {
            rows.push(f.vector(no_phases));
        }
    }
    let end = f.vector(no_phases);
    if rows.last() != Some(&end) {
        rows.push(end);
    }
    rows
}
