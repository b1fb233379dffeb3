//! How hosts and clients are named in histories, fault windows and reports.

/// The name of server host `i` (0-based): "n1", "n2", …
pub fn node_name(i: usize) -> String {
    format!("n{}", i + 1)
}

/// The name of client `i` (0-based): "c1", "c2", …
pub fn client_name(i: usize) -> String {
    format!("c{}", i + 1)
}
