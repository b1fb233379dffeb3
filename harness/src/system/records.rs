//! Each system's own part of the recorded run: one slot per record type, written by its hosts
//! and clients during the run and read by its checks afterwards. The core never looks inside.
use std::any::Any;

/// Typed record slots.
#[derive(Default)]
pub struct Records {
    slots: Vec<Box<dyn Any + Send>>,
}

impl Records {
    /// The record of type `T`, created empty on first use.
    pub fn get_mut<T: Any + Send + Default>(&mut self) -> &mut T {
        let at = match self.slots.iter().position(|s| s.is::<T>()) {
            Some(at) => at,
            None => {
                self.slots.push(Box::new(T::default()));
                self.slots.len() - 1
            }
        };
        match self.slots[at].downcast_mut::<T>() {
            Some(t) => t,
            // The slot at `at` was found or made as a `T` just above.
            None => unreachable!("record slot holds its own type"),
        }
    }

    /// The record of type `T`, if anything wrote one.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.slots.iter().find_map(|s| s.downcast_ref::<T>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_per_type() {
        let mut r = Records::default();
        r.get_mut::<Vec<u32>>().push(1);
        r.get_mut::<String>().push('x');
        r.get_mut::<Vec<u32>>().push(2);
        assert_eq!(r.get::<Vec<u32>>(), Some(&vec![1, 2]));
        assert_eq!(r.get::<String>().map(String::as_str), Some("x"));
        assert_eq!(r.get::<u8>(), None);
    }
}
