//! The consumer-group coordinator as a Raft state machine: per-partition leases, each grant
//! with a strictly increasing fencing token. Lease time is the proposing leader's clock,
//! carried in the command, so every replica decides alike.
use crate::raft::StateMachine;
use crate::relations::RequestId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The coordinator command.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct AcquireCommand {
    pub partition: u32,
    pub consumer: u64,
    pub current: Option<u64>,
    pub now_us: u64,
    pub lease_us: u64,
}

/// A held lease.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The consumer holding it.
    pub holder: u64,
    /// Its fencing token.
    pub token: u64,
    /// When it lapses, on the proposing leaders' clocks, in µs.
    pub expires_us: u64,
}

/// What an acquire did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseOutcome {
    /// The partition.
    pub partition: u32,
    /// Who asked.
    pub consumer: u64,
    /// The token granted or renewed; None if another consumer holds the lease.
    pub token: Option<u64>,
    /// The holder after this command.
    pub holder: u64,
}

/// All leases and the last token handed out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseTable {
    leases: BTreeMap<u32, Lease>,
    last_token: u64,
}

impl LeaseTable {
    /// The lease on `partition`, if any (it may have lapsed).
    pub fn lease(&self, partition: u32) -> Option<&Lease> {
        self.leases.get(&partition)
    }

    /// The last token granted.
    pub fn last_token(&self) -> u64 {
        self.last_token
    }

    /// Grants, renews or refuses. A renewal must name the live token; anything else held by
    /// the asker (a restarted consumer, a lapsed lease) gets a fresh token, so each
    /// incarnation of a holder writes under its own token.
    pub(crate) fn acquire(&mut self, cmd: &AcquireCommand) -> LeaseOutcome {
        let expires_us = cmd.now_us.saturating_add(cmd.lease_us);
        let (partition, consumer) = (cmd.partition, cmd.consumer);
        if let Some(lease) = self.leases.get_mut(&partition) {
            let live = lease.expires_us > cmd.now_us;
            if live && lease.holder != consumer {
                return LeaseOutcome { partition, consumer, token: None, holder: lease.holder };
            }
            if live && cmd.current == Some(lease.token) {
                lease.expires_us = lease.expires_us.max(expires_us);
                return LeaseOutcome { partition, consumer, token: Some(lease.token), holder: consumer };
            }
        }
        let token = self.last_token.checked_add(1).expect("fencing tokens exhausted");
        self.last_token = token;
        self.leases.insert(partition, Lease { holder: consumer, token, expires_us });
        LeaseOutcome { partition, consumer, token: Some(token), holder: consumer }
    }
}

impl StateMachine for LeaseTable {
    type Output = Option<LeaseOutcome>;

    fn apply(&mut self, command: &[u8]) -> Self::Output {
        let cmd: AcquireCommand = postcard::from_bytes(command).ok()?;
        Some(self.acquire(&cmd))
    }

    fn snapshot(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("postcard serialization of the lease table")
    }

    fn request_of(&self, _command: &[u8]) -> Option<RequestId> {
        None
    }

    fn restore(&mut self, bytes: &[u8]) -> Result<(), String> {
        *self = postcard::from_bytes(bytes).map_err(|e| format!("lease table snapshot: {e}"))?;
        Ok(())
    }
}
