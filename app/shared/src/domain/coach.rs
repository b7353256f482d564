//! The blameless-language coach: spots wording that assigns blame and suggests a systems framing.
//!
//! It guides, never blocks. Matching runs over a list of words with byte offsets (case-folded,
//! typographic apostrophes folded to `'`), so no regex is needed and the code stays small in wasm.

use std::cmp::Reverse;

use serde::{Deserialize, Serialize};

/// What kind of blame a hint points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HintKind {
    /// A named person presented as the cause: "Bob should have", "caused by Alice".
    NamedPerson,
    /// "Human error" and its relatives.
    HumanError,
    /// Hindsight and counterfactuals: "should have", "obviously".
    Hindsight,
    /// Judging effort or character: "careless", "forgot to".
    Judgement,
    /// Looking for fault or someone to blame.
    Fault,
    /// "Why didn't they…" questions aimed at a person.
    WhyDidnt,
}

impl HintKind {
    /// Why wording of this kind reads as blame.
    pub fn message(self) -> &'static str {
        self.advice().0
    }

    /// A systems framing to use instead.
    pub fn suggestion(self) -> &'static str {
        self.advice().1
    }

    fn advice(self) -> (&'static str, &'static str) {
        match self {
            Self::NamedPerson => (
                "Naming a person as the cause asks who, not what made the action possible.",
                "Describe what they saw and what the system allowed: which safeguard was missing?",
            ),
            Self::HumanError => (
                "\"Human error\" is where the inquiry should start, not where it ends.",
                "Ask what made the slip easy and hard to catch: tooling, defaults, time pressure?",
            ),
            Self::Hindsight => (
                "Hindsight judges a decision by an outcome nobody could see at the time.",
                "Describe what people knew then, and why their actions made sense to them.",
            ),
            Self::Judgement => (
                "This judges someone's effort or character instead of describing what happened.",
                "Ask what made the check easy to skip: was it automated, documented, visible?",
            ),
            Self::Fault => (
                "Looking for fault or someone to blame makes people guard what they share.",
                "Ask which conditions combined to allow this, and what could catch it next time.",
            ),
            Self::WhyDidnt => (
                "\"Why didn't they…\" asks a person to defend themselves, not to explain.",
                "Ask how it looked from where they stood, and what signal could show it sooner.",
            ),
        }
    }
}

/// One piece of blame language found in a text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hint {
    /// Byte offset in the text where the phrase starts (on a char boundary).
    pub start: usize,
    /// Byte offset where the phrase ends, exclusive.
    pub end: usize,
    pub kind: HintKind,
    /// The matched text exactly as written: `text[start..end]`.
    pub phrase: String,
    /// Short: why this reads as blame.
    pub message: String,
    /// A systems framing to use instead.
    pub suggestion: String,
}

use HintKind as K;

/// Phrases that read as blame wherever they appear: lower case, words separated by spaces,
/// alternatives by `|`, `'` for any apostrophe.
const PHRASES: &[(HintKind, &str)] = &[
    (
        K::Hindsight,
        "should have | should've | shouldn't have | should not have | could have | could've | \
         would have | would've | ought to have | if only | if they had | if he had | if she had | \
         had they | had he | had she | obviously | clearly should | clearly should have | \
         it was obvious | it's obvious | should have known better",
    ),
    (
        K::Judgement,
        "failed to | neglected to | forgot to | didn't bother | did not bother | didn't notice | \
         did not notice | didn't check | did not check | didn't think | wasn't paying attention | \
         not paying attention | should know better | ignored the warning | ignored the warnings | \
         careless | carelessly | carelessness | negligent | negligently | negligence | sloppy | \
         lazy | incompetent | incompetence | reckless | recklessly | stupid | dumb mistake | \
         silly mistake | rookie mistake | messed up | screwed up | dropped the ball | botched",
    ),
    (
        K::HumanError,
        "human error | human errors | human-error | operator error | operator errors | \
         user error | pilot error | pebcak | pebkac | fat-fingered | fat fingered",
    ),
];

/// What may follow a name to present that person as the cause ("Alice broke", "Dave didn't").
const NAME_VERBS: &str = "broke | caused | forgot | missed | ignored | overlooked | neglected | \
    botched | fat-fingered | never | didn't | did not | made a mistake | made an error | \
    made the mistake | should've | could've | would've";

/// What may come before a person to present them as the cause ("caused by Bob").
const CAUSED_BY: &str =
    "caused by | because of | fault of | root cause was | root cause is | blame | blamed | blaming";

// Word lists, separated by spaces.

/// What someone's possessive may own to read as blame ("Mallory's mistake", "his mistake").
const MISTAKES: &str =
    "mistake mistakes blunder screw-up screwup oversight negligence carelessness";

/// Capitalised words that are not people: pronouns, determiners, common sentence starts, teams,
/// systems, weekdays and months.
const NOT_NAMES: &str = "the a an we it they this that these those our their his her he she i \
    you your my its someone somebody nobody no none everyone everybody anyone anybody nothing \
    everything something there then when if but and or so also because since after before during \
    while once until as at on in by for from with without to of who what which why how where each \
    every all both either neither some many most several maybe perhaps clearly obviously \
    unfortunately ideally here now today yesterday tomorrow tonight later earlier still just only \
    even yes please note again eventually finally first next meanwhile however instead otherwise \
    therefore although though one another not never always sometimes customers users people team \
    teams management leadership engineering security ops support on-call oncall engineer engineers \
    operator traffic load memory disk cache database config deploy deploys rollout release change \
    alert alerts monitoring alerting pipeline build script automation staging prod failover backup \
    backups queue worker workers timeout timeouts error errors outage incident system systems \
    service services code server servers cluster network nginx postgres redis kubernetes terraform \
    monday tuesday wednesday thursday friday saturday sunday january february march april may june \
    july august september october november december";

/// Endings of longer capitalised words that are almost always things ("Retries", "Deployment").
const THING_ENDINGS: &str = "ing tion sion ment ness ies ency ancy age ts ks ps cs";

/// Words that make the next capitalised word part of a noun phrase ("the Payments team").
const DETERMINERS: &str = "the a an our their your his her its this that my";

/// Pronouns that stand for people.
const PERSON_PRONOUNS: &str = "he she they you i anyone anybody someone somebody nobody";

/// Nouns for people by their role ("the on-call engineer", "the intern").
const ROLES: &str = "engineer engineers operator operators developer developers dev devs reviewer \
    reviewers author intern interns admin admins administrator sre sres on-call oncall on-caller \
    responder responders person owner contractor employee manager";

/// "X failed to start" describes a machine, not a person.
const MACHINE_VERBS: &str = "start connect load resolve respond parse compile bind allocate boot \
    mount acquire open read write authenticate initialize initialise launch converge schedule \
    serialize deserialize reach renew sync replicate elect restart complete";

/// After "should/could/would have": possession or obligation ("should have an owner").
const NOT_HINDSIGHT_NEXT: &str =
    "a an the no some any to more less fewer enough its their our one two at alerts tests access";

/// Technical uses of "fault": "fault tolerance", "page fault", "a fault in the PSU".
const FAULT_TECH_NEXT: &str = "tolerance tolerant injection injector domain domains isolation \
    line lines handler handling code codes detection tree condition status zone zones localization";
const FAULT_TECH_PREV: &str = "segmentation seg page protection general bus double triple \
    hardware ground transient network memory hard soft minor major a no nobody's anyone's";

/// Uses of "blame" about version control or its absence: "git blame", "the blame view".
const BLAME_TECH_PREV: &str = "git svn hg no without";
const BLAME_TECH_NEXT: &str = "view output annotation annotations log page tab info command";

/// Words that deny the blame that follows: "not his fault", "nobody is to blame".
const NEGATIONS: &str = "not no never nobody isn't wasn't weren't don't";

/// "User error rate" is a metric, not a verdict.
const ERROR_METRICS: &str = "rate rates ratio count counts code codes budget metric metrics";

/// Contractions often typed without their apostrophe, and how they are spelled with it.
const UNAPOSTROPHED: &str = "didn't wasn't weren't hadn't should've could've would've shouldn't";

/// Is `word` one of the space-separated `list`?
fn has(list: &str, word: &str) -> bool {
    list.split_whitespace().any(|w| w == word)
}

/// One word of the text: its byte range and its folded form.
struct Word {
    start: usize,
    end: usize,
    norm: String,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Apostrophes and hyphens join two word characters into one word ("didn’t", "fault-tolerant").
fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | 'ʼ' | '-' | '‐' | '‑')
}

fn tokenize(text: &str) -> Vec<Word> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let word_at = |j: usize| chars.get(j).is_some_and(|&(_, c)| is_word_char(c));
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !word_at(i) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while word_at(j) || (chars.get(j).is_some_and(|&(_, c)| is_joiner(c)) && word_at(j + 1)) {
            j += 1;
        }
        let (start, end) = (chars[i].0, chars.get(j).map_or(text.len(), |&(b, _)| b));
        let mut norm = text[start..end].to_lowercase();
        norm = norm.replace(['’', '‘', 'ʼ'], "'").replace(['‐', '‑'], "-");
        if let Some(full) = UNAPOSTROPHED
            .split_whitespace()
            .find(|f| f.replace('\'', "") == norm)
        {
            norm = full.to_string();
        }
        words.push(Word { start, end, norm });
        i = j;
    }
    words
}

/// A hint before it is turned into byte offsets: the indices of its first and last words.
struct Candidate {
    first: usize,
    last: usize,
    kind: HintKind,
}

fn candidate(first: usize, last: usize, kind: HintKind) -> Candidate {
    Candidate { first, last, kind }
}

/// The text as words, with the lookups every rule needs.
struct Words<'a> {
    text: &'a str,
    list: Vec<Word>,
}

impl Words<'_> {
    fn norm(&self, i: usize) -> &str {
        self.list.get(i).map_or("", |w| w.norm.as_str())
    }

    /// The word before `i`, whatever separates them.
    fn prev(&self, i: usize) -> &str {
        i.checked_sub(1).map_or("", |p| self.norm(p))
    }

    /// True when words `i` and `i + 1` both exist and only whitespace separates them.
    fn tight(&self, i: usize) -> bool {
        match (self.list.get(i), self.list.get(i + 1)) {
            (Some(a), Some(b)) => self.text[a.end..b.start].chars().all(char::is_whitespace),
            _ => false,
        }
    }

    /// If the words of `pattern` follow from `i` on, only whitespace between: the last one's index.
    fn seq(&self, i: usize, pattern: &str) -> Option<usize> {
        let mut last = None;
        for (k, p) in pattern.split_whitespace().enumerate() {
            if self.norm(i + k) != p || (k > 0 && !self.tight(i + k - 1)) {
                return None;
            }
            last = Some(i + k);
        }
        last
    }

    /// The longest of the `|`-separated `patterns` that follows from `i` on.
    fn longest(&self, i: usize, patterns: &str) -> Option<usize> {
        patterns.split('|').filter_map(|p| self.seq(i, p)).max()
    }

    fn possessive(&self, i: usize) -> bool {
        let w = self.norm(i);
        let contractions = "it's that's what's there's here's who's he's she's let's";
        (w.ends_with("'s") && !has(contractions, w)) || w.ends_with("s'")
    }

    /// Does word `i` look like a person's name? Capitalised, not all caps, not a stop word.
    fn is_name(&self, i: usize) -> bool {
        let Some(word) = self.list.get(i) else {
            return false;
        };
        let raw = &self.text[word.start..word.end];
        let base = ["'s", "’s", "ʼs"]
            .iter()
            .find_map(|s| raw.strip_suffix(s))
            .unwrap_or(raw);
        let lower = base.to_lowercase();
        let chars: Vec<char> = base.chars().collect();
        // Letters and hyphens ("Jean-Luc"), or an apostrophe as in "O'Brien".
        let irish = |k: usize| k == 1 && chars.get(2).is_some_and(|c| c.is_uppercase());
        let letters = chars
            .iter()
            .enumerate()
            .all(|(k, &c)| c.is_alphabetic() || c == '-' || (matches!(c, '\'' | '’') && irish(k)));
        let thing = lower.chars().count() >= 6
            && THING_ENDINGS.split_whitespace().any(|e| lower.ends_with(e));
        let after_determiner = i > 0 && self.tight(i - 1) && has(DETERMINERS, self.prev(i));
        chars.first().is_some_and(|c| c.is_uppercase())
            && chars.iter().skip(1).any(|c| c.is_lowercase())
            && letters
            && !has(NOT_NAMES, &lower)
            && !has(ROLES, &lower)
            && !thing
            && !after_determiner
    }

    /// A person from word `i` on ("they", "Alice", "the on-call engineer"): their last word.
    fn person(&self, i: usize) -> Option<usize> {
        let w = self.norm(i);
        if has(PERSON_PRONOUNS, w) || has(ROLES, w) || self.is_name(i) {
            return Some(i);
        }
        if !has(DETERMINERS, w) || !self.tight(i) {
            return None;
        }
        if self.tight(i + 1) && has(ROLES, self.norm(i + 2)) {
            return Some(i + 2);
        }
        has(ROLES, self.norm(i + 1)).then_some(i + 1)
    }

    /// Is the phrase at `first` denied just before it ("not his fault", "nobody is to blame")?
    fn negated(&self, first: usize) -> bool {
        [first.checked_sub(1), first.checked_sub(2)]
            .into_iter()
            .flatten()
            .any(|b| has(NEGATIONS, self.norm(b)))
    }

    /// The exceptions to the phrase table.
    fn phrase_allowed(&self, first: usize, last: usize) -> bool {
        let next = self.norm(last + 1);
        if self.norm(last).starts_with("error") && has(ERROR_METRICS, next) {
            return false;
        }
        match self.norm(first) {
            "failed" => !has(MACHINE_VERBS, next),
            "should" | "could" | "would" if self.norm(last) == "have" => {
                !has(NOT_HINDSIGHT_NEXT, next)
            }
            // "had they" only at the start of a clause: not "what alerts had they seen".
            "had" => first == 0 || !self.tight(first - 1),
            // "if only we had…", not "if only one replica is down".
            "if" if self.norm(first + 1) == "only" => {
                let person = has(PERSON_PRONOUNS, next) || next == "we" || self.is_name(last + 1);
                self.tight(last) && (person || next.ends_with("'d"))
            }
            _ => true,
        }
    }

    /// "his fault", "at fault", "the config's fault", "the fault of…".
    fn fault(&self, i: usize) -> Option<Candidate> {
        let prev = self.prev(i);
        let no_one = prev == "one's" && i >= 2 && self.norm(i - 2) == "no";
        if self.norm(i) != "fault"
            || has(FAULT_TECH_NEXT, self.norm(i + 1))
            || has(FAULT_TECH_PREV, prev)
            || no_one
        {
            return None;
        }
        let owner =
            has("his her their my your whose who's at", prev) || (i > 0 && self.possessive(i - 1));
        let first = if owner && self.tight(i - 1) { i - 1 } else { i };
        (!self.negated(first)).then(|| candidate(first, i, K::Fault))
    }

    fn blame_allowed(&self, i: usize) -> bool {
        has("blame blamed blames blaming", self.norm(i))
            && !has(BLAME_TECH_PREV, self.prev(i))
            && !has(BLAME_TECH_NEXT, self.norm(i + 1))
    }

    /// "who is to blame", "blamed".
    fn blame(&self, i: usize) -> Option<Candidate> {
        let to = i > 0 && self.prev(i) == "to" && self.tight(i - 1);
        let first = if to { i - 1 } else { i };
        (self.blame_allowed(i) && !self.negated(first)).then(|| candidate(first, i, K::Fault))
    }

    /// "Why didn't they…", "why did Alice not…", "why did nobody…".
    fn why_didnt(&self, i: usize) -> Option<Candidate> {
        if self.norm(i) != "why" || !self.tight(i) {
            return None;
        }
        let negative = "didn't wasn't weren't hadn't hasn't haven't couldn't wouldn't";
        let last = if has(negative, self.norm(i + 1)) && self.tight(i + 1) {
            self.person(i + 2)?
        } else if let Some(last) = self.longest(i + 1, "did nobody | did no one") {
            last
        } else if let Some(not) = self.seq(i + 1, "did not").filter(|&not| self.tight(not)) {
            self.person(not + 1)?
        } else if self.norm(i + 1) == "did" && self.tight(i + 1) {
            let who = self.person(i + 2)?;
            self.seq(who + 1, "not").filter(|_| self.tight(who))?
        } else {
            return None;
        };
        Some(candidate(i, last, K::WhyDidnt))
    }

    /// "Mallory's mistake", "his mistake", "the engineer's mistake".
    fn mistake(&self, i: usize) -> Option<Candidate> {
        let owner = self.possessive(i) || has("his her their your", self.norm(i));
        let noun = self.norm(i + 1);
        let name = self.is_name(i);
        let owned = has(MISTAKES, noun) || (name && has("fault error", noun));
        let kind = if name { K::NamedPerson } else { K::Judgement };
        (owner && owned && self.tight(i) && !self.negated(i)).then(|| candidate(i, i + 1, kind))
    }

    /// "caused by Bob" (a named person) or "caused by the intern" (a role).
    fn caused_by(&self, i: usize) -> Option<Candidate> {
        if self.norm(i).starts_with("blam") && !self.blame_allowed(i) {
            return None;
        }
        let by = self.longest(i, CAUSED_BY)?;
        if !self.tight(by) || self.negated(i) {
            return None;
        }
        if self.is_name(by + 1) {
            return Some(candidate(i, by + 1, K::NamedPerson));
        }
        let role = self.person(by + 1).filter(|&r| has(ROLES, self.norm(r)))?;
        Some(candidate(i, role, K::Fault))
    }
}

/// Every hint in `text`, ordered by start, never overlapping.
pub fn review(text: &str) -> Vec<Hint> {
    let words = Words {
        text,
        list: tokenize(text),
    };
    let n = words.list.len();
    let mut found = Vec::new();
    for i in 0..n {
        for (kind, patterns) in PHRASES {
            let matches = patterns.split('|').filter_map(|p| words.seq(i, p));
            let allowed = matches.filter(|&last| words.phrase_allowed(i, last));
            found.extend(allowed.map(|last| candidate(i, last, *kind)));
        }
        let rules = [
            words.fault(i),
            words.blame(i),
            words.why_didnt(i),
            words.mistake(i),
            words.caused_by(i),
        ];
        found.extend(rules.into_iter().flatten());
    }
    // A name directly before a blame verb or a phrase of several words: one hint covering both
    // ("Bob should have"). Not single words: "Pure negligence" names nobody.
    for i in (0..n).filter(|&i| words.tight(i) && !words.possessive(i) && words.is_name(i)) {
        let merged = [K::Hindsight, K::Judgement, K::HumanError];
        let after = found
            .iter()
            .filter(|c| c.first == i + 1 && c.last > c.first && merged.contains(&c.kind));
        let phrase = after.map(|c| c.last).max();
        if let Some(last) = phrase.max(words.longest(i + 1, NAME_VERBS)) {
            found.push(candidate(i, last, K::NamedPerson));
        }
    }
    // Earliest first, then longest, a named person before anything else on the same words.
    found.sort_by_key(|c| (c.first, Reverse(c.last), c.kind != K::NamedPerson));
    let mut hints = Vec::new();
    let mut free = 0;
    for c in found {
        if c.first < free {
            continue;
        }
        free = c.last + 1;
        let (start, end) = (words.list[c.first].start, words.list[c.last].end);
        hints.push(Hint {
            start,
            end,
            kind: c.kind,
            phrase: text[start..end].to_string(),
            message: c.kind.message().to_string(),
            suggestion: c.kind.suggestion().to_string(),
        });
    }
    hints
}

/// The text cut into pieces for display: each piece with the index of the hint it belongs to, if any.
///
/// Hints out of range, off a char boundary or overlapping an earlier one are skipped, so the
/// pieces always join back into `text`.
pub fn segments(text: &str, hints: &[Hint]) -> Vec<(String, Option<usize>)> {
    let mut pieces = Vec::new();
    let mut pos = 0;
    for (index, hint) in hints.iter().enumerate() {
        let (Some(before), Some(phrase)) =
            (text.get(pos..hint.start), text.get(hint.start..hint.end))
        else {
            continue;
        };
        if !before.is_empty() {
            pieces.push((before.to_string(), None));
        }
        if !phrase.is_empty() {
            pieces.push((phrase.to_string(), Some(index)));
        }
        pos = hint.end;
    }
    if pos < text.len() {
        pieces.push((text[pos..].to_string(), None));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kind and phrase of every hint, after checking offsets, phrases and order.
    fn found(text: &str) -> Vec<(HintKind, &str)> {
        let hints = review(text);
        for pair in hints.windows(2) {
            assert!(
                pair[0].end <= pair[1].start,
                "overlap or disorder: {hints:?}"
            );
        }
        let pairs = hints.iter().map(|h| (h.kind, &text[h.start..h.end]));
        assert!(hints.iter().all(|h| text[h.start..h.end] == h.phrase));
        pairs.collect()
    }

    fn one(text: &str, kind: HintKind, phrase: &str) {
        assert_eq!(found(text), [(kind, phrase)], "in {text:?}");
    }

    fn phrases(text: &str) -> Vec<&str> {
        found(text).into_iter().map(|(_, p)| p).collect()
    }

    fn kinds(text: &str) -> Vec<HintKind> {
        found(text).into_iter().map(|(k, _)| k).collect()
    }

    fn named(text: &str, phrase: &str) {
        one(text, K::NamedPerson, phrase);
    }

    fn human_error(text: &str, phrase: &str) {
        one(text, K::HumanError, phrase);
    }

    fn hindsight(text: &str, phrase: &str) {
        one(text, K::Hindsight, phrase);
    }

    fn judgement(text: &str, phrase: &str) {
        one(text, K::Judgement, phrase);
    }

    fn fault(text: &str, phrase: &str) {
        one(text, K::Fault, phrase);
    }

    fn why_didnt(text: &str, phrase: &str) {
        one(text, K::WhyDidnt, phrase);
    }

    fn clean(text: &str) {
        assert_eq!(found(text), [], "{text:?} should raise no hint");
    }

    #[test]
    fn should_have_is_hindsight() {
        hindsight("They should have checked the graph.", "should have");
    }

    #[test]
    fn should_ve_with_a_typographic_apostrophe_is_hindsight() {
        hindsight("We should’ve rolled back.", "should’ve");
    }

    #[test]
    fn could_have_and_would_have_are_two_hints() {
        let text = "It could have been caught; a canary would have helped.";
        assert_eq!(phrases(text), ["could have", "would have"]);
        assert_eq!(kinds(text), [K::Hindsight, K::Hindsight]);
    }

    #[test]
    fn ought_to_have_is_hindsight() {
        hindsight("someone ought to have looked", "ought to have");
    }

    #[test]
    fn if_only_and_if_they_had_are_hindsight() {
        hindsight("If only we had waited.", "If only");
        hindsight("If they had waited, fine.", "If they had");
    }

    #[test]
    fn had_they_at_the_start_of_a_clause_is_hindsight() {
        hindsight("Had they paged earlier, it was over.", "Had they");
    }

    #[test]
    fn obviously_and_it_was_obvious_are_hindsight() {
        assert_eq!(
            phrases("It was obvious. Obviously."),
            ["It was obvious", "Obviously"]
        );
    }

    #[test]
    fn clearly_should_have_is_one_hint() {
        hindsight("they clearly should have known", "clearly should have");
    }

    #[test]
    fn a_line_break_inside_a_phrase_still_matches() {
        hindsight("they should\n   have known", "should\n   have");
        judgement("we dropped\r\nthe\tball", "dropped\r\nthe\tball");
    }

    #[test]
    fn mixed_case_matches() {
        hindsight("they SHOULD Have", "SHOULD Have");
        judgement("Pure NEGLIGENCE.", "NEGLIGENCE");
    }

    #[test]
    fn the_deploy_should_have_been_gated_is_hindsight_not_a_name() {
        hindsight("The deploy should have been gated.", "should have");
        hindsight("Monitoring should have caught it.", "should have");
        hindsight("SEV1 should have been declared.", "should have");
    }

    #[test]
    fn failed_to_neglected_to_and_forgot_to_are_judgement() {
        let text = "The on-call failed to escalate, neglected to page and forgot\nto log it.";
        assert_eq!(phrases(text), ["failed to", "neglected to", "forgot\nto"]);
        assert_eq!(kinds(text), [K::Judgement; 3]);
    }

    #[test]
    fn didnt_notice_with_a_typographic_apostrophe_is_judgement() {
        judgement("they didn’t notice the alert", "didn’t notice");
        judgement("they didn't bother", "didn't bother");
    }

    #[test]
    fn judgement_words_are_each_a_hint() {
        let text = "A careless, sloppy, lazy and reckless change; pure negligence.";
        let words = ["careless", "sloppy", "lazy", "reckless", "negligence"];
        assert_eq!(phrases(text), words);
    }

    #[test]
    fn idioms_of_judgement_are_hints() {
        let text = "a dumb mistake: we messed up, they screwed up and dropped the ball";
        let idioms = [
            "dumb mistake",
            "messed up",
            "screwed up",
            "dropped the ball",
        ];
        assert_eq!(phrases(text), idioms);
    }

    #[test]
    fn the_engineers_mistake_is_judgement() {
        judgement("It was the engineer's mistake.", "engineer's mistake");
        judgement("his mistake", "his mistake");
    }

    #[test]
    fn human_operator_and_user_error_and_pebcak_are_human_error() {
        let text = "Root cause: human error. Operator error, user error, PEBCAK.";
        assert_eq!(kinds(text), [K::HumanError; 4]);
    }

    #[test]
    fn human_error_with_a_unicode_hyphen_is_human_error() {
        human_error("a human‐error", "human‐error");
    }

    #[test]
    fn his_fault_and_at_fault_are_fault() {
        let text = "It was his fault. Their fault. The team at fault. Whose fault?";
        assert_eq!(
            phrases(text),
            ["his fault", "Their fault", "at fault", "Whose fault"]
        );
        assert_eq!(kinds(text), [K::Fault; 4]);
    }

    #[test]
    fn the_fault_of_something_is_fault() {
        fault("it was the fault of the release", "fault");
        fault("the config's fault", "config's fault");
    }

    #[test]
    fn who_is_to_blame_is_fault() {
        fault("Who is to blame?", "to blame");
        fault("They blamed the intern.", "blamed the intern");
        fault(
            "caused by the on-call engineer",
            "caused by the on-call engineer",
        );
    }

    #[test]
    fn why_didnt_they_is_why_didnt() {
        why_didnt("Why didn't they page the DB team?", "Why didn't they");
        why_didnt("Why didn’t Bob roll back?", "Why didn’t Bob");
    }

    #[test]
    fn why_didnt_without_an_apostrophe_is_why_didnt() {
        why_didnt("why didnt you ask", "why didnt you");
    }

    #[test]
    fn why_did_a_person_not_is_why_didnt() {
        why_didnt("Why did Alice not roll back?", "Why did Alice not");
    }

    #[test]
    fn why_did_nobody_and_no_one_are_why_didnt() {
        let text = "why did nobody notice? Why did no one ask?";
        assert_eq!(phrases(text), ["why did nobody", "Why did no one"]);
        assert_eq!(kinds(text), [K::WhyDidnt; 2]);
    }

    #[test]
    fn why_wasnt_the_on_call_engineer_is_why_didnt() {
        let text = "Why wasn't the on-call engineer watching?";
        why_didnt(text, "Why wasn't the on-call engineer");
    }

    #[test]
    fn a_named_person_with_should_have_is_one_hint() {
        named("Bob should have checked.", "Bob should have");
        named(
            "Chris should have known better.",
            "Chris should have known better",
        );
    }

    #[test]
    fn a_named_person_with_a_blame_verb_is_named_person() {
        named("Alice broke the build.", "Alice broke");
        named("Eve caused the outage.", "Eve caused");
        named("Dave didn’t run tests.", "Dave didn’t");
    }

    #[test]
    fn a_named_person_with_forgot_to_covers_the_whole_phrase() {
        named("Yesterday Carol forgot to renew it.", "Carol forgot to");
        named("Dave didn't bother", "Dave didn't bother");
        named("Jean-Luc forgot to merge", "Jean-Luc forgot to");
        named("O’Brien forgot to merge", "O’Brien forgot to");
    }

    #[test]
    fn a_possessive_name_with_mistake_or_fault_is_named_person() {
        named("Mallory's mistake", "Mallory's mistake");
        named("it was Bob’s fault", "Bob’s fault");
    }

    #[test]
    fn caused_by_a_name_is_named_person() {
        let text = "It was caused by Bob, because of Alice; the root cause was Carol.";
        let causes = ["caused by Bob", "because of Alice", "root cause was Carol"];
        assert_eq!(phrases(text), causes);
        assert_eq!(kinds(text), [K::NamedPerson; 3]);
        named("the fault of Bob", "fault of Bob");
        named("blame Bob", "blame Bob");
    }

    #[test]
    fn multi_byte_characters_before_a_hint_keep_offsets_right() {
        hindsight("Zoë's deploy should have been gated", "should have");
        named("Zoë forgot to merge", "Zoë forgot to");
        named("🔥🔥 Bob dropped the ball 🔥", "Bob dropped the ball");
        assert_eq!(review("né — Éric broke it")[0].start, "né — ".len());
    }

    #[test]
    fn several_hints_come_in_order_without_overlap() {
        let text =
            "Bob should have known. Human error, obviously.\nWhy didn't they check? Careless.";
        let expected = [
            K::NamedPerson,
            K::HumanError,
            K::Hindsight,
            K::WhyDidnt,
            K::Judgement,
        ];
        assert_eq!(kinds(text), expected);
    }

    #[test]
    fn each_kind_has_its_own_message_and_suggestion() {
        let all = [
            K::NamedPerson,
            K::HumanError,
            K::Hindsight,
            K::Judgement,
            K::Fault,
            K::WhyDidnt,
        ];
        for (n, a) in all.iter().enumerate() {
            for b in &all[n + 1..] {
                assert!(a.message() != b.message() && a.suggestion() != b.suggestion());
            }
        }
        let hint = &review("human error")[0];
        assert_eq!(hint.message, K::HumanError.message());
        assert_eq!(hint.suggestion, K::HumanError.suggestion());
    }

    #[test]
    fn fault_tolerance_is_not_blame() {
        clean("We improved fault tolerance: fault-tolerant replicas, fault tolerant by design.");
    }

    #[test]
    fn fault_injection_domains_and_isolation_are_not_blame() {
        clean("Fault injection covers each fault domain; fault isolation held.");
        clean("The fault line runs through the fault_domain config.");
    }

    #[test]
    fn default_and_defaults_are_not_blame() {
        clean("The default is 30s and the client defaults to retries.");
    }

    #[test]
    fn git_blame_is_not_blame() {
        clean("The blame view in git and git blame showed the change.");
    }

    #[test]
    fn a_blameless_review_is_not_blame() {
        clean("We ran a blameless review.");
    }

    #[test]
    fn faulty_hardware_is_not_blame() {
        clean("A faulty disk was replaced.");
    }

    #[test]
    fn segmentation_and_page_faults_are_not_blame() {
        clean("A segmentation fault, then page faults rose; a page fault storm and a seg fault.");
    }

    #[test]
    fn a_fault_in_hardware_and_nobodys_fault_are_not_blame() {
        clean("There was a fault in the power supply. It was nobody's fault, no one's fault.");
    }

    #[test]
    fn denying_fault_or_blame_is_not_blame() {
        clean("It was not his fault, not Bob's fault. Nobody is to blame. Don't blame Alice.");
        clean("It was not caused by Alice.");
    }

    #[test]
    fn error_rates_are_not_human_error() {
        clean("The user error rate and operator error codes were normal.");
    }

    #[test]
    fn words_containing_phrases_are_not_blame() {
        clean("The shoulder of the curve; failover worked; shouldhave is not a word.");
    }

    #[test]
    fn things_failing_are_not_blame() {
        clean("The job failed. The deploy failed at 10:02. The job failed to start.");
    }

    #[test]
    fn errors_rising_are_not_blame() {
        clean("Errors rose to 5% at 10:04.");
    }

    #[test]
    fn human_readable_is_not_blame() {
        clean("The logs are human-readable.");
    }

    #[test]
    fn weekdays_and_months_are_not_names() {
        clean("Monday we rolled back. In March the pipeline broke nothing. Friday didn't help.");
    }

    #[test]
    fn all_caps_tokens_are_not_names() {
        clean("SEV1 declared. DNS caused a delay. API never responded.");
    }

    #[test]
    fn advice_about_the_future_is_not_blame() {
        clean("We should add a check. Every service should have an owner.");
    }

    #[test]
    fn an_empty_text_has_no_hints() {
        clean("");
        clean(" \n\t ");
        assert_eq!(segments("", &[]), []);
    }

    #[test]
    fn plain_technical_prose_is_not_blame() {
        clean(
            "At 09:58 the primary ran out of disk. Replication lagged, the replica was promoted \
             and traffic recovered by 10:20. We will add an alert on free space.",
        );
    }

    #[test]
    fn why_questions_about_systems_are_not_blame() {
        clean("Why didn't the alert fire? Why wasn't the page routed?");
    }

    #[test]
    fn a_name_with_an_ordinary_verb_is_not_blame() {
        clean("Alice deployed the fix at 10:02 and Bob should review the runbook.");
    }

    #[test]
    fn capitalised_things_at_a_sentence_start_are_not_names() {
        clean("Retries caused a thundering herd. The Payments team ignored nothing.");
        judgement("Devs forgot to tag it. I'm sure.", "forgot to");
    }

    #[test]
    fn if_only_about_quantities_is_not_hindsight() {
        clean("It pages if only one replica is down.");
    }

    #[test]
    fn had_they_inside_a_question_is_not_hindsight() {
        clean("What alerts had they seen by then?");
    }

    #[test]
    fn couldnt_have_known_is_not_blame() {
        clean("We couldn't have known the cache was cold.");
    }

    #[test]
    fn segments_reassemble_the_text_and_mark_the_hints() {
        let text = "Zoë: Bob should have checked; human error.";
        let pieces = segments(text, &review(text));
        assert_eq!(
            pieces.iter().map(|(s, _)| s.as_str()).collect::<String>(),
            text
        );
        let marked: Vec<_> = pieces
            .iter()
            .filter_map(|(s, i)| Some((s.as_str(), (*i)?)))
            .collect();
        assert_eq!(marked, [("Bob should have", 0), ("human error", 1)]);
        assert_eq!(pieces[0], ("Zoë: ".to_string(), None));
        assert_eq!(pieces.last().unwrap(), &(".".to_string(), None));
    }

    #[test]
    fn segments_without_hints_is_the_whole_text() {
        assert_eq!(segments("all good", &[]), [("all good".to_string(), None)]);
    }

    #[test]
    fn segments_skip_hints_that_do_not_fit_the_text() {
        let mut hints = review("Obviously fine.");
        hints.push(Hint {
            start: 3,
            end: 99,
            ..hints[0].clone()
        });
        let pieces = segments("Obviously fine.", &hints);
        let expected = [
            ("Obviously".to_string(), Some(0)),
            (" fine.".to_string(), None),
        ];
        assert_eq!(pieces, expected);
    }

    #[test]
    fn hints_serialize_for_the_browser() {
        let hint = &review("Bob forgot to")[0];
        let json = serde_json::to_string(hint).unwrap();
        assert_eq!(&serde_json::from_str::<Hint>(&json).unwrap(), hint);
    }
}
