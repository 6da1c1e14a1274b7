//! Answers to queries, kept while nothing they could depend on has changed.
//!
//! A query's answer depends on its text, its variables, the caller (roles, missions, identity),
//! the read models' position and the clock (what "today" and "now" are). An answer is kept with
//! the position it was computed at, and given again to the same question from the same caller
//! while the read models are still at that position and for at most `ttl` of the clock (so "now"
//! in an answer is never older than that). Read-your-writes holds: a command returns once the read
//! models have reached its events, so any question asked after it is at a later position.
//!
//! Many clients asking the same question at once (a mission's board on every screen) share one
//! computation. Only queries are kept; mutations and answers with errors never are. A request
//! with `Cache-Control: no-cache` is always computed.

use std::future::Future;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use cla_platform::cache::Kept;
use tokio::sync::OnceCell;

/// How an answer's operation is named: its label in the metrics, and its name in the log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OperationNames {
    pub label: String,
    pub logged: String,
}

/// A kept answer: the response body and when it was computed.
struct Answer {
    body: Bytes,
    at: DateTime<Utc>,
    /// The operation's names, for the metrics and the log of a request given it again.
    named: OperationNames,
}

struct Slot {
    position: u64,
    answer: Arc<OnceCell<Answer>>,
}

/// How an answer was come by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Given again (or computed once for several callers asking at once).
    Kept,
    /// Computed for this request.
    Computed,
}

/// Kept answers by question. When full, answers at another position than the current one go
/// first (they are never given again), then the least recently used of those no caller is
/// waiting on (an answer being worked out stays, so that the callers asking meanwhile share it).
pub struct AnswerCache {
    ttl: Duration,
    slots: Mutex<Kept<String, Slot>>,
}

impl AnswerCache {
    pub fn new(ttl: std::time::Duration, max_entries: usize) -> Self {
        Self {
            ttl: Duration::from_std(ttl).unwrap_or(Duration::zero()),
            slots: Mutex::new(
                Kept::new(max_entries).in_use_when(|slot| Arc::strong_count(&slot.answer) > 1),
            ),
        }
    }

    pub fn enabled(&self) -> bool {
        self.ttl > Duration::zero()
    }

    /// The kept answer to `key` at `position`, if there is one, with its operation's names.
    pub fn kept(
        &self,
        key: &str,
        position: u64,
        now: DateTime<Utc>,
    ) -> Option<(Bytes, OperationNames)> {
        let mut slots = self.slots.lock().expect("answer cache lock");
        let slot = slots.get(key).filter(|s| s.position == position)?;
        let answer = slot.answer.get().filter(|a| self.fresh(a, now))?;
        Some((answer.body.clone(), answer.named.clone()))
    }

    fn fresh(&self, answer: &Answer, now: DateTime<Utc>) -> bool {
        now >= answer.at && now - answer.at < self.ttl
    }

    /// The answer to `key` at `position`: kept, or computed by `compute` (which gives the body
    /// to keep, or a response that must not be kept).
    pub async fn answer<E, F, Fut>(
        &self,
        key: String,
        position: u64,
        now: DateTime<Utc>,
        named: OperationNames,
        compute: F,
    ) -> Result<(Bytes, Outcome), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Bytes, E>>,
    {
        let cell = {
            let mut slots = self.slots.lock().expect("answer cache lock");
            let usable = slots.get(&key).filter(|slot| {
                slot.position == position && slot.answer.get().is_none_or(|a| self.fresh(a, now))
            });
            match usable {
                Some(slot) => Arc::clone(&slot.answer),
                None => {
                    if slots.is_full() {
                        slots.retain(|_, s| s.position == position);
                    }
                    let cell = Arc::new(OnceCell::new());
                    slots.insert(
                        key,
                        Slot {
                            position,
                            answer: Arc::clone(&cell),
                        },
                    );
                    cell
                }
            }
        };
        let mut computed = false;
        let answer = cell
            .get_or_try_init(|| async {
                computed = true;
                compute().await.map(|body| Answer {
                    body,
                    at: now,
                    named,
                })
            })
            .await?;
        let outcome = if computed {
            Outcome::Computed
        } else {
            Outcome::Kept
        };
        Ok((answer.body.clone(), outcome))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn at(second: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + second, 0).unwrap()
    }

    #[tokio::test]
    async fn kept_while_the_position_and_the_clock_allow_and_computed_once_for_many() {
        let cache = AnswerCache::new(std::time::Duration::from_secs(1), 16);
        let runs = AtomicUsize::new(0);
        let compute = |body: &'static str| {
            let runs = &runs;
            move || async move {
                runs.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>(Bytes::from_static(body.as_bytes()))
            }
        };
        let first = cache
            .answer(
                "q".into(),
                5,
                at(0),
                OperationNames::default(),
                compute("a"),
            )
            .await
            .unwrap();
        assert_eq!(first, (Bytes::from_static(b"a"), Outcome::Computed));
        let again = cache
            .answer(
                "q".into(),
                5,
                at(0),
                OperationNames::default(),
                compute("b"),
            )
            .await
            .unwrap();
        assert_eq!(again, (Bytes::from_static(b"a"), Outcome::Kept));
        // Another question, a later position, a clock moved on: computed.
        let other = cache
            .answer(
                "r".into(),
                5,
                at(0),
                OperationNames::default(),
                compute("c"),
            )
            .await
            .unwrap();
        assert_eq!(other.1, Outcome::Computed);
        let moved = cache
            .answer(
                "q".into(),
                6,
                at(0),
                OperationNames::default(),
                compute("d"),
            )
            .await
            .unwrap();
        assert_eq!(moved, (Bytes::from_static(b"d"), Outcome::Computed));
        let later = cache
            .answer(
                "q".into(),
                6,
                at(1),
                OperationNames::default(),
                compute("e"),
            )
            .await
            .unwrap();
        assert_eq!(later, (Bytes::from_static(b"e"), Outcome::Computed));
        assert_eq!(runs.load(Ordering::SeqCst), 4);

        // An answer that must not be kept is not.
        let refused = cache
            .answer("s".into(), 6, at(1), OperationNames::default(), || async {
                Err::<Bytes, _>("refused")
            })
            .await;
        assert_eq!(refused, Err("refused"));
        let after = cache
            .answer(
                "s".into(),
                6,
                at(1),
                OperationNames::default(),
                compute("f"),
            )
            .await
            .unwrap();
        assert_eq!(after.1, Outcome::Computed);

        // Many at once: one computation.
        let cache = Arc::new(AnswerCache::new(std::time::Duration::from_secs(1), 16));
        let runs = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = tokio::sync::watch::channel(false);
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (cache, runs, mut rx) = (cache.clone(), runs.clone(), rx.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .answer(
                        "board".into(),
                        9,
                        at(0),
                        OperationNames::default(),
                        || async move {
                            runs.fetch_add(1, Ordering::SeqCst);
                            let _ = rx.wait_for(|go| *go).await;
                            Ok::<_, ()>(Bytes::from_static(b"board"))
                        },
                    )
                    .await
                    .unwrap()
            }));
        }
        tokio::task::yield_now().await;
        tx.send_replace(true);
        let mut kept = 0;
        for t in tasks {
            let (body, outcome) = t.await.unwrap();
            assert_eq!(body, Bytes::from_static(b"board"));
            kept += usize::from(outcome == Outcome::Kept);
        }
        drop(rx);
        assert_eq!(runs.load(Ordering::SeqCst), 1, "computed once");
        assert_eq!(kept, 7);
    }

    #[tokio::test]
    async fn a_full_cache_keeps_only_answers_at_the_current_position() {
        let cache = AnswerCache::new(std::time::Duration::from_secs(1), 2);
        let ok = || async { Ok::<_, ()>(Bytes::from_static(b"x")) };
        cache
            .answer("a".into(), 1, at(0), OperationNames::default(), ok)
            .await
            .unwrap();
        cache
            .answer("b".into(), 2, at(0), OperationNames::default(), ok)
            .await
            .unwrap();
        cache
            .answer("c".into(), 2, at(0), OperationNames::default(), ok)
            .await
            .unwrap();
        let slots = cache.slots.lock().unwrap();
        assert!(slots.contains_key("b") && slots.contains_key("c"));
        assert!(!slots.contains_key("a"));
    }
}
