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

impl TextIndex {
    /// `docs[i]`: the texts of profile `i`.
    pub(super) fn build<'a, D>(docs: impl Iterator<Item = D>, len: usize) -> Self
    where
        D: IntoIterator<Item = &'a str>,
    {
        // Words get ids in order of first sight; sorted into a vocabulary at the end.
        let mut ids: HashMap<Box<str>, u32> = HashMap::new();
        let mut words: Vec<Box<str>> = Vec::new();
        let mut profiles_of: Vec<Vec<u32>> = Vec::new();
        let mut buffer = String::new();
        let mut doc_words: Vec<u32> = Vec::new();
        for (i, texts) in docs.enumerate() {
            doc_words.clear();
            for text in texts {
                for_each_word(text, &mut buffer, |word| {
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
            for &id in &doc_words {
                profiles_of[id as usize].push(i as u32);
            }
        }
        drop(ids);
        let mut order: Vec<usize> = (0..words.len()).collect();
        order.sort_unstable_by(|&a, &b| words[a].cmp(&words[b]));
        let mut vocabulary = Vec::with_capacity(order.len());
        let mut postings = Vec::with_capacity(order.len());
        for at in order {
            vocabulary.push(std::mem::take(&mut words[at]));
            postings.push(Postings::new(std::mem::take(&mut profiles_of[at]), len));
        }
        Self { vocabulary, postings }
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
