//! "Did you mean" for section and option names: edit distance with adjacent transpositions.

/// Edit distance between `a` and `b` counting insertions, deletions, substitutions and swaps of
/// two adjacent characters (optimal string alignment).
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, row) in d.chunks_mut(width).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// The largest distance still worth suggesting for a name of this length.
fn threshold(name: &str) -> usize {
    (name.chars().count() / 3).max(1)
}

/// The candidate closest to `name` within the threshold; ties go to the first candidate.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = threshold(name);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let d = distance(name, candidate);
        if d <= limit && d > 0 && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("paralelism", "parallelism"), 1);
        assert_eq!(distance("schedluer", "scheduler"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn closest_respects_threshold() {
        let names = ["parallelism", "max_active_tasks_per_dag", "dags_folder"];
        assert_eq!(closest("paralelism", names), Some("parallelism"));
        assert_eq!(closest("xyz", names), None);
        assert_eq!(closest("parallelism", names), None);
    }
}
