//! The event queue: what happens next, ordered by (simulated time, sequence number), so two
//! events at the same instant run in the order they were scheduled.
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Something due at a simulated instant.
pub enum Event {
    /// A timer a node's task armed (stale if the node restarted or re-armed since).
    Wake { node: usize, incarnation: u64 },
    /// A datagram arriving at `node`.
    Deliver { from: usize, node: usize, bytes: Vec<u8> },
}

struct Entry {
    time_us: u64,
    seq: u64,
    event: Event,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.time_us, self.seq) == (other.time_us, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Reversed: `BinaryHeap` is a max-heap and the earliest event must come out first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time_us, other.seq).cmp(&(self.time_us, self.seq))
    }
}

/// Events by (time, sequence).
#[derive(Default)]
pub struct EventQueue {
    heap: BinaryHeap<Entry>,
    seq: u64,
}

impl EventQueue {
    /// Schedules `event` at `time_us`.
    pub fn push(&mut self, time_us: u64, event: Event) {
        self.seq += 1;
        self.heap.push(Entry { time_us, seq: self.seq, event });
    }

    /// When the next event is due.
    pub fn next_us(&self) -> Option<u64> {
        self.heap.peek().map(|e| e.time_us)
    }

    /// Takes the next event.
    pub fn pop(&mut self) -> Option<(u64, Event)> {
        self.heap.pop().map(|e| (e.time_us, e.event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_then_in_scheduling_order() {
        let mut q = EventQueue::default();
        q.push(5, Event::Wake { node: 1, incarnation: 0 });
        q.push(3, Event::Wake { node: 2, incarnation: 0 });
        q.push(5, Event::Wake { node: 3, incarnation: 0 });
        let order: Vec<(u64, usize)> = std::iter::from_fn(|| q.pop())
            .map(|(t, e)| match e {
                Event::Wake { node, .. } | Event::Deliver { node, .. } => (t, node),
            })
            .collect();
        assert_eq!(order, vec![(3, 2), (5, 1), (5, 3)]);
    }
}
