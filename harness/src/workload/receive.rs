//! Waiting for the answer to one request: every client kind does it the same way.
use crate::engine::Io;
use crate::world::wire::{self, Envelope};
use crate::world::World;
use faultline_systems::relations::RequestId;
use serde::de::DeserializeOwned;

/// Receives datagrams until `until_us`, returning the first that `answer` accepts (it gets
/// each decoded envelope and picks out the reply to the request it waits for; stale replies
/// to earlier requests are dropped, and garbage too, counted in the run's `decode_errors`
/// as the hosts count theirs, so corruption that reaches clients shows in the stats).
pub async fn receive_until<I: Io, T>(
    world: &World,
    socket: &I::Socket,
    buf: &mut [u8],
    until_us: u64,
    mut answer: impl FnMut(Envelope) -> Option<T>,
) -> Option<T> {
    loop {
        // `biased`: tokio::select!'s random branch order would draw from an RNG we do not seed.
        let received = tokio::select! {
            biased;
            r = I::recv(socket, buf) => r.ok(),
            _ = I::sleep_until_us(until_us) => return None,
        };
        let Some(len) = received else { continue };
        match Envelope::decode(&buf[..len]) {
            Ok(envelope) => {
                if let Some(t) = answer(envelope) {
                    return Some(t);
                }
            }
            Err(_) => world.with(|w| w.stats.decode_errors += 1),
        }
    }
}

/// Receives until `until_us` the reply to request `id`, as every system answers a client:
/// `(RequestId, R)` inside an `Envelope::Reply`. Returns the answering host id and the reply.
pub async fn receive_reply<I: Io, R: DeserializeOwned>(
    world: &World,
    socket: &I::Socket,
    buf: &mut [u8],
    id: RequestId,
    until_us: u64,
) -> Option<(u64, R)> {
    receive_until::<I, _>(world, socket, buf, until_us, |e| match e {
        Envelope::Reply { node, bytes } => match wire::decode::<(RequestId, R)>(&bytes) {
            Ok((request, reply)) if request == id => Some((node, reply)),
            _ => None,
        },
        _ => None,
    })
    .await
}
