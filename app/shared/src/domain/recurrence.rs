//! Recurrence detection: groups incidents that repeat, by the same alert (service and fingerprint)
//! or by similar text (titles and summaries), in time linear in the number of incidents.
//!
//! Text similarity is the Jaccard index of normalised word sets. Candidate pairs come from
//! MinHash banding (locality-sensitive hashing): incidents whose signatures agree on one band land
//! in one bucket, and only bucket members are compared, each with a few bucket representatives,
//! so the work grows with the number of incidents, never with its square.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// What the grouping sees of one incident.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncidentSignal {
    pub id: i64,
    pub service_id: Option<i64>,
    /// The alert's fingerprint (or its identifying labels), when it came from monitoring.
    pub fingerprint: Option<String>,
    pub title: String,
    pub summary: String,
    pub opened_at: DateTime<Utc>,
}

/// Why incidents were grouped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupReason {
    /// The same alert fired again and again.
    SameAlert,
    /// Their titles and summaries read alike.
    SimilarText,
}

/// Incidents that look like one recurring cause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Oldest first.
    pub incident_ids: Vec<i64>,
    pub service_id: Option<i64>,
    pub reason: GroupReason,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

impl Group {
    /// How many days the group spans, at least 1.
    pub fn span_days(&self) -> i64 {
        ((self.last_at - self.first_at).num_days() + 1).max(1)
    }
}

/// How strict the grouping is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// Lowest Jaccard index of two texts' word sets that counts as alike.
    pub threshold: f64,
    /// Fewest incidents that make a group worth a problem.
    pub min_size: usize,
    /// The window that a group's incidents must fall in.
    pub window: Duration,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            threshold: 0.6,
            min_size: 3,
            window: Duration::days(30),
        }
    }
}

/// MinHash signature length, and its split into bands of `ROWS` values.
const HASHES: usize = 20;
const ROWS: usize = 2;
/// Representatives kept per bucket; a newcomer is compared with these only.
const REPRESENTATIVES: usize = 4;

/// The words of `text` that carry meaning: lower case, no stop words, no ids, dates or counts,
/// plurals folded. Returned as sorted, distinct hashes.
pub fn words(text: &str) -> Vec<u64> {
    let mut hashes: Vec<u64> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter_map(|w| {
            let w = w.to_lowercase();
            let digits = w.chars().filter(char::is_ascii_digit).count();
            if STOP_WORDS.contains(&w.as_str()) || (digits > 0 && w.len() > 4) {
                return None;
            }
            // Pure numbers are counts, dates and ids, except three digits (status codes: 502).
            if digits == w.len() && w.len() != 3 {
                return None;
            }
            let folded = match w.strip_suffix('s') {
                Some(stem) if stem.len() > 2 && !stem.ends_with('s') => stem.to_owned(),
                _ => w,
            };
            Some(hash_of(&folded))
        })
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "is", "it", "of",
    "on", "or", "the", "to", "was", "were", "with", "after", "during", "when", "while",
];

/// Jaccard index of two sorted, distinct word sets (0 when both are empty).
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    both as f64 / (a.len() + b.len() - both) as f64
}

/// How alike two texts read, from 0 (nothing shared) to 1 (the same words).
pub fn similarity(a: &str, b: &str) -> f64 {
    jaccard(&words(a), &words(b))
}

/// Groups the incidents that recur: the same alert on one service, or similar text on one
/// service, with at least `params.min_size` incidents within `params.window` of the newest.
/// Groups come out largest first; each incident is in at most one group.
pub fn groups(incidents: &[IncidentSignal], params: &Params) -> Vec<Group> {
    let mut sets = DisjointSets::new(incidents.len());
    let mut by_alert: HashMap<(Option<i64>, &str), usize> = HashMap::new();
    let mut same_alert = vec![false; incidents.len()];
    for (i, incident) in incidents.iter().enumerate() {
        if let Some(fingerprint) = incident.fingerprint.as_deref().filter(|f| !f.is_empty()) {
            let first = *by_alert
                .entry((incident.service_id, fingerprint))
                .or_insert(i);
            if first != i {
                sets.union(first, i);
                same_alert[i] = true;
                same_alert[first] = true;
            }
        }
    }
    // Two word sets per incident: the title alone (short titles alike) and title with summary
    // (long summaries alike); two incidents are alike when either pair is.
    let titles: Vec<Vec<u64>> = incidents.iter().map(|i| words(&i.title)).collect();
    let texts: Vec<Vec<u64>> = incidents
        .iter()
        .map(|i| words(&format!("{} {}", i.title, i.summary)))
        .collect();
    let alike = |a: usize, b: usize| {
        jaccard(&titles[a], &titles[b]).max(jaccard(&texts[a], &texts[b])) >= params.threshold
    };
    let mut buckets: HashMap<(Option<i64>, usize, u64), Vec<usize>> = HashMap::new();
    for i in 0..incidents.len() {
        for (kind, set) in [&titles[i], &texts[i]].into_iter().enumerate() {
            if set.len() < 2 || (kind == 1 && set.len() == titles[i].len()) {
                continue;
            }
            let signature = minhash(set);
            for (band, rows) in signature.chunks(ROWS).enumerate() {
                let key = (
                    incidents[i].service_id,
                    kind * HASHES + band,
                    hash_of(&rows),
                );
                let representatives = buckets.entry(key).or_default();
                let mut joined = false;
                for &r in representatives.iter() {
                    if sets.find(r) == sets.find(i) || alike(r, i) {
                        sets.union(r, i);
                        joined = true;
                        break;
                    }
                }
                if !joined && representatives.len() < REPRESENTATIVES {
                    representatives.push(i);
                }
            }
        }
    }
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..incidents.len() {
        members.entry(sets.find(i)).or_default().push(i);
    }
    let mut groups: Vec<Group> = members
        .into_values()
        .filter_map(|mut group| {
            group.sort_by_key(|&i| (incidents[i].opened_at, incidents[i].id));
            let newest = incidents[*group.last()?].opened_at;
            group.retain(|&i| newest - incidents[i].opened_at <= params.window);
            if group.len() < params.min_size.max(2) {
                return None;
            }
            let reason = if group.iter().all(|&i| same_alert[i]) {
                GroupReason::SameAlert
            } else {
                GroupReason::SimilarText
            };
            Some(Group {
                incident_ids: group.iter().map(|&i| incidents[i].id).collect(),
                service_id: incidents[group[0]].service_id,
                reason,
                first_at: incidents[group[0]].opened_at,
                last_at: newest,
            })
        })
        .collect();
    groups.sort_by(|a, b| {
        b.incident_ids
            .len()
            .cmp(&a.incident_ids.len())
            .then(b.last_at.cmp(&a.last_at))
    });
    groups
}

fn minhash(set: &[u64]) -> [u64; HASHES] {
    let mut signature = [u64::MAX; HASHES];
    for &word in set {
        for (seed, slot) in signature.iter_mut().enumerate() {
            let h = mix(word ^ (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            if h < *slot {
                *slot = h;
            }
        }
    }
    signature
}

/// SplitMix64's finaliser: a cheap, well-spread 64-bit mix.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A hash that is the same in every process (unlike `HashMap`'s random one).
fn hash_of(value: &(impl Hash + ?Sized)) -> u64 {
    let mut hasher = Fnv(0xcbf2_9ce4_8422_2325);
    value.hash(&mut hasher);
    mix(hasher.0)
}

struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Union–find with path halving and union by size.
struct DisjointSets {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl DisjointSets {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: i64) -> DateTime<Utc> {
        "2026-11-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::days(day)
    }

    fn incident(id: i64, service: i64, title: &str, day: i64) -> IncidentSignal {
        IncidentSignal {
            id,
            service_id: Some(service),
            fingerprint: None,
            title: title.into(),
            summary: String::new(),
            opened_at: at(day),
        }
    }

    fn alert(id: i64, service: i64, fingerprint: &str, title: &str, day: i64) -> IncidentSignal {
        IncidentSignal {
            fingerprint: Some(fingerprint.into()),
            ..incident(id, service, title, day)
        }
    }

    fn described(id: i64, title: &str, summary: &str, day: i64) -> IncidentSignal {
        IncidentSignal {
            summary: summary.into(),
            ..incident(id, 1, title, day)
        }
    }

    #[test]
    fn alike_titles_or_alike_summaries_are_enough() {
        let incidents = vec![
            described(
                1,
                "Search autocomplete slow (p99 above 3 s)",
                "Autocomplete lagged during a re-index; search results were fine.",
                0,
            ),
            described(
                2,
                "Search autocomplete slow again (p99 above 3 s)",
                "Autocomplete lagged while the catalog re-indexed, like last time.",
                4,
            ),
            described(
                3,
                "Search autocomplete slow during re-index",
                "p99 of autocomplete above 3 s for 20 minutes during the nightly re-index.",
                8,
            ),
            described(
                4,
                "Search results slow",
                "The cluster lost a node and queries queued behind the rebalance for an hour.",
                9,
            ),
        ];
        let groups = groups(&incidents, &Params::default());
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!(groups[0].incident_ids, vec![1, 2, 3]);
    }

    #[test]
    fn words_ignore_case_stop_words_ids_and_plurals() {
        assert_eq!(
            words("Checkout ERRORS on payments-api"),
            words("checkout error payments api")
        );
        assert_eq!(
            words("Disk full on db-7f3a9c21 at 2026-11-02"),
            words("disk full on db")
        );
        assert_eq!(words("502 from the gateway"), words("gateway 502"));
        assert_ne!(words("502 from the gateway"), words("504 from the gateway"));
        assert!(words("the of and").is_empty());
    }

    #[test]
    fn similarity_is_one_for_the_same_words_and_zero_for_none() {
        assert_eq!(
            similarity("Checkout latency high", "checkout LATENCY high"),
            1.0
        );
        assert_eq!(
            similarity("Checkout latency high", "Search index stale"),
            0.0
        );
        let partial = similarity(
            "Checkout latency high on payments-api",
            "Checkout latency high on payments-api (p99 over 2s)",
        );
        assert!(partial > 0.6 && partial < 1.0, "{partial}");
        assert_eq!(similarity("", ""), 0.0);
    }

    #[test]
    fn the_same_alert_on_one_service_forms_a_group() {
        let incidents = vec![
            alert(1, 1, "abc", "HighLatency", 0),
            alert(2, 1, "abc", "HighLatency firing", 3),
            alert(3, 1, "abc", "Latency alert", 9),
            alert(4, 2, "abc", "HighLatency", 9),
            alert(5, 1, "zzz", "DiskFull", 9),
        ];
        let groups = groups(&incidents, &Params::default());
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].incident_ids, vec![1, 2, 3]);
        assert_eq!(groups[0].reason, GroupReason::SameAlert);
        assert_eq!(groups[0].service_id, Some(1));
        assert_eq!(groups[0].span_days(), 10);
    }

    #[test]
    fn similar_titles_group_and_unrelated_ones_do_not_merge() {
        let incidents = vec![
            incident(1, 1, "Checkout requests time out", 0),
            incident(2, 1, "Search results are stale", 1),
            incident(3, 1, "checkout requests timing out? time out again", 5),
            incident(4, 1, "Checkout requests time out (EU)", 8),
            incident(5, 1, "Login page shows a blank screen", 9),
            incident(6, 1, "Checkout request time out after deploy", 12),
            incident(7, 2, "Checkout requests time out", 12),
            incident(8, 1, "Search results stale", 13),
        ];
        let groups = groups(&incidents, &Params::default());
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!(groups[0].incident_ids, vec![1, 3, 4, 6]);
        assert_eq!(groups[0].reason, GroupReason::SimilarText);
    }

    #[test]
    fn a_group_counts_only_incidents_within_the_window_of_its_newest() {
        let incidents = vec![
            incident(1, 1, "Queue consumer lag grows", 0),
            incident(2, 1, "Queue consumer lag grows", 40),
            incident(3, 1, "Queue consumer lag grows", 50),
        ];
        assert!(groups(&incidents, &Params::default()).is_empty());
        let two = Params {
            min_size: 2,
            ..Params::default()
        };
        assert_eq!(groups(&incidents, &two)[0].incident_ids, vec![2, 3]);
    }

    #[test]
    fn planted_groups_are_found_among_many_unrelated_incidents() {
        let mut incidents = Vec::new();
        let mut id = 0;
        // 2,000 incidents with distinct vocabularies: none may group.
        for n in 0..2_000 {
            id += 1;
            let text = format!("{} {} {}", spell(n), spell(n + 5_000), spell(n + 10_000));
            incidents.push(incident(id, n % 7, &text, n % 20));
        }
        // Three planted groups of five, with small variations.
        let planted = [
            "Payment webhook retries exhausted",
            "Cache eviction storm slows catalog",
            "Certificate renewal failed for ingress",
        ];
        let mut expected = Vec::new();
        for (g, title) in planted.iter().enumerate() {
            let mut ids = Vec::new();
            for k in 0..5 {
                id += 1;
                ids.push(id);
                let text = if k % 2 == 0 {
                    title.to_string()
                } else {
                    format!("{title} again")
                };
                incidents.push(incident(id, 100 + g as i64, &text, k * 2));
            }
            expected.push(ids);
        }
        let groups = groups(&incidents, &Params::default());
        let mut found: Vec<Vec<i64>> = groups.into_iter().map(|g| g.incident_ids).collect();
        found.sort();
        assert_eq!(found, expected);
    }

    /// A distinct word for each number, so unrelated incidents share nothing.
    fn spell(n: i64) -> String {
        let letters = "abcdefghijklmnopqrstuvwxyz".as_bytes();
        let mut n = n as usize + 1;
        let mut word = String::new();
        while n > 0 {
            word.push(letters[n % 26] as char);
            n /= 26;
        }
        format!("z{word}q")
    }
}
