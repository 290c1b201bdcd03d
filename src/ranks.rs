//! The processes the arms of a comparison or sweep are spread over: this
//! one alone ([`Alone`]), or, with the `mpi` feature and under `mpirun`,
//! every MPI rank (`Mpi`). Rank 0 owns the output folder and writes the
//! comparison; the others run their arms into it (a file system every rank
//! sees) and hand their results to rank 0 as text.

/// A group of processes that run arms together.
pub trait Ranks {
    fn rank(&self) -> usize;
    fn size(&self) -> usize;
    /// Rank 0's `text`, on every rank (what the others pass is ignored).
    fn broadcast(&self, text: String) -> String;
    /// Every rank's `text` in rank order, at rank 0; empty elsewhere.
    fn gather(&self, text: String) -> Vec<String>;
}

/// This process alone.
pub struct Alone;

impl Ranks for Alone {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn broadcast(&self, text: String) -> String {
        text
    }
    fn gather(&self, text: String) -> Vec<String> {
        vec![text]
    }
}

/// The MPI ranks this process belongs to (`MPI_COMM_WORLD`); MPI ends when
/// it is dropped.
#[cfg(feature = "mpi")]
pub struct Mpi {
    world: mpi::topology::SimpleCommunicator,
    _universe: mpi::environment::Universe,
}

#[cfg(feature = "mpi")]
impl Mpi {
    /// Start MPI (`None` if it was started already).
    pub fn init() -> Option<Mpi> {
        let universe = mpi::initialize()?;
        Some(Mpi { world: universe.world(), _universe: universe })
    }

    /// End every rank at once with exit code `code` (`MPI_Abort`): what a
    /// rank does when it fails while the others may be waiting on it.
    pub fn abort(&self, code: i32) -> ! {
        use mpi::traits::Communicator as _;
        self.world.abort(code)
    }
}

#[cfg(feature = "mpi")]
impl Ranks for Mpi {
    fn rank(&self) -> usize {
        use mpi::traits::Communicator as _;
        self.world.rank() as usize
    }
    fn size(&self) -> usize {
        use mpi::traits::Communicator as _;
        self.world.size() as usize
    }
    fn broadcast(&self, text: String) -> String {
        use mpi::traits::{Communicator as _, Root as _};
        let root = self.world.process_at_rank(0);
        let mut len = [text.len() as u64];
        root.broadcast_into(&mut len[..]);
        if len[0] == 0 {
            // MPI refuses an empty buffer.
            return String::new();
        }
        let mut bytes = if self.rank() == 0 { text.into_bytes() } else { vec![0u8; len[0] as usize] };
        root.broadcast_into(&mut bytes[..]);
        String::from_utf8_lossy(&bytes).into_owned()
    }
    fn gather(&self, text: String) -> Vec<String> {
        use mpi::traits::{Communicator as _, Destination as _, Source as _};
        if self.rank() != 0 {
            self.world.process_at_rank(0).send(text.as_bytes());
            return Vec::new();
        }
        let mut out = vec![text];
        for r in 1..self.size() {
            let (bytes, _) = self.world.process_at_rank(r as i32).receive_vec::<u8>();
            out.push(String::from_utf8_lossy(&bytes).into_owned());
        }
        out
    }
}

/// Point-to-point messages between MPI ranks, for the slab operators.
#[cfg(feature = "mpi")]
impl crate::slabs::Link for Mpi {
    fn rank(&self) -> usize {
        Ranks::rank(self)
    }
    fn size(&self) -> usize {
        Ranks::size(self)
    }
    fn send(&self, to: usize, data: &[u8]) {
        use mpi::traits::{Communicator as _, Destination as _};
        self.world.process_at_rank(to as i32).send(data);
    }
    fn recv(&self, from: usize, buf: &mut [u8]) {
        use mpi::traits::{Communicator as _, Source as _};
        let status = self.world.process_at_rank(from as i32).receive_into(buf);
        use mpi::traits::Equivalence as _;
        let got = status.count(u8::equivalent_datatype());
        assert_eq!(got as usize, buf.len(), "message from rank {from} of unexpected length");
    }
}
