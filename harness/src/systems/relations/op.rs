//! Choosing operations and describing them in the history's terms (the `follow` model:
//! key = followee; see check::models).
use super::WorkloadConfig;
use faultline_systems::relations::{Operation, Reply};
use rand::Rng;
use serde_json::{json, Value};

/// Picks the next operation from the weighted mix over users 1..=users.
pub fn pick_operation(rng: &mut impl Rng, w: &WorkloadConfig, now_us: u64) -> Operation {
    let m = &w.mix;
    let weights = [m.follow, m.unfollow, m.is_following, m.followers, m.counts];
    let total: u32 = weights.iter().sum();
    let mut roll = rng.random_range(0..total.max(1));
    let mut choice = 0;
    for (i, weight) in weights.iter().enumerate() {
        if roll < *weight {
            choice = i;
            break;
        }
        roll -= weight;
    }
    let a = rng.random_range(1..=w.users);
    // b differs from a: self-follows carry no information for the checker.
    let b = {
        let b = rng.random_range(1..w.users);
        if b >= a {
            b + 1
        } else {
            b
        }
    };
    let period = now_us.checked_div(w.key_period_ms.saturating_mul(1000)).unwrap_or(0);
    let (a, b) = (a + period * w.users, b + period * w.users);
    match choice {
        0 => Operation::Follow { follower: a, followee: b },
        1 => Operation::Unfollow { follower: a, followee: b },
        2 => Operation::IsFollowing { follower: a, followee: b },
        3 => Operation::Followers { user: b },
        _ => Operation::Counts { user: b },
    }
}

/// An operation as the history records it.
pub struct HistoryOp {
    /// Model function name.
    pub f: &'static str,
    /// Key (the followee).
    pub key: Value,
    /// Invoke value.
    pub value: Value,
}

impl HistoryOp {
    /// Describes `op` for the history.
    pub fn of(op: &Operation) -> Self {
        match *op {
            Operation::Follow { follower, followee } => {
                Self { f: "follow", key: json!(followee), value: json!(follower) }
            }
            Operation::Unfollow { follower, followee } => {
                Self { f: "unfollow", key: json!(followee), value: json!(follower) }
            }
            Operation::IsFollowing { follower, followee } => {
                Self { f: "is_following", key: json!(followee), value: json!(follower) }
            }
            Operation::Followers { user } => Self { f: "followers", key: json!(user), value: Value::Null },
            Operation::Following { user } => Self { f: "following", key: json!(user), value: Value::Null },
            Operation::Counts { user } => Self { f: "follower_count", key: json!(user), value: Value::Null },
        }
    }

    /// The ok value for a reply, or None if the reply does not answer this operation.
    pub fn ok_value(op: &Operation, reply: &Reply) -> Option<Value> {
        match (op, reply) {
            (Operation::Follow { .. } | Operation::Unfollow { .. }, Reply::Written { .. }) => Some(Value::Null),
            (Operation::IsFollowing { .. }, Reply::Bool(b)) => Some(json!(b)),
            (Operation::Followers { .. } | Operation::Following { .. }, Reply::Users(users)) => Some(json!(users)),
            (Operation::Counts { .. }, Reply::Counts { followers, .. }) => Some(json!(followers)),
            _ => None,
        }
    }
}
