//! When the screen is redrawn. What the user does (a key, a resize, a
//! signal) is drawn at once; what the engine reports is drawn at most once
//! a frame ([`FRAME`]): a log flood sends hundreds of batches a second, and
//! redrawing for each would flood the terminal too. Lines keep arriving
//! between frames; the next frame shows them all. The frame timer exists
//! only while a redraw is held back: idle, nothing ticks.

use std::time::{Duration, Instant};

/// The shortest time between two redraws for reports: 30 frames a second.
pub const FRAME: Duration = Duration::from_millis(33);

/// What to do about the screen now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redraw {
    /// Nothing changed: no redraw and no timer.
    Idle,
    /// Draw now.
    Now,
    /// Draw at this instant (arm the frame timer for it).
    At(Instant),
}

/// Remembers the last redraw and whether the next one may not wait.
#[derive(Debug, Default, Clone)]
pub struct FrameLimiter {
    last: Option<Instant>,
    urgent: bool,
}

impl FrameLimiter {
    /// The next redraw may not wait: the user did something, or the frame
    /// timer went off.
    pub fn urgent(&mut self) {
        self.urgent = true;
    }

    /// What to do when the screen is `dirty` (something changed) at `now`.
    pub fn decide(&self, dirty: bool, now: Instant) -> Redraw {
        if !dirty {
            return Redraw::Idle;
        }
        match self.last {
            Some(last) if !self.urgent && now < last + FRAME => Redraw::At(last + FRAME),
            _ => Redraw::Now,
        }
    }

    /// The screen was drawn at `now`.
    pub fn drawn(&mut self, now: Instant) {
        self.last = Some(now);
        self.urgent = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_changed_means_no_redraw_and_no_timer() {
        let mut f = FrameLimiter::default();
        let t0 = Instant::now();
        assert_eq!(f.decide(false, t0), Redraw::Idle);
        f.drawn(t0);
        assert_eq!(f.decide(false, t0 + Duration::from_millis(1)), Redraw::Idle);
        // even after a key: a key that changed nothing draws nothing
        f.urgent();
        assert_eq!(f.decide(false, t0 + Duration::from_millis(2)), Redraw::Idle);
    }

    #[test]
    fn reports_are_drawn_at_most_once_a_frame() {
        let mut f = FrameLimiter::default();
        let t0 = Instant::now();
        // the first report of a quiet time is drawn at once
        assert_eq!(f.decide(true, t0), Redraw::Now);
        f.drawn(t0);
        // a flood: every batch within the frame waits for the frame's end
        for ms in [1, 10, 32] {
            assert_eq!(
                f.decide(true, t0 + Duration::from_millis(ms)),
                Redraw::At(t0 + FRAME)
            );
        }
        // the frame is over: draw what came meanwhile, all at once
        assert_eq!(f.decide(true, t0 + FRAME), Redraw::Now);
        f.drawn(t0 + FRAME);
        assert_eq!(
            f.decide(true, t0 + FRAME + Duration::from_millis(5)),
            Redraw::At(t0 + FRAME * 2)
        );
        // a report long after the last frame: at once again
        assert_eq!(f.decide(true, t0 + Duration::from_secs(5)), Redraw::Now);
    }

    #[test]
    fn a_key_is_drawn_at_once_even_in_a_flood() {
        let mut f = FrameLimiter::default();
        let t0 = Instant::now();
        f.drawn(t0);
        let soon = t0 + Duration::from_millis(3);
        assert_eq!(f.decide(true, soon), Redraw::At(t0 + FRAME));
        f.urgent();
        assert_eq!(f.decide(true, soon), Redraw::Now);
        f.drawn(soon);
        // after that draw, reports wait for a frame from it
        assert_eq!(
            f.decide(true, soon + Duration::from_millis(1)),
            Redraw::At(soon + FRAME)
        );
    }

    #[test]
    fn the_frame_timer_going_off_draws_even_if_it_fired_a_bit_early() {
        let mut f = FrameLimiter::default();
        let t0 = Instant::now();
        f.drawn(t0);
        f.urgent(); // what the loop does when the timer fires
        assert_eq!(
            f.decide(true, t0 + FRAME - Duration::from_micros(10)),
            Redraw::Now
        );
    }
}
