//! The `total-queue` model: Jepsen queue histories (`:enqueue`, `:dequeue`, `:drain`) judged
//! exactly as `jepsen.checker/total-queue` judges them (see `counts::QueueCounts`).
use serde_json::Value;

use super::atom::Atom;
use super::counts::{add, list, Multiset, QueueCounts};
use crate::check::CheckResult;
use crate::history::{EventKind, HistoryFile, InputError};

/// Check name.
pub const TOTAL_QUEUE: &str = "total-queue";
/// Elements a failing detail lists per category.
const LISTED_MAX: usize = 8;

/// Count a queue history. An ok `:drain`'s value (a collection) counts as one dequeue per
/// element, as Jepsen's `expand-queue-drain-ops` does; a crashed (`:info`) drain is bad input,
/// as Jepsen refuses it too.
pub fn count_queue(hf: &HistoryFile) -> Result<QueueCounts<Atom>, InputError> {
    let (mut attempts, mut enqueues, mut dequeues) = (Multiset::new(), Multiset::new(), Multiset::new());
    for (pos, ev) in hf.events.iter().enumerate() {
        match (ev.f.as_str(), ev.kind) {
            ("enqueue", EventKind::Invoke) => add(&mut attempts, Atom::from_json(&ev.value)),
            ("enqueue", EventKind::Ok) => add(&mut enqueues, Atom::from_json(&ev.value)),
            ("dequeue", EventKind::Ok) => add(&mut dequeues, Atom::from_json(&ev.value)),
            ("drain", EventKind::Ok) => match &ev.value {
                Value::Array(xs) => xs.iter().for_each(|x| add(&mut dequeues, Atom::from_json(x))),
                Value::Null => {}
                other => {
                    let msg = format!("an ok :drain needs a collection of elements, got {other}");
                    return Err(InputError::at_field(&hf.file, hf.line_of(pos), "value", msg));
                }
            },
            ("drain", EventKind::Info) => {
                let msg = "a crashed (:info) :drain cannot be judged: which elements it removed is unknown";
                return Err(InputError::at_field(&hf.file, hf.line_of(pos), "type", msg));
            }
            _ => {}
        }
    }
    Ok(QueueCounts::compute(&attempts, &enqueues, &dequeues))
}

/// The verdict as a `CheckResult`: Jepsen's validity (nothing lost or unexpected).
pub fn to_check_result(c: &QueueCounts<Atom>) -> CheckResult {
    if c.attempt_count == 0 && c.ok_count == 0 && c.unexpected.is_empty() {
        return CheckResult::pass(TOTAL_QUEUE, "nothing to judge: no enqueue was attempted and nothing was dequeued");
    }
    let mut detail = c.summary();
    for (name, m) in [("lost", &c.lost), ("unexpected", &c.unexpected), ("duplicated", &c.duplicated)] {
        if !m.is_empty() {
            detail.push_str(&format!("; {name}: {}", list(m, LISTED_MAX)));
        }
    }
    if !c.recovered.is_empty() {
        detail.push_str(&format!("; recovered: {}", list(&c.recovered, LISTED_MAX)));
    }
    CheckResult { name: TOTAL_QUEUE.to_string(), ok: c.jepsen_valid(), detail }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::parse_edn;

    const GOOD: &str = r#"[{:process 0, :type :invoke, :f :enqueue, :value 1}
{:process 0, :type :ok, :f :enqueue, :value 1}
{:process 1, :type :invoke, :f :enqueue, :value 2}
{:process :nemesis, :type :info, :f :start, :value nil}
{:process 1, :type :info, :f :enqueue, :value 2}
{:process 2, :type :invoke, :f :dequeue, :value nil}
{:process 2, :type :ok, :f :dequeue, :value 2}
{:process 3, :type :invoke, :f :drain, :value nil}
{:process 3, :type :ok, :f :drain, :value [1 2]}]"#;

    #[test]
    fn accepts_recovered_and_duplicated_like_jepsen() {
        let c = count_queue(&parse_edn("q.edn", GOOD).unwrap()).unwrap();
        assert_eq!((c.attempt_count, c.acknowledged_count, c.ok_count), (2, 1, 2));
        assert_eq!(list(&c.recovered, 8), "2");
        assert_eq!(list(&c.duplicated, 8), "2");
        let r = to_check_result(&c);
        assert!(r.ok, "{}", r.detail);
        assert!(r.detail.contains("duplicated-count 1"), "{}", r.detail);
    }

    #[test]
    fn rejects_lost_and_unexpected() {
        let lost = "{:process 0, :type :invoke, :f :enqueue, :value 5}\n{:process 0, :type :ok, :f :enqueue, :value 5}";
        let r = to_check_result(&count_queue(&parse_edn("q.edn", lost).unwrap()).unwrap());
        assert!(!r.ok && r.detail.contains("lost: 5"), "{}", r.detail);
        let unexpected = "{:process 0, :type :invoke, :f :dequeue}\n{:process 0, :type :ok, :f :dequeue, :value 7}";
        let r = to_check_result(&count_queue(&parse_edn("q.edn", unexpected).unwrap()).unwrap());
        assert!(!r.ok && r.detail.contains("unexpected: 7"), "{}", r.detail);
    }

    #[test]
    fn empty_history_says_so_and_crashed_drain_is_bad_input() {
        let r = to_check_result(&count_queue(&parse_edn("q.edn", "[]").unwrap()).unwrap());
        assert!(r.ok && r.detail.contains("nothing to judge"), "{}", r.detail);
        let crashed = "{:process 0, :type :invoke, :f :drain}\n{:process 0, :type :info, :f :drain}";
        let e = count_queue(&parse_edn("q.edn", crashed).unwrap()).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (2, Some("type")), "{e}");
        let bad = "{:process 0, :type :ok, :f :drain, :value 3}";
        assert_eq!(count_queue(&parse_edn("q.edn", bad).unwrap()).unwrap_err().line, 1);
    }
}
