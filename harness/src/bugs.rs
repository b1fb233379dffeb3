//! The planted-bug registry behind `faultline bugs` and `--bug`: every registered system's
//! bugs, each declared once in its own folder with the checks that must catch it.
pub use crate::system::PlantedBug;

/// Every planted bug of every registered system, in registration order.
pub fn all() -> Vec<PlantedBug> {
    crate::systems::plugins().iter().flat_map(|p| p.bugs()).collect()
}

/// Looks a bug up by name.
pub fn find(name: &str) -> Option<PlantedBug> {
    all().into_iter().find(|b| b.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_each_names_its_checks() {
        let bugs = all();
        for (i, b) in bugs.iter().enumerate() {
            assert!(bugs[..i].iter().all(|o| o.name != b.name), "{} declared twice", b.name);
            assert!(!b.caught_by.is_empty(), "{} names no check that catches it", b.name);
        }
    }
}
