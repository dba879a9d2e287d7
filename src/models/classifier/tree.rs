//! Flattened one-vs-rest decision trees: fitted with linfa-trees, stored and walked as arrays.
//!
//! Each tree tells one class from the rest. Binary trees are what makes training
//! deterministic: linfa sums class weights (f32) in `HashMap` order, and with more than two
//! classes the order changes the last bits of a split's score, so near-tied splits flip
//! between runs; a sum of two numbers is the same in either order.

use linfa::prelude::*;
use linfa_trees::{DecisionTree, SplitQuality};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::{ClassifierError, TrainParams};
use crate::models::features::{FEATURES, RULE_FEATURES};

/// One node of a flattened tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Node {
    /// Go to `left` when `feature < threshold`, else to `right`.
    Split {
        /// The feature index.
        feature: usize,
        /// The threshold.
        threshold: f64,
        /// Index of the left child.
        left: usize,
        /// Index of the right child.
        right: usize,
    },
    /// A leaf: the training weight of the rest and of the tree's class that reached it.
    Leaf {
        /// `[rest, class]`.
        weights: Vec<f64>,
    },
}

/// A decision tree as an array of nodes; node 0 is the root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// The nodes.
    pub nodes: Vec<Node>,
}

impl Tree {
    /// The training weight of the tree's class and the total in the leaf `x` falls into, or
    /// `None` for a malformed tree (a file edited by hand).
    pub(super) fn leaf(&self, x: &[f64; FEATURES]) -> Option<(f64, f64)> {
        let mut at = 0;
        // A well-formed tree reaches a leaf in fewer steps than it has nodes.
        for _ in 0..=self.nodes.len() {
            match self.nodes.get(at)? {
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    at = if *x.get(*feature)? < *threshold {
                        *left
                    } else {
                        *right
                    }
                }
                Node::Leaf { weights } => {
                    let total: f64 = weights.iter().sum();
                    return Some((weights.get(1).copied().unwrap_or(0.0), total));
                }
            }
        }
        None
    }

    /// Flattens a fitted linfa tree and routes the training `rows` through it: each split
    /// is made canonical and each leaf gets the weights of the rows that reach it.
    fn from_linfa(tree: &DecisionTree<f64, usize>, rows: &[Row], class: usize) -> Tree {
        let mut nodes = Vec::new();
        flatten(tree.root_node(), &mut nodes);
        let mut tree = Tree { nodes };
        tree.route(0, (0..rows.len()).collect(), rows, class, 0);
        tree
    }

    /// Routes the rows `reach` (indices into `rows`) from node `at` down. At a split, the
    /// most [`preference`]d feature that divides these rows into exactly the same two halves
    /// replaces the one linfa picked: linfa breaks such ties by the order of a `HashMap`,
    /// so this makes the tree the same on every run, and prefers the rules' verdict.
    fn route(&mut self, at: usize, reach: Vec<usize>, rows: &[Row], class: usize, depth: usize) {
        let Some(node) = self.nodes.get_mut(at) else {
            return;
        };
        match node {
            Node::Leaf { weights } => {
                for &i in &reach {
                    if let Some(w) = weights.get_mut(usize::from(rows[i].class == class)) {
                        *w += rows[i].weight;
                    }
                }
            }
            Node::Split {
                feature,
                threshold,
                left,
                right,
            } => {
                let (l, r): (Vec<usize>, Vec<usize>) = reach
                    .into_iter()
                    .partition(|&i| rows[i].x[*feature] < *threshold);
                if !l.is_empty() && !r.is_empty() {
                    let current = preference(*feature);
                    let mut candidates: Vec<usize> =
                        (0..FEATURES).filter(|g| preference(*g) < current).collect();
                    candidates.sort_by_key(|g| preference(*g));
                    for g in candidates {
                        let max_left = l.iter().map(|&i| rows[i].x[g]).fold(f64::MIN, f64::max);
                        let min_right = r.iter().map(|&i| rows[i].x[g]).fold(f64::MAX, f64::min);
                        if max_left < min_right {
                            *feature = g;
                            *threshold = (max_left + min_right) / 2.0;
                            break;
                        }
                    }
                }
                let (left, right) = (*left, *right);
                // A tree from linfa is acyclic; the depth bound only guards a corrupt one.
                if depth < self.nodes.len() {
                    self.route(left, l, rows, class, depth + 1);
                    self.route(right, r, rows, class, depth + 1);
                }
            }
        }
    }
}

/// The order in which features are preferred for a split that several features make alike:
/// the rules' verdict, then the rules' flags, then the rest by index. The verdict says on
/// sessions unlike any in training what the rules would say; a count that happens to cut the
/// training rows the same way does not.
fn preference(feature: usize) -> usize {
    let verdicts = RULE_FEATURES.start + 7..RULE_FEATURES.end;
    if verdicts.contains(&feature) {
        feature - verdicts.start
    } else if RULE_FEATURES.contains(&feature) {
        verdicts.len() + feature - RULE_FEATURES.start
    } else {
        RULE_FEATURES.len() + feature
    }
}

fn flatten(node: &linfa_trees::TreeNode<f64, usize>, nodes: &mut Vec<Node>) -> usize {
    let at = nodes.len();
    nodes.push(Node::Leaf {
        weights: vec![0.0; 2],
    });
    let children = node.children();
    if let (false, Some(Some(left)), Some(Some(right))) =
        (node.is_leaf(), children.first(), children.get(1))
    {
        let (feature, threshold, _) = node.split();
        let left = flatten(left, nodes);
        let right = flatten(right, nodes);
        nodes[at] = Node::Split {
            feature,
            threshold,
            left,
            right,
        };
    }
    at
}

/// A merged training row.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub(super) x: [f64; FEATURES],
    pub(super) class: usize,
    pub(super) weight: f64,
}

/// Fits one linfa tree on `rows` and flattens it.
pub(super) fn fit(
    rows: &[Row],
    class: usize,
    params: &TrainParams,
) -> Result<Tree, ClassifierError> {
    let flat: Vec<f64> = rows.iter().flat_map(|r| r.x).collect();
    let records = Array2::from_shape_vec((rows.len(), FEATURES), flat)
        .map_err(|e| ClassifierError::Fit(e.to_string()))?;
    let targets = Array1::from_iter(rows.iter().map(|r| usize::from(r.class == class)));
    // linfa names a node's class by a `HashMap` walk, so equal weights of the class and the
    // rest would make the tree differ between runs: a tiny nudge toward the class breaks
    // such ties the same way every time.
    let weights = Array1::from_iter(rows.iter().map(|r| {
        let nudge = if r.class == class { 1.0 + 1e-5 } else { 1.0 };
        (r.weight * nudge) as f32
    }));
    let dataset = Dataset::new(records, targets).with_weights(weights);
    let tree = DecisionTree::params()
        .split_quality(SplitQuality::Gini)
        .max_depth(Some(params.max_depth))
        .min_weight_leaf(params.min_leaf_weight as f32)
        .fit(&dataset)
        .map_err(|e| ClassifierError::Fit(e.to_string()))?;
    Ok(Tree::from_linfa(&tree, rows, class))
}
