//! Hands the sentences to synthesis workers so that every worker runs while the working
//! memory of the sentences in synthesis fits in the render's budget, longest first.

/// Hands sentences to synthesis workers, longest first or in the order given, holding back
/// any whose working memory would take the sentences in synthesis past the budget (unless
/// nothing else is in synthesis: a sentence too large for the budget runs alone).
///
/// A sentence's cost is the working memory its engine needs to speak it, estimated from its
/// text (`EngineType::working_memory`), so sentences alike in length all run at once when
/// they fit, and two very long ones wait for each other when together they would not.
pub(crate) struct Dispatch {
    state: std::sync::Mutex<DispatchState>,
    changed: std::sync::Condvar,
    /// Bytes of working memory the sentences in synthesis may need at once.
    budget: u64,
    /// Longest first, and a sentence may go before longer ones that do not fit yet.
    longest_first: bool,
}

struct DispatchState {
    /// Sentences not handed out yet, as (item, cost in bytes).
    waiting: std::collections::VecDeque<(usize, u64)>,
    in_flight: u64,
    /// Most working memory in synthesis at once so far.
    peak: u64,
    /// Most sentences in synthesis at once so far.
    most_at_once: usize,
    at_once: usize,
}

/// What the dispatch saw of a render's synthesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct DispatchPeak {
    /// Most estimated working memory in synthesis at once, in bytes.
    pub(crate) bytes: u64,
    /// Most sentences in synthesis at once.
    pub(crate) sentences: usize,
}

impl Dispatch {
    /// `cost(item)` is the working memory, in bytes, that synthesising `item` needs.
    pub(crate) fn new(
        items: &[usize],
        cost: impl Fn(usize) -> u64,
        budget: u64,
        longest_first: bool,
    ) -> Self {
        let mut waiting: Vec<(usize, u64)> = items.iter().map(|&i| (i, cost(i).max(1))).collect();
        if longest_first {
            waiting.sort_by_key(|&(_, cost)| std::cmp::Reverse(cost));
        }
        Self {
            budget: budget.max(1),
            state: std::sync::Mutex::new(DispatchState {
                waiting: waiting.into(),
                in_flight: 0,
                peak: 0,
                most_at_once: 0,
                at_once: 0,
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
                state.at_once += 1;
                state.peak = state.peak.max(state.in_flight);
                state.most_at_once = state.most_at_once.max(state.at_once);
                return Some(Ticket {
                    dispatch: self,
                    item,
                    cost,
                });
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The most working memory, and the most sentences, in synthesis at once so far.
    pub(crate) fn peak(&self) -> DispatchPeak {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        DispatchPeak {
            bytes: state.peak,
            sentences: state.most_at_once,
        }
    }

    fn done(&self, cost: u64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.in_flight -= cost;
        state.at_once -= 1;
        drop(state);
        self.changed.notify_all();
    }
}

/// A sentence handed to a worker by [`Dispatch::take`].
pub(crate) struct Ticket<'a> {
    dispatch: &'a Dispatch,
    pub(crate) item: usize,
    cost: u64,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.dispatch.done(self.cost);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};

    const MB: u64 = 1 << 20;

    /// Runs `workers` threads through the dispatch, each holding a sentence for a moment;
    /// returns the most cost and the most sentences in synthesis at once, and checks that
    /// every sentence was handed out once and the budget held whenever two ran together.
    fn run(costs: &[u64], budget: u64, workers: usize) -> (u64, usize) {
        let items: Vec<usize> = (0..costs.len()).collect();
        let dispatch = Dispatch::new(&items, |i| costs[i], budget, true);
        let stop = AtomicBool::new(false);
        let in_flight = AtomicU64::new(0);
        let at_once = AtomicUsize::new(0);
        let (peak, most) = (AtomicU64::new(0), AtomicUsize::new(0));
        let taken = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    while let Some(ticket) = dispatch.take(&stop) {
                        let cost = costs[ticket.item];
                        let now = in_flight.fetch_add(cost, SeqCst) + cost;
                        let n = at_once.fetch_add(1, SeqCst) + 1;
                        assert!(now <= budget || n == 1, "{now} in flight, {n} sentences");
                        peak.fetch_max(now, SeqCst);
                        most.fetch_max(n, SeqCst);
                        std::thread::sleep(std::time::Duration::from_micros(200));
                        in_flight.fetch_sub(cost, SeqCst);
                        at_once.fetch_sub(1, SeqCst);
                        taken.lock().unwrap().push(ticket.item);
                    }
                });
            }
        });
        let mut taken = taken.into_inner().unwrap();
        taken.sort_unstable();
        assert_eq!(taken, items, "every sentence once");
        // The workers free their share before their ticket does, so they never see more.
        assert!(peak.load(SeqCst) <= dispatch.peak().bytes);
        (peak.into_inner(), most.into_inner())
    }

    #[test]
    fn sentences_alike_in_length_run_on_every_worker() {
        // 60 English sentences of ~6 s with a Piper voice: ~110 MB each.
        let costs: Vec<u64> = (0..60).map(|i| (110 + i % 20) * MB).collect();
        let (peak, most) = run(&costs, 320 * MB, 2);
        assert_eq!(most, 2, "two workers, two sentences at once");
        assert!(peak <= 320 * MB);
        let (_, most) = run(&costs, 320 * MB, 3);
        assert_eq!(most, 2, "a third does not fit in 320 MB");
        let (_, most) = run(&costs, 1024 * MB, 4);
        assert_eq!(most, 4);
    }

    #[test]
    fn varied_lengths_pair_long_with_short() {
        let costs: Vec<u64> = (0..200).map(|i| (1 + (i * 37) % 300) * MB).collect();
        let (peak, most) = run(&costs, 320 * MB, 2);
        assert!(peak <= 320 * MB, "{peak}");
        assert_eq!(most, 2);
    }

    #[test]
    fn two_very_long_sentences_never_run_together_beyond_the_budget() {
        // Two 500-character sentences and a thousand short ones.
        let mut costs = vec![400 * MB, 380 * MB];
        costs.extend((0..1000).map(|i| (2 + i % 7) * MB));
        let (peak, most) = run(&costs, 500 * MB, 2);
        assert!(peak <= 500 * MB, "{peak}");
        assert_eq!(most, 2, "each long one beside short ones");
        // Alone, a sentence larger than the whole budget still runs.
        let (peak, _) = run(&costs, 300 * MB, 2);
        assert!(peak <= 400 * MB, "it ran alone: {peak}");
    }

    #[test]
    fn dispatch_pairs_the_longest_sentence_with_short_ones() {
        // Item i costs costs[i]; given shuffled, handed out longest first.
        let costs = [100, 90, 60, 50, 30, 20, 10, 5];
        let dispatch = Dispatch::new(&[5, 0, 7, 2, 4, 1, 6, 3], |i| costs[i], 130, true);
        let stop = AtomicBool::new(false);
        let item = |ticket: &Option<Ticket>| ticket.as_ref().map(|t| t.item);
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
        assert_eq!(
            dispatch.peak(),
            DispatchPeak {
                bytes: 130,
                sentences: 2
            }
        );
        stop.store(true, SeqCst);
        assert!(
            dispatch.take(&stop).is_none(),
            "a failed render stops handing out"
        );
    }

    #[test]
    fn dispatch_in_episode_order_waits_instead_of_skipping_ahead() {
        let costs = [100, 90, 10];
        let dispatch = Dispatch::new(&[0, 1, 2], |i| costs[i], 130, false);
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
        let costs = [100, 90];
        let dispatch = Dispatch::new(&[0, 1], |i| costs[i], 130, true);
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
}
