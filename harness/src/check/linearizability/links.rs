//! The doubly linked list of call and return entries that Lowe's search walks ("dancing
//! links"): linearizing an op lifts its entries out in O(1), backtracking puts them back.
use super::search::Item;

/// Index of a list node; node 0 is the head, node k+1 holds entry k.
pub(crate) type Node = u32;
const NIL: Node = Node::MAX;

/// Call and return entries in history order, linked so ops can be lifted and put back.
pub(crate) struct Links {
    /// Per node (entry k at node k+1): the op and whether this is its return entry.
    entry: Vec<(u32, bool)>,
    next: Vec<Node>,
    prev: Vec<Node>,
    call_node: Vec<Node>,
    /// `NIL` for optional ops (no return entry).
    ret_node: Vec<Node>,
}

/// What the list holds at a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum At {
    /// The call entry of this op: it may be linearized next.
    Call(usize),
    /// The return entry of this op: nothing later may go before it.
    Return(usize),
    /// Past the last entry.
    End,
}

impl Links {
    /// Build the list for `items` (positions must be distinct).
    pub(crate) fn new<O>(items: &[Item<'_, O>]) -> Self {
        let n = items.len();
        assert!(2 * n < NIL as usize - 1, "too many ops for one search: {n}");
        let mut sorted: Vec<(usize, bool, u32)> = Vec::with_capacity(2 * n);
        for (i, it) in items.iter().enumerate() {
            sorted.push((it.call, false, i as u32));
            if let Some(r) = it.ret {
                sorted.push((r, true, i as u32));
            }
        }
        sorted.sort_unstable();
        let m = sorted.len() as Node;
        let mut links = Links {
            entry: std::iter::once((0, false)).chain(sorted.iter().map(|&(_, r, op)| (op, r))).collect(),
            next: (1..=m + 1).map(|k| if k > m { NIL } else { k }).collect(),
            prev: (0..=m).map(|k| k.wrapping_sub(1)).collect(),
            call_node: vec![NIL; n],
            ret_node: vec![NIL; n],
        };
        links.prev[0] = NIL;
        for (k, &(_, is_ret, op)) in sorted.iter().enumerate() {
            let node = k as Node + 1;
            if is_ret {
                links.ret_node[op as usize] = node;
            } else {
                links.call_node[op as usize] = node;
            }
        }
        links
    }

    /// The first node still in the list.
    pub(crate) fn first(&self) -> Node {
        self.next[0]
    }

    /// The node after `node`.
    pub(crate) fn after(&self, node: Node) -> Node {
        self.next[node as usize]
    }

    /// The node after the call entry of `op` (where the search resumes after undoing `op`).
    pub(crate) fn after_call(&self, op: usize) -> Node {
        self.next[self.call_node[op] as usize]
    }

    /// What `node` holds.
    pub(crate) fn at(&self, node: Node) -> At {
        if node == NIL {
            return At::End;
        }
        match self.entry[node as usize] {
            (op, false) => At::Call(op as usize),
            (op, true) => At::Return(op as usize),
        }
    }

    /// Take `op`'s entries out of the list.
    pub(crate) fn lift(&mut self, op: usize) {
        self.unlink(self.call_node[op]);
        if self.ret_node[op] != NIL {
            self.unlink(self.ret_node[op]);
        }
    }

    /// Put `op`'s entries back; ops must be put back in reverse order of lifting.
    pub(crate) fn unlift(&mut self, op: usize) {
        if self.ret_node[op] != NIL {
            self.relink(self.ret_node[op]);
        }
        self.relink(self.call_node[op]);
    }

    fn unlink(&mut self, node: Node) {
        let (p, q) = (self.prev[node as usize], self.next[node as usize]);
        self.next[p as usize] = q;
        if q != NIL {
            self.prev[q as usize] = p;
        }
    }

    fn relink(&mut self, node: Node) {
        let (p, q) = (self.prev[node as usize], self.next[node as usize]);
        self.next[p as usize] = node;
        if q != NIL {
            self.prev[q as usize] = node;
        }
    }
}
