//! Independent work split over the machine's cores, with results in input order, so that output
//! stays deterministic. Small inputs stay on the calling thread.

/// Up to this many threads: the machines platc runs on (CI runners, laptops) have few cores.
const MAX_WORKERS: usize = 4;

/// `f` applied to consecutive chunks of `items`, results concatenated in order. Below `min`
/// items, or on one core, it runs on the calling thread. A panic in a worker is raised again
/// here.
pub fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    min: usize,
    f: impl Fn(&[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_WORKERS));
    if workers <= 1 || items.len() < min.max(2) {
        return f(items);
    }
    let chunk = items.len().div_ceil(workers);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || f(part)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::map_chunks;

    #[test]
    fn results_keep_the_input_order() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = map_chunks(&items, 1, |part| part.iter().map(|n| n * 2).collect());
        assert_eq!(doubled, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert_eq!(
            map_chunks(&[] as &[u32], 1, |p| p.to_vec()),
            Vec::<u32>::new()
        );
    }
}
