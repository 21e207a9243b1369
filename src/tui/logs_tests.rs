use super::*;

fn line(n: usize) -> LogLine {
    at("w0", &format!("t{n:05}"), &format!("line {n}"))
}

fn at(instance: &str, timestamp: &str, text: &str) -> LogLine {
    LogLine {
        instance: instance.into(),
        stderr: false,
        timestamp: timestamp.into(),
        text: text.into(),
        raw: None,
        unterminated: false,
    }
}

fn texts(v: &LogView) -> Vec<String> {
    v.shown()
        .map(|e| match e {
            Entry::Line(l) => l.text.clone(),
            Entry::Ended(i) => format!("end {i}"),
        })
        .collect()
}

#[test]
fn escape_sequences_in_lines_are_shown_visibly() {
    let mut v = LogView::new("x".into(), None, 10);
    let mut l = line(1);
    l.text = "\u{1b}]52;c;eA==\u{7}\u{1b}[2Jok".into();
    v.push(vec![l]);
    assert_eq!(texts(&v), ["\\x1b]52;c;eA==\\x07\\x1b[2Jok"]);
}

#[test]
fn the_buffer_is_bounded_and_counts_what_it_dropped() {
    let mut v = LogView::new("x".into(), None, 100);
    v.push((0..250).map(line).collect());
    assert_eq!(v.lines.len(), 100);
    assert_eq!(v.dropped, 150);
    assert_eq!(texts(&v)[0], "line 150");
    // a filter keeps its shown lines in step with what is dropped
    v.set_filter("line 2[0-9]{2}");
    assert_eq!(v.counter(), (50, 100));
    v.push((250..300).map(line).collect());
    assert_eq!(v.counter(), (100, 100));
    assert_eq!(texts(&v)[0], "line 200");
}

#[test]
fn huge_lines_are_cut() {
    let mut v = LogView::new("x".into(), None, 10);
    v.push(vec![at("w0", "", &"x".repeat(100_000))]);
    let text = texts(&v).remove(0);
    assert!(text.chars().count() < MAX_LINE_CHARS + 60);
    assert!(text.ends_with("characters]"));
}

#[test]
fn follow_scroll_and_search() {
    let mut v = LogView::new("x".into(), None, 1000);
    v.push((0..100).map(line).collect());
    assert_eq!(v.first_visible(10), 90, "following shows the end");
    v.scroll(-20, 10);
    assert!(!v.follow);
    assert_eq!(v.first_visible(10), 70);
    v.search = "line 4".into();
    assert!(v.find(true));
    let first = v.matched.unwrap();
    assert!(v.find(true));
    assert_ne!(v.matched.unwrap(), first);
    assert!(v.find(false));
    assert_eq!(v.matched, Some(first));
    v.search = "nothing like it".into();
    assert!(!v.find(true));
    // paging down to the end follows again
    v.scroll(1000, 10);
    assert!(v.follow);
    assert_eq!(v.first_visible(10), 90);
    assert!(v.contents().starts_with("t00000 w0 | line 0\n"));
}

#[test]
fn the_filter_is_a_regex_with_smart_case_and_a_counter() {
    let mut v = LogView::new("x".into(), None, 100);
    v.push(vec![
        at("w0", "", "ERROR disk full"),
        at("w0", "", "error: retrying"),
        at("w0", "", "all fine"),
    ]);
    v.set_filter("error");
    assert_eq!(
        texts(&v),
        ["ERROR disk full", "error: retrying"],
        "lower case: any case"
    );
    assert_eq!(v.counter(), (2, 3));
    v.set_filter("ERROR");
    assert_eq!(
        texts(&v),
        ["ERROR disk full"],
        "an upper-case letter: exact case"
    );
    v.set_filter("err(or|no)r?:");
    assert_eq!(texts(&v), ["error: retrying"]);
    // not a regex: said, nothing hidden, nothing panics
    v.set_filter("disk (full");
    assert!(!v.filter.active());
    assert!(
        v.filter
            .error
            .as_deref()
            .unwrap()
            .starts_with("not a regex"),
        "{:?}",
        v.filter.error
    );
    assert_eq!(v.counter(), (3, 3));
    v.set_filter("");
    assert_eq!(v.counter(), (3, 3));
    // lines that come while filtered are filtered too
    v.set_filter("fine");
    v.push(vec![at("w0", "", "fine again"), at("w0", "", "bad")]);
    assert_eq!(texts(&v), ["all fine", "fine again"]);
}

#[test]
fn services_are_toggled_by_number() {
    let mut v = LogView::new("x".into(), None, 100);
    v.opened(&["master0".into(), "worker0".into(), "worker1".into()]);
    v.push(vec![
        at("worker0", "", "w0 a"),
        at("master0", "", "m a"),
        at("worker1", "", "w1 a"),
    ]);
    assert_eq!(v.toggle(2), Ok(("worker0".into(), true)));
    assert_eq!(texts(&v), ["m a", "w1 a"]);
    v.push(vec![at("worker0", "", "w0 b"), at("master0", "", "m b")]);
    assert_eq!(texts(&v), ["m a", "w1 a", "m b"], "hidden as they come");
    assert_eq!(v.counter(), (3, 5));
    assert_eq!(v.toggle(2), Ok(("worker0".into(), false)));
    assert_eq!(v.counter(), (5, 5));
    assert!(v.toggle(7).unwrap_err().contains("1–3"));
    let mut one = LogView::new("x".into(), Some("worker0".into()), 10);
    one.opened(&["worker0".into()]);
    assert!(one.toggle(1).unwrap_err().contains("one service"));
    assert!(!one.merged());
}

#[test]
fn the_end_of_a_log_is_marked_once_and_the_view_knows_when_all_ended() {
    let mut v = LogView::new("x".into(), None, 100);
    v.opened(&["a0".into(), "b0".into()]);
    v.push(vec![at("a0", "", "a")]);
    v.ended("a0");
    v.ended("a0");
    assert_eq!(texts(&v), ["a", "end a0"]);
    assert!(!v.all_ended());
    v.ended("b0");
    assert!(v.all_ended());
    // a filter shows matching lines only
    v.set_filter("a");
    assert_eq!(texts(&v), ["a"]);
}

#[test]
fn timestamps_are_short_and_local_full_or_off() {
    let ts = "2026-11-29T14:03:07.123456789Z";
    let utc = FixedOffset::east_opt(0);
    let paris = FixedOffset::east_opt(3600);
    assert_eq!(short_time(ts, utc, false), "14:03:07");
    assert_eq!(short_time(ts, paris, false), "15:03:07");
    assert_eq!(short_time(ts, paris, true), "11-29 15:03:07");
    assert_eq!(short_time("not a time", utc, false), "not a time");
    let mut v = LogView::new("x".into(), None, 10);
    v.zone = utc;
    assert_eq!(v.time, TimeFormat::Short, "short by default");
    assert_eq!(v.stamp(ts, false), "14:03:07");
    v.time = v.time.next();
    assert_eq!(v.stamp(ts, false), ts);
    v.time = v.time.next();
    assert_eq!(v.stamp(ts, false), "");
    assert_eq!(v.time.next(), TimeFormat::Short, "round again");
    // lines over two days carry the date
    v.push(vec![at("w0", ts, "a")]);
    assert!(!v.spans_days());
    v.push(vec![at("w0", "2026-11-30T00:00:01Z", "b")]);
    assert!(v.spans_days());
}

#[test]
fn the_saved_file_is_named_after_the_execution_service_and_time() {
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-29T14:03:07Z")
        .unwrap()
        .to_utc();
    let mut v = LogView::new("1ibx0a2b3c".into(), None, 10);
    v.zone = FixedOffset::east_opt(0);
    assert_eq!(v.file_name(now), "1ibx0a2b3c-all-20261129-140307.log");
    let mut v = LogView::new("1ibx0a2b3c".into(), Some("../worker".into()), 10);
    v.zone = FixedOffset::east_opt(0);
    assert_eq!(v.file_name(now), "1ibx0a2b3c-___worker-20261129-140307.log");
}

#[test]
fn horizontal_scroll_stops_at_the_longest_line() {
    let mut v = LogView::new("x".into(), None, 10);
    v.push(vec![at("w0", "", &"x".repeat(30)), at("w0", "", "short")]);
    v.hscroll_by(-8);
    assert_eq!(v.hscroll, 0);
    for _ in 0..10 {
        v.hscroll_by(8);
    }
    assert_eq!(v.hscroll, 29, "the last column of the longest line");
    v.text_width = 20;
    v.hscroll_end();
    assert_eq!(v.hscroll, 10);
}

#[test]
fn five_thousand_lines_a_second_stay_cheap() {
    // the view only ever touches the buffer and the visible window
    let mut v = LogView::new("x".into(), None, 10_000);
    for second in 0..5 {
        v.push((second * 5000..(second + 1) * 5000).map(line).collect());
    }
    assert_eq!(v.lines.len(), 10_000);
    assert_eq!(v.dropped, 15_000);
    assert_eq!(v.shown_len(), 10_000);
}
