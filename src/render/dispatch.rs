//! Hands the sentences to synthesis workers so that the longest runs beside short ones,
//! keeping the text in synthesis at once (and so the sessions' memory) within a budget.

/// Hands sentences to synthesis workers, longest first or in the order given, holding back
/// any that would take the text in synthesis at once past a budget (unless nothing else is
/// in synthesis).
///
/// A session's working memory grows with the sentence: ~110 MB for a 6 s English sentence
/// with a Piper medium voice. Two workers on the two longest sentences needed twice that;
/// with the budget, the longest runs beside short ones, and the workers stay busy as long as
/// there are short sentences to pair with it.
pub(crate) struct Dispatch {
    state: std::sync::Mutex<DispatchState>,
    changed: std::sync::Condvar,
    /// Characters of text in synthesis at once (a proxy for audio length, and so memory).
    budget: usize,
    /// Longest first, and a sentence may go before longer ones that do not fit yet.
    longest_first: bool,
}

struct DispatchState {
    /// Sentences not handed out yet, as (item, cost).
    waiting: std::collections::VecDeque<(usize, usize)>,
    in_flight: usize,
}

/// The budget, as a multiple of the longest sentence's cost. Measured on the 67-sentence
/// English benchmark with two workers sharing one arena: 1.0 left a worker idle a quarter
/// of the time; 1.3 cost nothing in speed and, with the arena as configured, peaked at
/// 285-290 MB against 351-394 MB with no budget; 1.5 peaked 5-20 MB above 1.3.
const DISPATCH_BUDGET: f64 = 1.3;

impl Dispatch {
    pub(crate) fn new(items: &[usize], cost: impl Fn(usize) -> usize, longest_first: bool) -> Self {
        let mut waiting: Vec<(usize, usize)> = items.iter().map(|&i| (i, cost(i).max(1))).collect();
        if longest_first {
            waiting.sort_by_key(|&(_, cost)| std::cmp::Reverse(cost));
        }
        let longest = waiting.iter().map(|&(_, c)| c).max().unwrap_or(1);
        Self {
            budget: (longest as f64 * DISPATCH_BUDGET).ceil() as usize,
            state: std::sync::Mutex::new(DispatchState {
                waiting: waiting.into(),
                in_flight: 0,
            }),
            changed: std::sync::Condvar::new(),
            longest_first,
        }
    }

    /// The next sentence for a worker, waiting while none fits; `None` when all are handed
    /// out or `stop` is set. Dropping the ticket (done, failed or panicked) frees its budget.
    pub(crate) fn take(&self, stop: &std::sync::atomic::AtomicBool) -> Option<Ticket<'_>> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if stop.load(std::sync::atomic::Ordering::Relaxed) || state.waiting.is_empty() {
                return None;
            }
            let room = self.budget.saturating_sub(state.in_flight);
            let fits = if state.in_flight == 0 {
                Some(0)
            } else if self.longest_first {
                state.waiting.iter().position(|&(_, cost)| cost <= room)
            } else {
                state
                    .waiting
                    .front()
                    .and_then(|&(_, cost)| (cost <= room).then_some(0))
            };
            if let Some((item, cost)) = fits.and_then(|at| state.waiting.remove(at)) {
                state.in_flight += cost;
                return Some(Ticket {
                    dispatch: self,
                    item,
                    cost,
                });
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn done(&self, cost: usize) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.in_flight -= cost;
        drop(state);
        self.changed.notify_all();
    }
}

/// A sentence handed to a worker by [`Dispatch::take`].
pub(crate) struct Ticket<'a> {
    dispatch: &'a Dispatch,
    pub(crate) item: usize,
    cost: usize,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.dispatch.done(self.cost);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatch_pairs_the_longest_sentence_with_short_ones() {
        use std::sync::atomic::AtomicBool;
        // Item i costs costs[i]; given shuffled, handed out longest first.
        let costs = [100, 90, 60, 50, 30, 20, 10, 5];
        let dispatch = Dispatch::new(&[5, 0, 7, 2, 4, 1, 6, 3], |i| costs[i], true);
        let stop = AtomicBool::new(false);
        let item = |ticket: &Option<Ticket>| ticket.as_ref().map(|t| t.item);
        assert_eq!(dispatch.budget, 130);
        let longest = dispatch.take(&stop);
        assert_eq!(item(&longest), Some(0), "the longest first");
        // 90, 60 and 50 do not fit beside 100 within 130: the longest that does is 30.
        let short = dispatch.take(&stop);
        assert_eq!(item(&short), Some(4));
        drop(short);
        let short = dispatch.take(&stop);
        assert_eq!(item(&short), Some(5));
        drop((longest, short));
        // With nothing in synthesis, whatever is next goes, whatever it costs.
        let long = dispatch.take(&stop);
        assert_eq!(item(&long), Some(1));
        let short = dispatch.take(&stop);
        assert_eq!(item(&short), Some(6), "90 + 60 > 130; 90 + 10 fits");
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(
            dispatch.take(&stop).is_none(),
            "a failed render stops handing out"
        );
    }

    #[test]
    fn dispatch_in_episode_order_waits_instead_of_skipping_ahead() {
        use std::sync::atomic::AtomicBool;
        let costs = [100, 90, 10];
        let dispatch = Dispatch::new(&[0, 1, 2], |i| costs[i], false);
        let stop = AtomicBool::new(false);
        let first = dispatch.take(&stop).unwrap();
        assert_eq!(first.item, 0);
        let second = std::thread::scope(|scope| {
            let second = scope.spawn(|| dispatch.take(&stop).map(|t| t.item));
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!second.is_finished(), "90 does not fit beside 100");
            drop(first);
            second.join().unwrap()
        });
        // Item 1 went to the other thread, whose ticket ended with it.
        assert_eq!(second, Some(1));
        let third = dispatch.take(&stop).unwrap();
        assert_eq!(third.item, 2);
        drop(third);
        assert!(dispatch.take(&stop).is_none(), "all handed out");
    }

    #[test]
    fn a_panicking_worker_frees_its_budget() {
        use std::sync::atomic::AtomicBool;
        let costs = [100, 90];
        let dispatch = Dispatch::new(&[0, 1], |i| costs[i], true);
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let worker = scope.spawn(|| {
                let _ticket = dispatch.take(&stop);
                panic!("a worker fails badly");
            });
            assert!(worker.join().is_err());
        });
        assert_eq!(dispatch.take(&stop).map(|t| t.item), Some(1), "no wait");
    }

    #[test]
    fn dispatch_hands_every_sentence_out_once_to_many_workers() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
        let costs: Vec<usize> = (0..200).map(|i| 1 + (i * 37) % 120).collect();
        let items: Vec<usize> = (0..costs.len()).collect();
        let dispatch = Dispatch::new(&items, |i| costs[i], true);
        let stop = AtomicBool::new(false);
        let in_flight = AtomicUsize::new(0);
        let taken = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    while let Some(ticket) = dispatch.take(&stop) {
                        let cost = costs[ticket.item];
                        let now = in_flight.fetch_add(cost, SeqCst) + cost;
                        assert!(now <= dispatch.budget || now == cost, "{now} in flight");
                        std::thread::yield_now();
                        in_flight.fetch_sub(cost, SeqCst);
                        taken.lock().unwrap().push(ticket.item);
                    }
                });
            }
        });
        let mut taken = taken.into_inner().unwrap();
        taken.sort_unstable();
        assert_eq!(taken, (0..costs.len()).collect::<Vec<_>>());
    }
}
