//! Ordered byte messages between the ranks of a group: the one thing the
//! slab operators need from MPI, so that they also run on one process alone
//! and on threads standing in for ranks.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Messages between ranks; between any two ranks they arrive in the order
/// they were sent. A send may wait until its receive is posted (as MPI's
/// standard mode may), so callers order them so that no cycle of ranks
/// waits on itself.
pub trait Link {
    fn rank(&self) -> usize;
    fn size(&self) -> usize;
    /// Send `data` to rank `to`.
    fn send(&self, to: usize, data: &[u8]);
    /// The next message from rank `from`, which is `buf.len()` bytes long.
    fn recv(&self, from: usize, buf: &mut [u8]);
}

/// One process alone: it has no other rank to talk to.
pub struct Lone;

impl Link for Lone {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn send(&self, to: usize, _: &[u8]) {
        unreachable!("a lone process has no rank {to} to send to")
    }
    fn recv(&self, from: usize, _: &mut [u8]) {
        unreachable!("a lone process has no rank {from} to receive from")
    }
}

/// Threads of one process standing in for ranks: [`Team::new`] gives one
/// member per rank, each to be moved into its own thread. Every send waits
/// until its receive takes it (MPI's synchronous mode, the strictest a
/// standard send may be), so an order of messages that could deadlock
/// under MPI deadlocks here too.
pub struct Team {
    rank: usize,
    /// Channel to each rank, by destination.
    to: Vec<SyncSender<Vec<u8>>>,
    /// Channel from each rank, by source.
    from: Vec<Receiver<Vec<u8>>>,
}

impl Team {
    /// `size` members, member `r` being rank `r`.
    pub fn new(size: usize) -> Vec<Team> {
        let mut to: Vec<Vec<SyncSender<Vec<u8>>>> = (0..size).map(|_| Vec::new()).collect();
        let mut from: Vec<Vec<Receiver<Vec<u8>>>> = (0..size).map(|_| Vec::new()).collect();
        for sender in to.iter_mut() {
            for receiver in from.iter_mut() {
                let (tx, rx) = sync_channel(0);
                sender.push(tx);
                receiver.push(rx);
            }
        }
        to.into_iter().zip(from).enumerate().map(|(rank, (to, from))| Team { rank, to, from }).collect()
    }

    /// Run `f` on every member, each in its own thread; the results in rank
    /// order.
    pub fn run<T: Send>(size: usize, f: impl Fn(&Team) -> T + Sync) -> Vec<T> {
        let f = &f;
        std::thread::scope(|s| {
            let handles: Vec<_> = Team::new(size).into_iter().map(|m| s.spawn(move || f(&m))).collect();
            handles.into_iter().map(|h| h.join().expect("a rank's thread panicked")).collect()
        })
    }
}

impl Link for Team {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.to.len()
    }
    fn send(&self, to: usize, data: &[u8]) {
        self.to[to].send(data.to_vec()).expect("the receiving rank's thread is alive");
    }
    fn recv(&self, from: usize, buf: &mut [u8]) {
        let message = self.from[from].recv().expect("the sending rank's thread is alive");
        assert_eq!(message.len(), buf.len(), "message from rank {from} of unexpected length");
        buf.copy_from_slice(&message);
    }
}
