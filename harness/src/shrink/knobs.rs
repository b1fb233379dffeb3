//! Workload knobs in the systems' own sections, found by naming convention so the core names no
//! system: client counts (`clients`, `clients_*`), operation-mix weights (keys of a `mix` table
//! or named `mix_*`) and think time (`think_ms`: a longer think means a lower rate). A candidate
//! that a system rejects at load is simply not a candidate.
use toml::{Table, Value};

/// What a knob controls, in the order shrinking tries them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KnobKind {
    /// How many clients.
    Clients,
    /// One operation's weight in the mix.
    MixWeight,
    /// Pause between a client's operations, ms.
    Think,
}

/// A knob: its kind and the key path to it (`[section, (table,) key]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Knob {
    /// What it controls.
    pub kind: KnobKind,
    /// Keys from the document root.
    pub path: Vec<String>,
}

/// Every knob of `kind` in the sections that are not the core's (`core_keys`), in key order.
pub fn knobs(document: &Table, core_keys: &[String], kind: KnobKind) -> Vec<Knob> {
    let mut out = Vec::new();
    for (section, value) in document.iter().filter(|(k, _)| !core_keys.contains(k)) {
        let Some(table) = value.as_table() else { continue };
        for (key, value) in table {
            let path = vec![section.clone(), key.clone()];
            match value {
                Value::Integer(_) if kind_of(key) == Some(kind) => out.push(Knob { kind, path }),
                Value::Table(mix) if key == "mix" && kind == KnobKind::MixWeight => {
                    out.extend(
                        mix.iter()
                            .filter(|(_, v)| v.is_integer())
                            .map(|(k, _)| Knob { kind, path: vec![section.clone(), key.clone(), k.clone()] }),
                    );
                }
                _ => {}
            }
        }
    }
    out
}

fn kind_of(key: &str) -> Option<KnobKind> {
    if key == "clients" || key.starts_with("clients_") {
        Some(KnobKind::Clients)
    } else if key.starts_with("mix_") {
        Some(KnobKind::MixWeight)
    } else if key == "think_ms" {
        Some(KnobKind::Think)
    } else {
        None
    }
}

/// The knob's integer value.
pub fn get(document: &Table, knob: &Knob) -> Option<i64> {
    let (last, parents) = knob.path.split_last()?;
    let mut table = document;
    for key in parents {
        table = table.get(key)?.as_table()?;
    }
    table.get(last)?.as_integer()
}

/// `document` with the knob set to `value`.
pub fn set(document: &Table, knob: &Knob, value: i64) -> Table {
    let mut out = document.clone();
    let Some((last, parents)) = knob.path.split_last() else { return out };
    let mut table = &mut out;
    for key in parents {
        match table.get_mut(key).and_then(Value::as_table_mut) {
            Some(t) => table = t,
            None => return document.clone(),
        }
    }
    table.insert(last.clone(), Value::Integer(value));
    out
}

/// Values to try for a knob now at `value`, most reduced first.
pub fn candidates(kind: KnobKind, value: i64) -> Vec<i64> {
    let mut out = match kind {
        KnobKind::Clients => vec![0, 1, value / 2],
        KnobKind::MixWeight => vec![0],
        KnobKind::Think if value <= 0 => vec![100, 20],
        KnobKind::Think => vec![value.saturating_mul(4), value.saturating_mul(2)],
    };
    out.retain(|v| match kind {
        KnobKind::Think => *v > value && *v <= crate::scenario::MS_MAX as i64,
        _ => *v < value && *v >= 0,
    });
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "name = \"x\"\n[workload]\nclients = 4\nthink_ms = 10\nusers = 9\n\
                       [workload.mix]\nfollow = 3\nunfollow = 0\n[crdt]\nclients_per_replica = 2\nmix_add = 5\n";

    #[test]
    fn knobs_are_found_by_convention_outside_the_core() {
        let doc: Table = toml::from_str(DOC).expect("toml");
        let core = vec!["name".to_string()];
        let paths = |kind| knobs(&doc, &core, kind).into_iter().map(|k| k.path.join(".")).collect::<Vec<_>>();
        assert_eq!(paths(KnobKind::Clients), ["crdt.clients_per_replica", "workload.clients"]);
        assert_eq!(paths(KnobKind::MixWeight), ["crdt.mix_add", "workload.mix.follow", "workload.mix.unfollow"]);
        assert_eq!(paths(KnobKind::Think), ["workload.think_ms"]);
    }

    #[test]
    fn setting_a_nested_knob_changes_only_it() {
        let doc: Table = toml::from_str(DOC).expect("toml");
        let knob = Knob { kind: KnobKind::MixWeight, path: vec!["workload".into(), "mix".into(), "follow".into()] };
        let changed = set(&doc, &knob, 0);
        assert_eq!(get(&changed, &knob), Some(0));
        assert_eq!(get(&doc, &knob), Some(3));
    }

    #[test]
    fn candidates_reduce_the_load() {
        assert_eq!(candidates(KnobKind::Clients, 4), vec![0, 1, 2]);
        assert_eq!(candidates(KnobKind::Clients, 1), vec![0]);
        assert!(candidates(KnobKind::Clients, 0).is_empty());
        assert_eq!(candidates(KnobKind::Think, 10), vec![40, 20]);
        assert!(candidates(KnobKind::MixWeight, 0).is_empty());
    }
}
