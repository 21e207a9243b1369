//! The log of several instances, merged: the backlog ordered by time
//! across instances, then live lines as they come. Each instance's stream
//! is read with timestamps; the merge takes the oldest head line of the
//! streams (a k-way merge: equal stamps keep the streams' order, each
//! stream keeps its own order), so it holds only a bounded number of lines
//! per stream ([`HELD_PER_STREAM`]: a stream with that many waiting is not
//! read until they are out) whatever the size of the backlog.
//!
//! When the streams end (a log read once) the merge is exact: it waits for
//! each stream's next line or end. When they are followed, a stream is
//! *caught up* (its backlog is out, what comes next is live) when it sends
//! a line stamped after the follow began, or when it has been quiet for
//! [`QUIET`] ([`FIRST_QUIET`] before its first line: the backlog comes in
//! batches, see `backend::log_batch`); once every stream is caught up the
//! lines are handed out in arrival order. A host slower than that shows
//! its backlog late, after the others', as before this merge.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{Stream, StreamExt};
use tokio::time::Instant;

use crate::model::{LogItem, LogLine};

/// Lines held per stream while the merge waits for another stream.
pub const HELD_PER_STREAM: usize = 2048;

/// A followed stream quiet this long after its last line is caught up.
pub const QUIET: Duration = Duration::from_millis(400);

/// A followed stream that sent nothing this long after it was opened is
/// caught up (an empty log).
pub const FIRST_QUIET: Duration = Duration::from_millis(1000);

/// A timestamp as nanoseconds since the epoch, for ordering.
pub fn stamp_key(ts: &str) -> Option<i128> {
    chrono::DateTime::parse_from_rfc3339(ts)
        .ok()
        .map(|t| i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Its backlog is being read: the merge waits for its lines.
    Reading,
    /// What it sends now is live: the merge no longer waits for it.
    CaughtUp,
    /// It ended; its end not handed out yet (lines of it still held).
    Ended,
    /// Its end was handed out.
    Announced,
}

/// The merge's state, without I/O: lines go in per stream, items come out
/// in order.
#[derive(Debug)]
pub struct Merger {
    names: Vec<Arc<str>>,
    held: Vec<VecDeque<(i128, LogLine)>>,
    /// The key of each stream's last line: a line without a readable
    /// timestamp goes with the line before it.
    last: Vec<i128>,
    phase: Vec<Phase>,
    /// Every stream caught up and its backlog out: arrival order.
    live: bool,
    /// Ready to hand out: errors, and every item once live.
    out: VecDeque<LogItem>,
}

impl Merger {
    pub fn new(names: Vec<Arc<str>>) -> Merger {
        let n = names.len();
        Merger {
            names,
            held: (0..n).map(|_| VecDeque::new()).collect(),
            last: vec![i128::MIN; n],
            phase: vec![Phase::Reading; n],
            live: false,
            out: VecDeque::new(),
        }
    }

    /// A line of stream `i`; its key (for the caller's catch-up test).
    pub fn line(&mut self, i: usize, line: LogLine) -> i128 {
        let key = stamp_key(&line.timestamp).unwrap_or(self.last[i]);
        self.last[i] = key;
        if self.live {
            self.out.push_back(LogItem::Line(line));
        } else {
            self.held[i].push_back((key, line));
        }
        key
    }

    /// A stream broke: said at once, in its place.
    pub fn lost(&mut self, why: String) {
        self.out.push_back(LogItem::Lost(why));
    }

    /// Stream `i` ended.
    pub fn ended(&mut self, i: usize) {
        if self.live {
            self.phase[i] = Phase::Announced;
            self.out.push_back(LogItem::Ended(self.names[i].clone()));
        } else {
            self.phase[i] = Phase::Ended;
        }
    }

    /// Stream `i`'s backlog is out: the merge no longer waits for it.
    pub fn caught_up(&mut self, i: usize) {
        if self.phase[i] == Phase::Reading {
            self.phase[i] = Phase::CaughtUp;
        }
    }

    /// Whether to read more of stream `i` now (bounded holding).
    pub fn wants(&self, i: usize) -> bool {
        let held = if self.live {
            self.out.len()
        } else {
            self.held[i].len()
        };
        held < HELD_PER_STREAM && matches!(self.phase[i], Phase::Reading | Phase::CaughtUp)
    }

    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The streams the merge waits for: still reading their backlog,
    /// nothing of them held.
    pub fn waiting_on(&self) -> Vec<usize> {
        if self.live {
            return Vec::new();
        }
        (0..self.names.len())
            .filter(|i| self.phase[*i] == Phase::Reading && self.held[*i].is_empty())
            .collect()
    }

    /// Every stream ended and everything handed out.
    pub fn done(&self) -> bool {
        self.out.is_empty() && self.phase.iter().all(|p| *p == Phase::Announced)
    }

    /// The next item that can be handed out now.
    pub fn next_item(&mut self) -> Option<LogItem> {
        if let Some(item) = self.out.pop_front() {
            return Some(item);
        }
        if self.live {
            return None;
        }
        // an end right after the stream's last line
        if let Some(i) = (0..self.names.len())
            .find(|i| self.phase[*i] == Phase::Ended && self.held[*i].is_empty())
        {
            self.phase[i] = Phase::Announced;
            return Some(LogItem::Ended(self.names[i].clone()));
        }
        if !self.waiting_on().is_empty() {
            return None;
        }
        let oldest = (0..self.names.len())
            .filter_map(|i| self.held[i].front().map(|(key, _)| (*key, i)))
            .min();
        match oldest {
            Some((_, i)) => self.held[i]
                .pop_front()
                .map(|(_, line)| LogItem::Line(line)),
            None => {
                // every backlog is out
                self.live = true;
                None
            }
        }
    }
}

/// Quiet periods after which a followed stream counts as caught up.
#[derive(Debug, Clone, Copy)]
pub struct Settle {
    pub first: Duration,
    pub quiet: Duration,
}

impl Default for Settle {
    fn default() -> Settle {
        Settle {
            first: FIRST_QUIET,
            quiet: QUIET,
        }
    }
}

/// The streams of `names` merged (see the module's notes). `settle`:
/// followed streams (`None`: streams that end, merged exactly).
pub fn merge_by_time<S>(
    names: Vec<Arc<str>>,
    streams: Vec<S>,
    settle: Option<Settle>,
) -> MergeByTime<S>
where
    S: Stream<Item = Result<LogLine, String>> + Unpin,
{
    let now = Instant::now();
    let began = chrono::Utc::now();
    MergeByTime {
        activity: vec![now; streams.len()],
        seen: vec![false; streams.len()],
        merger: Merger::new(names),
        streams: streams.into_iter().map(Some).collect(),
        settle,
        began: i128::from(began.timestamp()) * 1_000_000_000
            + i128::from(began.timestamp_subsec_nanos()),
        timer: None,
        turn: 0,
    }
}

/// One stream's lines as items, its end said after its last line.
pub fn single<S>(name: Arc<str>, stream: S) -> impl Stream<Item = LogItem> + Send + use<S>
where
    S: Stream<Item = Result<LogLine, String>> + Send,
{
    stream
        .map(|item| match item {
            Ok(line) => LogItem::Line(line),
            Err(why) => LogItem::Lost(why),
        })
        .chain(futures::stream::once(async move { LogItem::Ended(name) }))
}

pub struct MergeByTime<S> {
    merger: Merger,
    streams: Vec<Option<S>>,
    /// When each stream last sent something (or was opened).
    activity: Vec<Instant>,
    seen: Vec<bool>,
    settle: Option<Settle>,
    /// When the follow began (key): a line stamped after it is live.
    began: i128,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The stream read first this time round (fairness).
    turn: usize,
}

impl<S> MergeByTime<S>
where
    S: Stream<Item = Result<LogLine, String>> + Unpin,
{
    /// Reads what the streams have ready; whether anything came.
    fn read(&mut self, cx: &mut Context<'_>) -> bool {
        let n = self.streams.len();
        let mut progressed = false;
        for k in 0..n {
            let i = (self.turn + k) % n;
            while self.merger.wants(i) {
                let Some(stream) = self.streams[i].as_mut() else {
                    break;
                };
                match stream.poll_next_unpin(cx) {
                    Poll::Ready(Some(Ok(line))) => {
                        self.activity[i] = Instant::now();
                        self.seen[i] = true;
                        if self.merger.line(i, line) > self.began && self.settle.is_some() {
                            self.merger.caught_up(i);
                        }
                    }
                    Poll::Ready(Some(Err(why))) => self.merger.lost(why),
                    Poll::Ready(None) => {
                        self.streams[i] = None;
                        self.merger.ended(i);
                    }
                    Poll::Pending => break,
                }
                progressed = true;
            }
        }
        self.turn = (self.turn + 1) % n.max(1);
        progressed
    }

    /// Marks the followed streams quiet long enough as caught up; whether
    /// one was, else arms the timer for the next.
    fn settle(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(settle) = self.settle else {
            return false;
        };
        let now = Instant::now();
        let mut next: Option<Instant> = None;
        let mut settled = false;
        for i in self.merger.waiting_on() {
            let quiet = if self.seen[i] {
                settle.quiet
            } else {
                settle.first
            };
            let at = self.activity[i] + quiet;
            if at <= now {
                self.merger.caught_up(i);
                settled = true;
            } else {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        if settled {
            self.timer = None;
            return true;
        }
        if let Some(at) = next {
            let timer = self
                .timer
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
            if timer.deadline() != at {
                timer.as_mut().reset(at);
            }
            if timer.as_mut().poll(cx).is_ready() {
                self.timer = None;
                return true;
            }
        }
        false
    }
}

impl<S> Stream for MergeByTime<S>
where
    S: Stream<Item = Result<LogLine, String>> + Unpin,
{
    type Item = LogItem;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<LogItem>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.merger.next_item() {
                return Poll::Ready(Some(item));
            }
            if this.merger.done() {
                return Poll::Ready(None);
            }
            if this.read(cx) {
                continue;
            }
            if this.merger.next_item_would_wait() && this.settle(cx) {
                continue;
            }
            return Poll::Pending;
        }
    }
}

impl Merger {
    /// Whether the merge waits for a stream still reading its backlog.
    fn next_item_would_wait(&self) -> bool {
        !self.live && !self.waiting_on().is_empty()
    }
}

#[cfg(test)]
#[path = "log_merge_tests.rs"]
mod tests;
