//! The `follow` model: per followee (the key), the set of follower ids.
use serde_json::Value;

use super::{Model, ModelError, Outcome, Side, Val};

/// Follow sets keyed by followee: follow / unfollow / is_following / followers / follower_count.
#[derive(Clone, Copy, Debug, Default)]
pub struct Follow;

/// An operation on one followee's follower set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FollowOp {
    /// Add a follower (idempotent).
    Follow(Val),
    /// Remove a follower (idempotent).
    Unfollow(Val),
    /// Observed whether this user follows.
    IsFollowing(Val, bool),
    /// Observed the follower list, sorted (duplicates kept so a duplicated entry is caught).
    Followers(Vec<Val>),
    /// Observed the number of followers.
    Count(u64),
}

const FS: &[&str] = &["follow", "unfollow", "is_following", "followers", "follower_count"];

impl Model for Follow {
    /// Sorted, duplicate-free follower ids.
    type State = Vec<Val>;
    type Op = FollowOp;

    fn name(&self) -> &str {
        "follow"
    }
    fn keyed(&self) -> bool {
        true
    }

    fn init(&self) -> Vec<Val> {
        Vec::new()
    }

    fn parse_op(&self, f: &str, input: &Value, outcome: Outcome<'_>) -> Result<Option<FollowOp>, ModelError> {
        let output = match outcome {
            Outcome::Ok(v) => Some(v),
            Outcome::Fail | Outcome::Info => None,
        };
        let op = match f {
            "follow" | "unfollow" => {
                let who = Val::from_json(input);
                if matches!(outcome, Outcome::Fail) {
                    return Ok(None);
                }
                if f == "follow" {
                    FollowOp::Follow(who)
                } else {
                    FollowOp::Unfollow(who)
                }
            }
            "is_following" => {
                let who = Val::from_json(input);
                let Some(out) = output else { return Ok(None) };
                match out {
                    Value::Bool(b) => FollowOp::IsFollowing(who, *b),
                    _ => {
                        return Err(ModelError::value(
                            Side::Completion,
                            format!("is_following returns a boolean, got {out}"),
                        ))
                    }
                }
            }
            "followers" => {
                let Some(out) = output else { return Ok(None) };
                let Some(xs) = out.as_array() else {
                    return Err(ModelError::value(Side::Completion, format!("followers returns an array, got {out}")));
                };
                let mut v: Vec<Val> = xs.iter().map(Val::from_json).collect();
                v.sort();
                FollowOp::Followers(v)
            }
            "follower_count" => {
                let Some(out) = output else { return Ok(None) };
                let Some(n) = out.as_u64() else {
                    return Err(ModelError::value(
                        Side::Completion,
                        format!("follower_count returns a non-negative integer, got {out}"),
                    ));
                };
                FollowOp::Count(n)
            }
            _ => {
                let shown: String = f.chars().take(40).collect();
                return Err(ModelError::f(format!(
                    "the follow model has no operation {shown:?}: expected one of {}",
                    FS.join(", ")
                )));
            }
        };
        Ok(Some(op))
    }

    fn step(&self, state: &Vec<Val>, op: &FollowOp) -> Option<Vec<Val>> {
        match op {
            FollowOp::Follow(who) => match state.binary_search(who) {
                Ok(_) => Some(state.clone()),
                Err(i) => {
                    let mut s = state.clone();
                    s.insert(i, who.clone());
                    Some(s)
                }
            },
            FollowOp::Unfollow(who) => match state.binary_search(who) {
                Ok(i) => {
                    let mut s = state.clone();
                    s.remove(i);
                    Some(s)
                }
                Err(_) => Some(state.clone()),
            },
            FollowOp::IsFollowing(who, b) => (state.binary_search(who).is_ok() == *b).then(|| state.clone()),
            FollowOp::Followers(v) => (state == v).then(|| state.clone()),
            FollowOp::Count(n) => (state.len() as u64 == *n).then(|| state.clone()),
        }
    }

    fn state_json(&self, state: &Vec<Val>) -> Value {
        Value::Array(state.iter().map(Val::to_json).collect())
    }

    fn state_from_json(&self, v: &Value) -> Option<Vec<Val>> {
        let mut s: Vec<Val> = v.as_array()?.iter().map(Val::from_json).collect();
        s.sort();
        s.dedup();
        Some(s)
    }

    fn is_read_only(&self, op: &FollowOp) -> bool {
        !matches!(op, FollowOp::Follow(_) | FollowOp::Unfollow(_))
    }
}
