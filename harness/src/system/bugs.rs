//! Planted bugs: named switches in a system, off by default and inert when off, each declared
//! once with the checks that must catch it.

/// One planted bug as `faultline bugs` lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlantedBug {
    /// The name `--bug` takes.
    pub name: &'static str,
    /// Scenario (in scenarios/) that exercises it.
    pub scenario: &'static str,
    /// One line: what the switch does wrong.
    pub description: &'static str,
    /// The checks that must fail when it is on (one failing is enough): its test asserts that.
    pub caught_by: &'static [&'static str],
}

/// A planted bug and how it turns on a system's switch set `S`.
pub struct Bug<S> {
    /// What it is.
    pub planted: PlantedBug,
    /// Sets its switch.
    pub switch_on: fn(&mut S),
}

/// The declarations of `bugs` (what [`super::Plugin::bugs`] lists).
pub fn planted<S>(bugs: &[Bug<S>]) -> Vec<PlantedBug> {
    bugs.iter().map(|b| b.planted).collect()
}

/// The switches that the bug names in `on` turn on (names of other systems' bugs are ignored).
pub fn switches<S: Default>(bugs: &[Bug<S>], on: &[String]) -> S {
    let mut s = S::default();
    for bug in bugs.iter().filter(|b| on.iter().any(|n| n == b.planted.name)) {
        (bug.switch_on)(&mut s);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default, Debug, PartialEq)]
    struct Two {
        a: bool,
        b: bool,
    }

    const fn bug(name: &'static str, switch_on: fn(&mut Two)) -> Bug<Two> {
        Bug { planted: PlantedBug { name, scenario: "s", description: "d", caught_by: &["c"] }, switch_on }
    }

    #[test]
    fn only_named_switches_turn_on() {
        let bugs = [bug("a", |s| s.a = true), bug("b", |s| s.b = true)];
        assert_eq!(switches(&bugs, &[]), Two::default());
        assert_eq!(switches(&bugs, &["b".to_string(), "other".to_string()]), Two { a: false, b: true });
    }
}
