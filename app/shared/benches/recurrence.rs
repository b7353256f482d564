//! Recurrence grouping over 10,000 to 100,000 incidents (`make bench-problems`): the time to
//! compute the suggestions, to show that it grows linearly rather than with the square. The
//! measured path is the hard one: every planted group is on one service within a few days, so it
//! must be found (the bench checks that each is, and prints how many groups it found).

use std::hint::black_box;

use chrono::{DateTime, Duration, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use shared::domain::recurrence::{IncidentSignal, Params, groups};

/// `n` incidents over 90 days on 40 services: one in twenty belongs to a planted group of five
/// look-alikes on one service within five days (some from the same alert), the rest draw four
/// words from a 5,000-word vocabulary (of letters, as real words are) on any service at any time.
fn incidents(n: usize) -> Vec<IncidentSignal> {
    let start: DateTime<Utc> = "2026-09-01T00:00:00Z".parse().expect("a date");
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // Words of letters only: the grouping ignores tokens with digits in them (ids, versions),
    // so `w123x` would leave most titles without a word to compare.
    let word = |k: u64| {
        const CONSONANTS: &[u8] = b"bcdfghjklmnpqrtvwxyz";
        const VOWELS: &[u8] = b"aeiou";
        let k = (k % 5_000) as usize;
        let letters = [
            CONSONANTS[k % 20],
            VOWELS[(k / 20) % 5],
            CONSONANTS[(k / 100) % 20],
            VOWELS[(k / 2_000) % 5],
        ];
        String::from_utf8_lossy(&letters).into_owned()
    };
    (0..n)
        .map(|i| {
            let r = next();
            let planted = i % 20 == 0;
            let group = i / 100;
            let title = if planted {
                format!(
                    "Planted {} {} stalls {} again",
                    word(group as u64),
                    word(group as u64 + 7),
                    word(group as u64 + 13)
                )
            } else {
                format!(
                    "{} {} {} {}",
                    word(r),
                    word(r >> 13),
                    word(r >> 26),
                    word(r >> 39)
                )
            };
            let (service, opened_at) = if planted {
                let day = (group % 85) as i64;
                (
                    (group % 40) as i64,
                    start + Duration::days(day) + Duration::hours((i % 100) as i64),
                )
            } else {
                (
                    (r % 40) as i64,
                    start + Duration::minutes((r % (90 * 24 * 60)) as i64),
                )
            };
            IncidentSignal {
                id: i as i64,
                service_id: Some(service),
                fingerprint: (planted && i % 3 == 0).then(|| format!("fp-{group}")),
                title,
                summary: format!("{} {} {}", word(r >> 7), word(r >> 21), word(r >> 35)),
                opened_at,
            }
        })
        .collect()
}

fn grouping(c: &mut Criterion) {
    let mut group = c.benchmark_group("recurrence grouping");
    group.sample_size(10);
    for n in [10_000, 20_000, 50_000, 100_000] {
        let input = incidents(n);
        let planted = n.div_ceil(100);
        let found = groups(&input, &Params::default());
        let found_planted = (0..planted)
            .filter(|g| {
                found
                    .iter()
                    .any(|f| f.incident_ids.contains(&(*g as i64 * 100)))
            })
            .count();
        assert_eq!(found_planted, planted, "every planted group is found");
        eprintln!(
            "{n} incidents: {} groups found, {found_planted} of {planted} planted groups among them",
            found.len()
        );
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &input, |b, input| {
            b.iter(|| black_box(groups(black_box(input), &Params::default())).len())
        });
    }
    group.finish();
}

criterion_group!(benches, grouping);
criterion_main!(benches);
