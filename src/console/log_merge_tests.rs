use super::*;

fn line(instance: &str, ts: &str, text: &str) -> LogLine {
    LogLine::new(instance.into(), false, ts.into(), text.as_bytes().to_vec())
}

fn ts(second: u32, milli: u32) -> String {
    format!("2026-11-29T10:00:{second:02}.{milli:03}000000Z")
}

fn names(n: &[&str]) -> Vec<Arc<str>> {
    n.iter().map(|s| Arc::from(*s)).collect()
}

type Lines = futures::stream::Iter<std::vec::IntoIter<Result<LogLine, String>>>;

fn finite(instance: &str, stamps: &[(u32, u32)]) -> Lines {
    let lines: Vec<Result<LogLine, String>> = stamps
        .iter()
        .enumerate()
        .map(|(k, (s, m))| Ok(line(instance, &ts(*s, *m), &format!("{instance} {k}"))))
        .collect();
    futures::stream::iter(lines)
}

/// The texts (and ends) of a merged log, in order.
async fn shown(stream: impl Stream<Item = LogItem>) -> Vec<String> {
    stream
        .map(|item| match item {
            LogItem::Line(l) => l.text,
            LogItem::Lost(why) => format!("lost: {why}"),
            LogItem::Ended(name) => format!("end {name}"),
        })
        .collect()
        .await
}

#[tokio::test]
async fn three_interleaved_backlogs_come_out_in_time_order() {
    let a = finite("a", &[(0, 0), (1, 0), (2, 0)]);
    let b = finite("b", &[(0, 300), (1, 300), (2, 300)]);
    let c = finite("c", &[(0, 600), (1, 600), (2, 600)]);
    let merged = merge_by_time(names(&["a", "b", "c"]), vec![a, b, c], None);
    let got = shown(merged).await;
    let lines: Vec<&str> = got
        .iter()
        .map(String::as_str)
        .filter(|s| !s.starts_with("end"))
        .collect();
    assert_eq!(
        lines,
        [
            "a 0", "b 0", "c 0", "a 1", "b 1", "c 1", "a 2", "b 2", "c 2"
        ]
    );
    // each end once, right after the stream's last line
    assert_eq!(got.iter().filter(|s| s.starts_with("end")).count(), 3);
    let a_end = got.iter().position(|s| s == "end a").unwrap();
    assert_eq!(got[a_end - 1], "a 2");
    assert_eq!(got.last().map(String::as_str), Some("end c"));
}

#[tokio::test]
async fn equal_stamps_keep_the_streams_order_and_each_streams_own_order() {
    let a = finite("a", &[(5, 0), (5, 0), (6, 0)]);
    let b = finite("b", &[(5, 0), (5, 0)]);
    let merged = merge_by_time(names(&["a", "b"]), vec![a, b], None);
    let got = shown(merged).await;
    assert_eq!(got, ["a 0", "a 1", "b 0", "b 1", "end b", "a 2", "end a"]);
}

#[tokio::test]
async fn an_empty_stream_costs_nothing_but_its_end() {
    let a = finite("a", &[(1, 0), (2, 0)]);
    let empty = finite("b", &[]);
    let merged = merge_by_time(names(&["a", "b"]), vec![a, empty], None);
    assert_eq!(shown(merged).await, ["end b", "a 0", "a 1", "end a"]);
}

#[tokio::test]
async fn lines_without_a_timestamp_go_with_the_line_before_them() {
    let a = futures::stream::iter(vec![
        Ok(line("a", "", "a first, no stamp")),
        Ok(line("a", &ts(3, 0), "a at 3")),
        Ok(line("a", "garbage", "a after 3, no stamp")),
        Ok(line("a", &ts(5, 0), "a at 5")),
    ]);
    let b = futures::stream::iter(vec![
        Ok(line("b", &ts(2, 0), "b at 2")),
        Ok(line("b", &ts(4, 0), "b at 4")),
    ]);
    let merged = merge_by_time(names(&["a", "b"]), vec![a, b], None);
    assert_eq!(
        shown(merged).await,
        [
            "a first, no stamp",
            "b at 2",
            "a at 3",
            "a after 3, no stamp",
            "b at 4",
            "end b",
            "a at 5",
            "end a"
        ]
    );
}

#[tokio::test]
async fn a_lost_stream_is_said_in_its_place() {
    let a = futures::stream::iter(vec![
        Ok(line("a", &ts(1, 0), "a 0")),
        Err("a: log stream lost: cut".to_string()),
    ]);
    let merged = merge_by_time(names(&["a"]), vec![a], None);
    let got = shown(merged).await;
    assert!(got.contains(&"lost: a: log stream lost: cut".to_string()));
    assert_eq!(got.last().map(String::as_str), Some("end a"));
}

#[tokio::test]
async fn a_followed_stream_that_says_nothing_does_not_hold_the_others_back() {
    // `b` never sends a line (an empty log being followed): after the
    // quiet period the merge goes on without it
    let a = finite("a", &[(1, 0), (2, 0)]).chain(futures::stream::pending());
    let b = futures::stream::pending::<Result<LogLine, String>>();
    let settle = Settle {
        first: Duration::from_millis(50),
        quiet: Duration::from_millis(50),
    };
    let a: Pin<Box<dyn Stream<Item = Result<LogLine, String>> + Send>> = Box::pin(a);
    let b: Pin<Box<dyn Stream<Item = Result<LogLine, String>> + Send>> = Box::pin(b);
    let mut merged = merge_by_time(names(&["a", "b"]), vec![a, b], Some(settle));
    let started = std::time::Instant::now();
    let first = tokio::time::timeout(Duration::from_secs(5), merged.next())
        .await
        .unwrap();
    assert!(matches!(first, Some(LogItem::Line(ref l)) if l.text == "a 0"));
    assert!(started.elapsed() >= Duration::from_millis(40));
    let second = tokio::time::timeout(Duration::from_secs(5), merged.next())
        .await
        .unwrap();
    assert!(matches!(second, Some(LogItem::Line(ref l)) if l.text == "a 1"));
}

#[test]
fn the_merge_holds_a_bounded_number_of_lines_per_stream() {
    let mut m = Merger::new(names(&["a", "b"]));
    let mut held = 0;
    while m.wants(0) {
        m.line(0, line("a", &ts(1, 0), "x"));
        held += 1;
        assert!(held <= HELD_PER_STREAM);
    }
    assert_eq!(held, HELD_PER_STREAM);
    // `b` has said nothing yet: nothing can come out
    assert_eq!(m.next_item(), None);
    m.caught_up(1);
    assert!(matches!(m.next_item(), Some(LogItem::Line(_))));
    assert!(m.wants(0), "room again");
}

#[test]
fn once_every_backlog_is_out_lines_come_in_arrival_order() {
    let mut m = Merger::new(names(&["a", "b"]));
    m.caught_up(0);
    m.caught_up(1);
    assert_eq!(m.next_item(), None);
    assert!(m.is_live());
    m.line(1, line("b", &ts(9, 0), "b late"));
    m.line(0, line("a", &ts(1, 0), "a early"));
    let texts: Vec<String> = std::iter::from_fn(|| m.next_item())
        .map(|i| match i {
            LogItem::Line(l) => l.text,
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(texts, ["b late", "a early"]);
    m.ended(0);
    assert_eq!(m.next_item(), Some(LogItem::Ended("a".into())));
    assert!(!m.done());
    m.ended(1);
    assert_eq!(m.next_item(), Some(LogItem::Ended("b".into())));
    assert!(m.done());
}

#[test]
fn stamps_compare_by_value() {
    assert!(stamp_key("2026-11-29T10:00:00.0573Z") < stamp_key("2026-11-29T10:00:00.057324683Z"));
    assert_eq!(
        stamp_key("2026-11-29T11:00:00+01:00"),
        stamp_key("2026-11-29T10:00:00Z")
    );
    assert_eq!(stamp_key(""), None);
}
