//! Row ids and choices that follow from `now` alone, so the seed needs no source of randomness.

use chrono::{DateTime, Utc};
use uuid::{Builder, Uuid};

/// UUIDv7s stamped with `now`, told apart by a counter: ordered as they are made, like the ids
/// of rows entered one after another.
pub struct Ids {
    millis: u64,
    counter: u64,
}

impl Ids {
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            millis: u64::try_from(now.timestamp_millis()).unwrap_or(0),
            counter: 0,
        }
    }

    pub fn next(&mut self) -> Uuid {
        self.counter = self.counter.wrapping_add(1);
        let mut bytes = [0u8; 10];
        // The top bits of the first two bytes are the version and variant: the counter goes after.
        for (slot, byte) in bytes.iter_mut().skip(2).zip(self.counter.to_be_bytes()) {
            *slot = byte;
        }
        Builder::from_unix_timestamp_millis(self.millis, &bytes).into_uuid()
    }
}

/// A linear congruential generator (Knuth's MMIX constants) from a fixed seed: varied enough
/// for demo data, and the same on every run.
pub struct Lcg(u64);

impl Lcg {
    pub fn new() -> Self {
        Self(0x4e4c_4c54_2024_0901)
    }

    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next().checked_rem(n).unwrap_or(0)
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A number of days in `low..=high`.
    pub fn days(&mut self, low: i64, high: i64) -> i64 {
        let span = u64::try_from(high.saturating_sub(low).saturating_add(1)).unwrap_or(1);
        low.saturating_add(i64::try_from(self.below(span)).unwrap_or(0))
    }

    /// One of `items` (empty text for an empty list).
    pub fn pick(&mut self, items: &[&'static str]) -> &'static str {
        let index = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        items.get(index).copied().unwrap_or_default()
    }
}
