//! Delta debugging (Zeller's ddmin) over a list, asking a batch oracle: given candidate
//! sublists in order, which is the first that still fails? Batches let the caller run the
//! candidates in parallel while the choice stays the first in order.

/// The smallest sublist of `items` the oracle accepts that ddmin finds (1-minimal when no
/// budget ran out). `first_failing` returns the index of the first failing candidate, or
/// None when none fails (or the budget is gone).
pub fn ddmin<T: Clone>(items: Vec<T>, first_failing: &mut dyn FnMut(&[Vec<T>]) -> Option<usize>) -> Vec<T> {
    let mut items = items;
    if items.is_empty() {
        return items;
    }
    if first_failing(&[Vec::new()]).is_some() {
        return Vec::new();
    }
    let mut granularity = 2usize;
    while items.len() >= 2 {
        let chunks = split(&items, granularity);
        let mut candidates: Vec<Vec<T>> = chunks.clone();
        // With two chunks each complement is the other chunk: nothing new to try.
        if granularity > 2 {
            candidates.extend((0..chunks.len()).map(|i| complement(&chunks, i)));
        }
        match first_failing(&candidates) {
            Some(i) if i < chunks.len() => {
                items = chunks[i].clone();
                granularity = 2;
            }
            Some(i) => {
                items = candidates[i].clone();
                granularity = granularity.saturating_sub(1).max(2);
            }
            None if granularity >= items.len() => break,
            None => granularity = (granularity * 2).min(items.len()),
        }
    }
    items
}

fn split<T: Clone>(items: &[T], parts: usize) -> Vec<Vec<T>> {
    let parts = parts.clamp(1, items.len().max(1));
    let mut chunks = Vec::with_capacity(parts);
    let mut start = 0;
    for i in 0..parts {
        let end = start + (items.len() - start) / (parts - i);
        chunks.push(items[start..end].to_vec());
        start = end;
    }
    chunks
}

fn complement<T: Clone>(chunks: &[Vec<T>], skip: usize) -> Vec<T> {
    chunks.iter().enumerate().filter(|(i, _)| *i != skip).flat_map(|(_, c)| c.iter().cloned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An oracle that fails when the list holds every one of `needed`.
    fn run(items: Vec<u32>, needed: &[u32]) -> (Vec<u32>, usize) {
        let mut asked = 0;
        let mut oracle = |cands: &[Vec<u32>]| {
            asked += cands.len();
            cands.iter().position(|c| needed.iter().all(|n| c.contains(n)))
        };
        (ddmin(items, &mut oracle), asked)
    }

    #[test]
    fn finds_the_one_fault_that_matters() {
        assert_eq!(run((0..16).collect(), &[11]).0, vec![11]);
    }

    #[test]
    fn finds_a_pair_far_apart() {
        assert_eq!(run((0..12).collect(), &[1, 10]).0, vec![1, 10]);
    }

    #[test]
    fn an_empty_list_that_still_fails_wins_at_once() {
        assert_eq!(run((0..8).collect(), &[]), (vec![], 1));
    }

    #[test]
    fn keeps_everything_when_everything_is_needed() {
        assert_eq!(run(vec![3, 4, 5], &[3, 4, 5]).0, vec![3, 4, 5]);
    }

    #[test]
    fn splits_cover_the_list_in_order() {
        assert_eq!(split(&[1, 2, 3, 4, 5], 2), vec![vec![1, 2], vec![3, 4, 5]]);
        assert_eq!(complement(&split(&[1, 2, 3, 4, 5], 3), 1), vec![1, 4, 5]);
    }
}
