//! Duration histograms behind the dashboard's medians: durations under 32 seconds are kept
//! exactly, longer ones in buckets 1/16 of a power of two wide (under 6.25 % of the value), each
//! with its count and the sum of its values. Days of histograms merge by adding, and the median
//! read back is the mean of the bucket holding the middle value: exact when that bucket's values
//! are equal, and never further off than the bucket is wide.

use std::collections::BTreeMap;

use super::metrics::Summary;

/// Values below this are their own bucket.
const EXACT_BELOW: i64 = 32;
/// Buckets per power of two above that.
const PER_OCTAVE: u32 = 16;

/// The bucket a duration in seconds falls in (negative durations count as 0).
pub fn bucket(seconds: i64) -> u32 {
    let v = seconds.max(0);
    if v < EXACT_BELOW {
        return v as u32;
    }
    // v ≥ 32, so its highest set bit `e` is at least 5; the next four bits pick the sixteenth.
    let e = 63 - v.leading_zeros();
    let sixteenth = ((v >> (e - 4)) - 16) as u32;
    EXACT_BELOW as u32 + (e - 5) * PER_OCTAVE + sixteenth
}

/// The smallest and largest duration a bucket holds.
pub fn bounds(bucket: u32) -> (i64, i64) {
    if i64::from(bucket) < EXACT_BELOW {
        return (i64::from(bucket), i64::from(bucket));
    }
    let above = bucket - EXACT_BELOW as u32;
    let e = above / PER_OCTAVE + 5;
    let sixteenth = i64::from(above % PER_OCTAVE);
    let width = 1i64 << (e - 4);
    let low = (16 + sixteenth) << (e - 4);
    (low, low + width - 1)
}

/// Counts and sums of durations by bucket.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Histogram {
    buckets: BTreeMap<u32, (u64, i64)>,
}

impl Histogram {
    pub fn add(&mut self, seconds: i64) {
        let entry = self.buckets.entry(bucket(seconds)).or_default();
        entry.0 += 1;
        entry.1 += seconds.max(0);
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (b, (n, sum)) in &other.buckets {
            let entry = self.buckets.entry(*b).or_default();
            entry.0 += n;
            entry.1 += sum;
        }
    }

    pub fn count(&self) -> u64 {
        self.buckets.values().map(|(n, _)| n).sum()
    }

    pub fn sum(&self) -> i64 {
        self.buckets.values().map(|(_, s)| s).sum()
    }

    /// The stored form: `bucket:count:sum` entries separated by commas.
    pub fn encode(&self) -> String {
        let mut text = String::with_capacity(self.buckets.len() * 12);
        for (b, (n, sum)) in &self.buckets {
            if !text.is_empty() {
                text.push(',');
            }
            text.push_str(&format!("{b}:{n}:{sum}"));
        }
        text
    }

    /// Adds a stored histogram to this one.
    pub fn merge_encoded(&mut self, text: &str) -> Result<(), String> {
        for entry in text.split(',').filter(|e| !e.is_empty()) {
            let mut parts = entry.split(':');
            let mut next = || {
                parts
                    .next()
                    .ok_or_else(|| format!("a histogram entry `{entry}` is incomplete"))
            };
            let bad = |_| format!("a histogram entry `{entry}` is not numbers");
            let b: u32 = next()?.parse().map_err(bad)?;
            let n: u64 = next()?.parse().map_err(bad)?;
            let sum: i64 = next()?.parse().map_err(bad)?;
            let slot = self.buckets.entry(b).or_default();
            slot.0 += n;
            slot.1 += sum;
        }
        Ok(())
    }

    /// The value at `rank` (0-based, in sorted order): the mean of its bucket.
    fn value_at(&self, rank: u64) -> Option<f64> {
        let mut seen = 0;
        for (n, sum) in self.buckets.values() {
            seen += n;
            if rank < seen {
                return Some(*sum as f64 / *n as f64);
            }
        }
        None
    }

    /// The middle value, or the mean of the two middle values, each read as its bucket's mean.
    pub fn median(&self) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let (low, high) = ((n - 1) / 2, n / 2);
        Some((self.value_at(low)? + self.value_at(high)?) / 2.0)
    }

    /// Count, exact mean and the histogram's median.
    pub fn summary(&self) -> Summary {
        let count = self.count();
        Summary {
            count,
            mean: (count > 0).then(|| self.sum() as f64 / count as f64),
            median: self.median(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::metrics::summarise;

    #[test]
    fn short_durations_have_buckets_of_their_own() {
        for v in 0..32 {
            assert_eq!(bounds(bucket(v)), (v, v));
        }
        assert_eq!(bucket(-5), 0);
    }

    #[test]
    fn buckets_are_contiguous_and_narrow() {
        let mut previous_high = 31;
        for b in 32..600 {
            let (low, high) = bounds(b);
            assert_eq!(
                low,
                previous_high + 1,
                "bucket {b} starts where {} ended",
                b - 1
            );
            assert!(
                (high - low + 1) as f64 <= low as f64 / 16.0,
                "bucket {b} is at most 1/16 of its values"
            );
            assert_eq!(bucket(low), b);
            assert_eq!(bucket(high), b);
            previous_high = high;
        }
        // A month of seconds is still a small bucket number.
        assert!(bucket(30 * 86_400) < 400);
    }

    #[test]
    fn equal_values_give_the_exact_median() {
        let mut h = Histogram::default();
        for v in [1800, 1800, 3600, 7200, 7200] {
            h.add(v);
        }
        assert_eq!(h.summary(), summarise(&[1800, 1800, 3600, 7200, 7200]));
        let mut even = Histogram::default();
        for v in [600, 1200] {
            even.add(v);
        }
        assert_eq!(even.median(), Some(900.0));
    }

    #[test]
    fn spread_values_give_a_median_within_the_bucket_width() {
        let values: Vec<i64> = (0..1001).map(|i| 40 + i * 37).collect();
        let mut h = Histogram::default();
        values.iter().for_each(|v| h.add(*v));
        let exact = summarise(&values);
        assert_eq!(h.count(), exact.count);
        assert_eq!(h.summary().mean, exact.mean);
        let (median, truth) = (h.median().unwrap(), exact.median.unwrap());
        assert!(
            (median - truth).abs() <= truth / 16.0,
            "{median} vs {truth}"
        );
    }

    #[test]
    fn histograms_survive_storage_and_merge_by_adding() {
        let (mut a, mut b) = (Histogram::default(), Histogram::default());
        [5, 100, 100, 4000].iter().for_each(|v| a.add(*v));
        [100, 90_000].iter().for_each(|v| b.add(*v));
        let mut stored = Histogram::default();
        stored.merge_encoded(&a.encode()).unwrap();
        stored.merge_encoded(&b.encode()).unwrap();
        a.merge(&b);
        assert_eq!(stored, a);
        assert_eq!(stored.count(), 6);
        assert_eq!(stored.sum(), 5 + 300 + 4000 + 90_000);
        assert_eq!(Histogram::default().encode(), "");
        assert!(stored.merge_encoded("3:x:1").is_err());
        assert!(stored.merge_encoded("3:1").is_err());
    }

    #[test]
    fn an_empty_histogram_has_no_median() {
        assert_eq!(Histogram::default().summary(), Summary::default());
    }
}
