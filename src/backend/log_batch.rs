//! Handing a log out in batches, the same way for every engine: wait for
//! the first line as long as it takes, then gather more for up to
//! [`BATCH_WINDOW`] (or until [`BATCH_LINES`]) so output comes in batches,
//! not byte by byte. One timer per batch (none while items are ready), not
//! one per item.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures::{Stream, StreamExt};

use crate::model::logs::LogLine;

/// The longest line kept whole, in bytes. A longer one (a container that
/// never prints a newline) is handed out in pieces of this size, so memory
/// stays bounded whatever the container prints.
pub const MAX_LINE_BYTES: usize = 8 << 20;

/// How long a batch of lines waits for more once its first line is there.
pub const BATCH_WINDOW: Duration = Duration::from_millis(200);

/// The most lines in one batch: a flood is handed out in batches of this.
pub const BATCH_LINES: usize = 1024;

/// A log's reader: batch after batch of lines (or error items), `None` at
/// the end.
pub trait Batches: Send + 'static {
    fn next_batch(&mut self) -> impl Future<Output = Option<Batch>> + Send;
}

/// One batch of lines, with an error item where the stream was lost.
pub type Batch = Vec<Result<LogLine, String>>;

/// The lines of `reader`'s batches, one after the other.
pub fn lines_of_batches<B: Batches>(
    reader: B,
) -> impl Stream<Item = Result<LogLine, String>> + Send + 'static {
    futures::stream::unfold(reader, |mut reader| async move {
        let batch = reader.next_batch().await?;
        Some((futures::stream::iter(batch), reader))
    })
    .flatten()
}

/// Lines came through `what`'s log stream: says so when that took
/// `attempts` to reopen it.
pub fn resumed(attempts: u32, what: impl FnOnce() -> String) {
    if attempts > 0 {
        tracing::info!("log stream of {} resumed after {attempts} attempts", what());
    }
}

/// `what`'s log stream broke and is reopened: a warning at the first
/// attempt, at debug level after.
pub fn reopening(what: &str, why: &str, attempt: u32) {
    let retry = format!("log stream of {what} broke: {why}; reopening it, attempt {attempt}");
    if attempt == 1 {
        tracing::warn!("{retry}");
    } else {
        tracing::debug!("{retry}");
    }
}

/// `what`'s log stream is lost after `attempts` attempts to reopen it.
pub fn lost(what: &str, why: &str, attempts: u32) {
    tracing::warn!("log stream of {what} lost: {why} ({attempts} attempts to reopen it)");
}

/// How gathering one batch stopped.
#[derive(Debug, PartialEq, Eq)]
pub enum Gathered<E> {
    /// Quiet for the window, or the batch is full: the stream is still open.
    Open,
    /// The stream ended.
    Ended,
    /// The stream broke (or `take` found it broken).
    Broke(E),
}

/// Gathers one batch from `stream` into `lines`: each item goes to `take`,
/// which adds its lines, or says the stream is broken (then gathering
/// stops there).
pub async fn gather<S, L, E>(
    stream: &mut S,
    lines: &mut Vec<L>,
    mut take: impl FnMut(S::Item, &mut Vec<L>) -> Result<(), E>,
) -> Gathered<E>
where
    S: Stream + Unpin,
{
    let mut window: Option<Pin<Box<tokio::time::Sleep>>> = None;
    loop {
        let next = if lines.is_empty() {
            stream.next().await.map(Some)
        } else {
            let window = window.get_or_insert_with(|| Box::pin(tokio::time::sleep(BATCH_WINDOW)));
            tokio::select! {
                biased;
                item = stream.next() => item.map(Some),
                () = window.as_mut() => Some(None),
            }
        };
        match next {
            None => return Gathered::Ended,
            Some(None) => return Gathered::Open, // quiet for the window: hand out what we have
            Some(Some(item)) => {
                if let Err(e) = take(item, lines) {
                    return Gathered::Broke(e);
                }
                if lines.len() >= BATCH_LINES {
                    return Gathered::Open;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(item: Result<usize, String>, lines: &mut Vec<usize>) -> Result<(), String> {
        lines.push(item?);
        Ok(())
    }

    #[tokio::test]
    async fn a_stream_that_ends_is_gathered_whole() {
        let mut stream = futures::stream::iter((0..5).map(Ok::<usize, String>));
        let mut lines = Vec::new();
        let end = gather(&mut stream, &mut lines, push).await;
        assert_eq!(end, Gathered::Ended);
        assert_eq!(lines, [0, 1, 2, 3, 4]);
    }

    #[tokio::test]
    async fn a_flood_comes_in_full_batches() {
        let mut stream = futures::stream::iter((0..BATCH_LINES + 3).map(Ok::<usize, String>));
        let mut lines = Vec::new();
        let end = gather(&mut stream, &mut lines, push).await;
        assert_eq!((end, lines.len()), (Gathered::Open, BATCH_LINES));
        lines.clear();
        let end = gather(&mut stream, &mut lines, push).await;
        assert_eq!((end, lines.len()), (Gathered::Ended, 3));
    }

    #[tokio::test]
    async fn an_error_stops_the_batch_with_what_came_before() {
        let items = vec![Ok(1), Err("cut".to_string()), Ok(2)];
        let mut stream = futures::stream::iter(items);
        let mut lines = Vec::new();
        let end = gather(&mut stream, &mut lines, push).await;
        assert_eq!(end, Gathered::Broke("cut".to_string()));
        assert_eq!(lines, [1]);
    }

    #[tokio::test]
    async fn a_quiet_stream_hands_out_what_it_has_after_the_window() {
        let first = futures::stream::iter([Ok::<usize, String>(7)]);
        let mut stream = first.chain(futures::stream::pending());
        let mut lines = Vec::new();
        let end = gather(&mut stream, &mut lines, push).await;
        assert_eq!((end, lines), (Gathered::Open, vec![7]));
    }
}
