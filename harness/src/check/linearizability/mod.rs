//! Linearizability checker (Wing–Gong–Lowe search); being built in the following commits.
