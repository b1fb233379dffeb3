//! The simulated world around each node: its clock and its disk, which outlive crashes.
