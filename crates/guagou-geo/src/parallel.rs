//! Work on every core with the results in input order: validating a county layer's 10⁶
//! records, intersecting a project's parcels with the features under them.

/// `f` applied to every item, on up to `available_parallelism` scoped threads when there are
/// at least `min_parallel` items (below that a thread costs more than it saves), in order.
///
/// The items are split into one contiguous run per thread. A panic in a worker is resumed on
/// the caller's thread: a bug must surface, never turn into missing results.
pub fn map_in_order<T, R, F>(items: Vec<T>, min_parallel: usize, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    if workers < 2 || items.len() < min_parallel.max(2) {
        return items.into_iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(workers);
    let mut runs: Vec<Vec<T>> = Vec::with_capacity(workers);
    let mut rest = items.into_iter();
    loop {
        let run: Vec<T> = rest.by_ref().take(chunk).collect();
        if run.is_empty() {
            break;
        }
        runs.push(run);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .into_iter()
            .map(|run| scope.spawn(move || run.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(part) => part,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_kept_on_both_paths() {
        let small: Vec<u32> = (0..10).collect();
        assert_eq!(
            map_in_order(small, 100, |x| x * 2),
            (0..10).map(|x| x * 2).collect::<Vec<_>>()
        );
        let large: Vec<u32> = (0..10_001).collect();
        assert_eq!(
            map_in_order(large, 100, |x| x + 1),
            (1..10_002).collect::<Vec<_>>()
        );
    }

    #[test]
    #[should_panic(expected = "worker failed")]
    fn a_panicking_worker_panics_the_caller() {
        let items: Vec<u32> = (0..1_000).collect();
        let _ = map_in_order(items, 10, |x| {
            if x == 999 {
                panic!("worker failed");
            }
            x
        });
    }
}
