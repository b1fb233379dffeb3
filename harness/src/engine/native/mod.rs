//! The native engine: a discrete-event simulator that drives hosts and clients directly.
//! An event queue of timer wake-ups and datagram deliveries ordered by (time, sequence), a
//! single-threaded executor for the host and client futures, and a network with madsim's
//! fault semantics (cut links, loss, latency; crash and restart) whose randomness is one
//! ChaCha stream from the run seed. Time jumps to the next event; nothing runs between.
mod executor;
mod io;
mod net;
mod queue;
mod state;

pub use io::{now_us, NativeIo, NativeSocket};

use super::{Controller, NetControl, Program};
use executor::Tasks;
use state::Sim;
use std::sync::Arc;

/// The nemesis' handle on a native run.
struct Control<'t> {
    tasks: &'t mut Tasks,
}

impl NetControl for Control<'_> {
    fn cut(&mut self, pairs: &[(usize, usize)]) {
        state::with(|s| s.net.set_cut(pairs, true));
    }
    fn repair(&mut self, pairs: &[(usize, usize)]) {
        state::with(|s| s.net.set_cut(pairs, false));
    }
    fn crash(&mut self, node: usize) {
        if state::with(|s| node < s.hosts) == Some(true) {
            self.tasks.kill(node);
        }
    }
    fn restart(&mut self, node: usize) {
        if state::with(|s| node < s.hosts) == Some(true) {
            self.tasks.kill(node);
            self.tasks.spawn(node);
        }
    }
    fn set_loss(&mut self, rate: f64) {
        state::with(|s| s.net.set_loss(rate));
    }
    fn set_latency(&mut self, ms_min: u64, ms_max: u64) {
        state::with(|s| s.net.set_latency(ms_min, ms_max));
    }
}

/// Runs `program` natively until its end.
pub fn run(program: Arc<dyn Program>, controller: &mut dyn Controller) -> Result<(), String> {
    let (hosts, clients) = (program.hosts(), program.clients());
    let end_us = program.run_until_us();
    state::install(Sim::new(hosts, clients, net::Net::new(program.seed(), program.latency_ms())));
    program.set_addresses(
        (0..hosts).map(|i| state::address(i, hosts)).collect(),
        (hosts..hosts + clients).map(|c| state::address(c, hosts)).collect(),
    );
    let mut tasks = Tasks::new(program);
    for node in 0..hosts + clients {
        tasks.spawn(node);
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        drive(&mut tasks, controller, end_us);
    }));
    tasks.clear();
    state::uninstall();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    Ok(())
}

/// The event loop: poll what is ready, then run the nemesis' next action or the next event,
/// whichever is due first (the nemesis first at a tie, as between madsim's steps).
fn drive(tasks: &mut Tasks, controller: &mut dyn Controller, end_us: u64) {
    loop {
        tasks.run_ready();
        let event_us = state::with(|s| s.queue.next_us()).flatten();
        let action_us = controller.next_due_us().filter(|&t| t <= end_us);
        let event_us = event_us.filter(|&t| t <= end_us);
        let action_first = match (action_us, event_us) {
            (Some(a), Some(e)) => a <= e,
            (action, _) => action.is_some(),
        };
        if let (true, Some(a)) = (action_first, action_us) {
            let now = state::with(|s| {
                s.now_us = s.now_us.max(a);
                s.now_us
            });
            controller.apply_due(now.unwrap_or(a), &mut Control { tasks });
        } else if event_us.is_some() {
            state::with(|s| {
                if let Some((t, event)) = s.queue.pop() {
                    s.now_us = s.now_us.max(t);
                    s.fire(event);
                }
            });
        } else {
            break;
        }
    }
    let now = state::with(|s| {
        s.now_us = s.now_us.max(end_us);
        s.now_us
    });
    controller.finish(now.unwrap_or(end_us), &mut Control { tasks });
}
