//! Reading and rewriting the few core keys of a scenario document that shrinking changes.
use toml::{Table, Value};

/// The `[[nemesis.schedule]]` entries.
pub fn schedule(document: &Table) -> Vec<Value> {
    document.get("nemesis").and_then(|n| n.get("schedule")).and_then(Value::as_array).cloned().unwrap_or_default()
}

/// `document` with `faults` as its schedule.
pub fn with_schedule(document: &Table, faults: Vec<Value>) -> Table {
    let mut out = document.clone();
    let nemesis = out.entry("nemesis").or_insert_with(|| Value::Table(Table::new()));
    if let Some(table) = nemesis.as_table_mut() {
        table.insert("schedule".into(), Value::Array(faults));
    }
    out
}

/// A float field of a table (TOML integers count), if present.
pub fn float(table: &Table, key: &str) -> Option<f64> {
    match table.get(key)? {
        Value::Float(f) => Some(*f),
        Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

/// `table` with `key` set to `value`.
pub fn with_value(table: &Table, key: &str, value: Value) -> Table {
    let mut out = table.clone();
    out.insert(key.to_string(), value);
    out
}

/// One schedule entry with `key` set to `value`.
pub fn with_fault_value(document: &Table, index: usize, key: &str, value: Value) -> Table {
    let mut faults = schedule(document);
    if let Some(Value::Table(fault)) = faults.get_mut(index) {
        fault.insert(key.to_string(), value);
    }
    with_schedule(document, faults)
}

/// Where the last scheduled fault ends, seconds (0 with none).
pub fn last_fault_end_s(document: &Table) -> f64 {
    schedule(document)
        .iter()
        .filter_map(Value::as_table)
        .map(|f| float(f, "at_s").unwrap_or(0.0) + float(f, "duration_s").unwrap_or(0.0))
        .fold(0.0, f64::max)
}

/// Candidate values below `value`, smallest first, no repeats, none under `floor`.
pub fn smaller(value: f64, fractions: &[f64], floor: f64) -> Vec<f64> {
    let mut out: Vec<f64> = fractions.iter().map(|f| value * f).filter(|v| *v >= floor && *v < value).collect();
    out.push(floor);
    out.retain(|v| *v < value && *v >= floor);
    out.sort_by(f64::total_cmp);
    out.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smaller_values_come_smallest_first_above_the_floor() {
        assert_eq!(smaller(8.0, &[0.5, 0.25], 1.0), vec![1.0, 2.0, 4.0]);
        assert!(smaller(0.5, &[0.5], 1.0).is_empty());
    }

    #[test]
    fn schedule_round_trips() {
        let doc: Table =
            toml::from_str("[[nemesis.schedule]]\nat_s = 1.5\nfault = \"crash\"\nduration_s = 2\n").expect("toml");
        let faults = schedule(&doc);
        assert_eq!(faults.len(), 1);
        assert_eq!(last_fault_end_s(&doc), 3.5);
        assert!(schedule(&with_schedule(&doc, Vec::new())).is_empty());
    }
}
