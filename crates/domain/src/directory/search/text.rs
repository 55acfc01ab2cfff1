//! Free text: lower-cased words and an inverted index over them.

use std::collections::HashMap;

use super::bits::{Bits, Postings};

/// Words too common to narrow a search; dropped from queries (still indexed).
const STOP_WORDS: &[&str] = &[
    "a", "about", "an", "and", "are", "as", "at", "be", "by", "for", "from", "i", "in", "is", "it", "me", "my", "of",
    "on", "or", "our", "the", "to", "we", "with", "you", "your",
];

/// Query words at least this long also match as prefixes.
const PREFIX_MIN_CHARS: usize = 3;

/// Splits text into lower-case words of letters and digits. Apostrophes join
/// ("don't" → "dont"); anything else separates.
pub(super) fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_word(text, &mut String::new(), |word| out.push(word.to_string()));
    out
}

/// [`words`] without allocating per word: `f` sees each word in `buffer`.
pub(super) fn for_each_word(text: &str, buffer: &mut String, mut f: impl FnMut(&str)) {
    buffer.clear();
    for c in text.chars() {
        if c.is_alphanumeric() {
            if c.is_ascii() {
                buffer.push(c.to_ascii_lowercase());
            } else {
                buffer.extend(c.to_lowercase());
            }
        } else if c == '\'' || c == '’' {
            continue;
        } else if !buffer.is_empty() {
            f(buffer);
            buffer.clear();
        }
    }
    if !buffer.is_empty() {
        f(buffer);
        buffer.clear();
    }
}

/// The words of a query that narrow it: no stop words, no repeats, in order.
pub(super) fn query_terms(text: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in words(text) {
        if !STOP_WORDS.contains(&word.as_str()) && !terms.contains(&word) {
            terms.push(word);
        }
    }
    terms
}

/// Sorted vocabulary with, for each word, the profiles whose text has it.
#[derive(Debug, Clone, Default)]
pub(super) struct TextIndex {
    vocabulary: Vec<Box<str>>,
    postings: Vec<Postings>,
}

/// The profiles a query word finds.
pub(super) struct TermMatch {
    /// Profiles with a word starting with the term (or equal to it, for short terms).
    pub(super) any: Bits,
    /// Profiles with the term as a whole word.
    pub(super) exact: Bits,
}

/// Collects the words of profiles as they come (`at`: the order they came
/// in), for a [`TextIndex`] once all are there.
#[derive(Debug, Default)]
pub(super) struct TextBuilder {
    /// Words get ids in order of first sight; sorted into a vocabulary at the end.
    ids: HashMap<Box<str>, u32>,
    words: Vec<Box<str>>,
    /// For each word id, the profiles (by arrival) whose texts have it, ascending.
    profiles_of: Vec<Vec<u32>>,
    buffer: String,
    doc_words: Vec<u32>,
}

impl TextBuilder {
    /// The texts of the profile that came `at`-th; call in increasing `at`.
    pub(super) fn add<'a>(&mut self, at: u32, texts: impl IntoIterator<Item = &'a str>) {
        let Self { ids, words, profiles_of, buffer, doc_words } = self;
        doc_words.clear();
        for text in texts {
            for_each_word(text, buffer, |word| {
                let id = match ids.get(word) {
                    Some(&id) => id,
                    None => {
                        let id = words.len() as u32;
                        ids.insert(word.into(), id);
                        words.push(word.into());
                        profiles_of.push(Vec::new());
                        id
                    }
                };
                doc_words.push(id);
            });
        }
        doc_words.sort_unstable();
        doc_words.dedup();
        for &id in doc_words.iter() {
            profiles_of[id as usize].push(at);
        }
    }

    /// The index, with profiles renumbered: `position[at]` is the place of
    /// the `at`-th profile among `len`, or `u32::MAX` if it was left out.
    /// Words only left-out profiles had are not in the vocabulary.
    pub(super) fn finish(self, position: &[u32], len: usize) -> TextIndex {
        let Self { ids, mut words, mut profiles_of, .. } = self;
        drop(ids);
        let mut order: Vec<usize> = (0..words.len()).collect();
        order.sort_unstable_by(|&a, &b| words[a].cmp(&words[b]));
        let mut vocabulary = Vec::with_capacity(order.len());
        let mut postings = Vec::with_capacity(order.len());
        for at in order {
            let profiles = renumber(std::mem::take(&mut profiles_of[at]), position);
            if !profiles.is_empty() {
                vocabulary.push(std::mem::take(&mut words[at]));
                postings.push(Postings::new(profiles, len));
            }
        }
        TextIndex { vocabulary, postings }
    }
}

/// Profiles by arrival → their places, ascending, without the left-out ones.
pub(super) fn renumber(mut profiles: Vec<u32>, position: &[u32]) -> Vec<u32> {
    let mut in_order = true;
    let mut previous = None;
    profiles.retain_mut(|at| {
        let Some(&place) = position.get(*at as usize) else { return false };
        if place == u32::MAX {
            return false;
        }
        *at = place;
        in_order &= previous.is_none_or(|p| p < place);
        previous = Some(place);
        true
    });
    if !in_order {
        profiles.sort_unstable();
    }
    profiles
}

impl TextIndex {
    /// `docs[i]`: the texts of profile `i`.
    #[cfg(test)]
    pub(super) fn build<'a, D>(docs: impl Iterator<Item = D>, len: usize) -> Self
    where
        D: IntoIterator<Item = &'a str>,
    {
        let mut builder = TextBuilder::default();
        for (i, texts) in docs.enumerate() {
            builder.add(i as u32, texts);
        }
        let identity: Vec<u32> = (0..len as u32).collect();
        builder.finish(&identity, len)
    }

    pub(super) fn lookup(&self, term: &str, len: usize) -> TermMatch {
        let mut any = Bits::zeros(len);
        let mut exact = Bits::zeros(len);
        let start = self.vocabulary.partition_point(|w| &**w < term);
        if self.vocabulary.get(start).is_some_and(|w| &**w == term) {
            self.postings[start].or_into(&mut exact);
        }
        if term.chars().count() >= PREFIX_MIN_CHARS {
            let end = start + self.vocabulary[start..].partition_point(|w| w.starts_with(term));
            for postings in &self.postings[start..end] {
                postings.or_into(&mut any);
            }
        } else {
            any.or_with(&exact);
        }
        TermMatch { any, exact }
    }

    pub(super) fn vocabulary_len(&self) -> usize {
        self.vocabulary.len()
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.vocabulary.capacity() * 16
            + self.vocabulary.iter().map(|w| w.len()).sum::<usize>()
            + self.postings.capacity() * std::mem::size_of::<Postings>()
            + self.postings.iter().map(Postings::heap_bytes).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercase_and_split_on_punctuation() {
        assert_eq!(words("Sensate-Focus, CBT & don't Ça"), vec!["sensate", "focus", "cbt", "dont", "ça"]);
        assert_eq!(query_terms("The mindfulness and MINDFULNESS of it"), vec!["mindfulness"]);
    }

    #[test]
    fn long_terms_match_prefixes_short_terms_whole_words() {
        let docs = [["Mindfulness based"], ["mind body"], ["ex-partner"]];
        let index = TextIndex::build(docs.into_iter(), 3);
        let mind = index.lookup("mind", 3);
        assert_eq!(mind.any.ones_iter().collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(mind.exact.ones_iter().collect::<Vec<_>>(), vec![1]);
        let ex = index.lookup("ex", 3);
        assert_eq!(ex.any.ones_iter().collect::<Vec<_>>(), vec![2]);
        assert_eq!(index.lookup("zzz", 3).any.count(), 0);
    }
}
