//! Replicas driven by a tiny deterministic network: loss, duplication, reordering,
//! crash-restarts; after healing, every replica must hold the same state.
use super::*;
use crate::relations::RequestId;
use crate::storage::MemStorage;
use rand::seq::SliceRandom;

const N: u64 = 3;

struct Net {
    replicas: Vec<Option<CrdtReplica<MemStorage>>>,
    disks: Vec<MemStorage>,
    in_flight: Vec<(ReplicaId, ReplicaId, Vec<u8>)>,
    rng: ChaCha8Rng,
    now_us: u64,
    bugs: CrdtBugs,
    seq: u64,
    replies: Vec<(ReplicaId, CrdtReply)>,
}

impl Net {
    fn new(seed: u64, bugs: CrdtBugs) -> Self {
        let mut net = Net {
            replicas: Vec::new(),
            disks: vec![MemStorage::new(); N as usize],
            in_flight: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            now_us: 0,
            bugs,
            seq: 0,
            replies: Vec::new(),
        };
        net.replicas = (1..=N).map(|id| Some(net.boot(id))).collect();
        net
    }

    fn boot(&mut self, id: ReplicaId) -> CrdtReplica<MemStorage> {
        let config = ReplicaConfig {
            id,
            replicas: (1..=N).collect(),
            gossip_interval: Duration::from_millis(10),
            rng_seed: id ^ self.now_us,
            clock_offset_us_max: crate::crdt::OFFSET_US_MAX_DEFAULT,
            bugs: self.bugs,
        };
        let disk = self.disks[id as usize - 1].clone();
        CrdtReplica::new(config, disk, Time::from_micros(self.now_us)).unwrap()
    }

    fn crash(&mut self, id: ReplicaId) {
        let i = id as usize - 1;
        if let Some(r) = self.replicas[i].take() {
            let mut disk = r.storage().clone();
            disk.crash();
            self.disks[i] = disk;
        }
        self.replicas[i] = Some(self.boot(id));
    }

    fn request(&mut self, at: ReplicaId, kind: SetKind, op: SetOp) {
        self.seq += 1;
        let id = RequestId { client: 0, seq: self.seq };
        let now = Time::from_micros(self.now_us);
        if let Some(r) = self.replicas[at as usize - 1].as_mut() {
            r.handle_request(now, 0, CrdtRequest { id, kind, op }).unwrap();
        }
        self.drain();
    }

    fn drain(&mut self) {
        for r in self.replicas.iter_mut().flatten() {
            while let Some(out) = r.poll_output() {
                match out {
                    Output::Send { to, bytes } => self.in_flight.push((r.id(), to, bytes)),
                    Output::Reply { reply, .. } => self.replies.push((r.id(), reply)),
                }
            }
        }
    }

    /// Advances 1 ms: fires timers, then delivers in-flight datagrams under `faults`.
    fn tick(&mut self, faults: bool) {
        self.now_us += 1000;
        let now = Time::from_micros(self.now_us);
        for r in self.replicas.iter_mut().flatten() {
            r.handle_timeout(now).unwrap();
        }
        self.drain();
        let mut batch = std::mem::take(&mut self.in_flight);
        if faults {
            batch.shuffle(&mut self.rng);
        }
        for (from, to, bytes) in batch {
            let copies = if !faults {
                1
            } else {
                match self.rng.random_range(0..10) {
                    0..=2 => 0,
                    3 => 2,
                    _ => 1,
                }
            };
            for _ in 0..copies {
                if let Some(r) = self.replicas[to as usize - 1].as_mut() {
                    r.handle_message(now, from, &bytes).unwrap();
                }
            }
        }
        self.drain();
    }

    /// The OR-Set dots the replies reported, in order.
    fn added_dots(&self) -> Vec<crate::crdt::Dot> {
        self.replies
            .iter()
            .filter_map(|(_, r)| match r {
                CrdtReply::Added { dot, .. } => *dot,
                _ => None,
            })
            .collect()
    }

    fn digests(&self) -> Vec<Digest32> {
        self.replicas.iter().flatten().map(|r| r.graphs().digest()).collect()
    }

    fn converged(&self) -> bool {
        self.digests().windows(2).all(|w| w[0] == w[1])
    }
}

fn random_op(rng: &mut ChaCha8Rng) -> (ReplicaId, SetKind, SetOp) {
    let at = rng.random_range(1..=N);
    let kind = SetKind::ALL[rng.random_range(0..4)];
    let e = (rng.random_range(1..=3u64), rng.random_range(1..=3u64));
    let op = if kind.removable() && rng.random_bool(0.4) { SetOp::Remove(e) } else { SetOp::Add(e) };
    (at, kind, op)
}

#[test]
fn replicas_converge_after_lossy_reordered_gossip_and_crashes() {
    for seed in 0..20 {
        let mut net = Net::new(seed, CrdtBugs::default());
        let mut rng = ChaCha8Rng::seed_from_u64(seed + 1000);
        for step in 0..400 {
            if rng.random_bool(0.3) {
                let (at, kind, op) = random_op(&mut rng);
                net.request(at, kind, op);
            }
            if step % 97 == 0 {
                net.crash(rng.random_range(1..=N));
            }
            net.tick(true);
        }
        for _ in 0..500 {
            net.tick(false);
            if net.converged() {
                break;
            }
        }
        assert!(net.converged(), "seed {seed}: {:?}", net.digests());
        let g = net.replicas[0].as_ref().unwrap().graphs().clone();
        // Every tombstone eventually becomes stable and is collected.
        for _ in 0..200 {
            net.tick(false);
        }
        let g2 = net.replicas[0].as_ref().unwrap().graphs();
        assert_eq!(g.lww.elements(), g2.lww.elements(), "seed {seed}: collection changed the contents");
        assert_eq!(g2.lww.tombstones(), 0, "seed {seed}");
        assert!(net.converged(), "seed {seed}");
    }
}

#[test]
fn a_retried_request_is_answered_not_applied_again() {
    let mut net = Net::new(1, CrdtBugs::default());
    let now = Time::ZERO;
    let req = CrdtRequest { id: RequestId { client: 7, seq: 1 }, kind: SetKind::OrSet, op: SetOp::Add((1, 2)) };
    let r = net.replicas[0].as_mut().unwrap();
    r.handle_request(now, 7, req).unwrap();
    r.handle_request(now, 7, req).unwrap();
    net.drain();
    assert_eq!(net.replies.len(), 2);
    assert_eq!(net.replies[0], net.replies[1]);
    assert_eq!(net.replicas[0].as_ref().unwrap().graphs().orset.dots_of(&(1, 2)).count(), 1);
}

#[test]
fn a_restarted_replica_keeps_its_acknowledged_writes_and_dot_counter() {
    let mut net = Net::new(2, CrdtBugs::default());
    net.request(1, SetKind::OrSet, SetOp::Add((1, 2)));
    net.crash(1);
    net.request(1, SetKind::OrSet, SetOp::Add((2, 3)));
    let dots = net.added_dots();
    assert_eq!(dots.len(), 2);
    assert_ne!(dots[0], dots[1]);
    assert!(net.replicas[0].as_ref().unwrap().graphs().orset.contains(&(1, 2)));
}

#[test]
fn with_the_counter_bug_a_restarted_replica_reuses_a_dot() {
    let bugs = CrdtBugs { dot_counter_not_persisted: true, ..CrdtBugs::default() };
    let mut net = Net::new(2, bugs);
    net.request(1, SetKind::OrSet, SetOp::Add((1, 2)));
    net.crash(1);
    net.request(1, SetKind::OrSet, SetOp::Add((2, 3)));
    let dots = net.added_dots();
    assert_eq!(dots[0], dots[1]);
}

#[test]
fn garbage_bytes_are_rejected_not_merged() {
    let mut net = Net::new(3, CrdtBugs::default());
    let r = net.replicas[0].as_mut().unwrap();
    let before = r.graphs().digest();
    r.handle_message(Time::ZERO, 2, &[0xff, 0x00, 0x13, 0x37]).unwrap();
    let forged = GossipMessage::Digests(r.header(Time::ZERO)).encode();
    r.handle_message(Time::ZERO, 9, &forged).unwrap();
    assert_eq!(r.graphs().digest(), before);
    assert_eq!(r.stats().rejected, 2);
}
