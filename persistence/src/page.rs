/// One page of a keyset-paginated list: `next_cursor` is the last item's key when more follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says that more follow.
    pub fn from_overfetch(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> String) -> Self {
        let limit = usize::try_from(limit).unwrap_or(0);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more { rows.last().map(key) } else { None };
        Page {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }

    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: collect_sized(self.items.into_iter().map(f))?,
            next_cursor: self.next_cursor,
        })
    }
}

/// Collects results into a vector sized for as many as the iterator says it holds.
/// Collecting into `Result<Vec<_>, _>` hides that count, so a page of fifty grew its vector
/// five times, each time copying what it held.
pub(crate) fn collect_sized<T, E>(
    results: impl Iterator<Item = Result<T, E>>,
) -> Result<Vec<T>, E> {
    let mut items = Vec::with_capacity(results.size_hint().0);
    for result in results {
        items.push(result?);
    }
    Ok(items)
}
