//! What a person types, parsed: words (all must match, each by its stem), "quoted phrases"
//! (the words in order), `-words` (must not match), and the last word, while it is being typed,
//! matched as a prefix. Only letters and digits reach the databases' query languages.
//!
//! Norwegian first, English second: a search matches a text when all of it matches by Norwegian
//! stems, or all of it by English stems (or, on PostgreSQL, the words as written, for names).

use migration::search_terms::{english_stem, stem, words};

/// A parsed search; the words are kept as typed (lowercased), each language stems them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Search {
    /// Words every hit has.
    pub all: Vec<String>,
    /// Phrases (words in order) every hit has.
    pub phrases: Vec<Vec<String>>,
    /// Words no hit has.
    pub none: Vec<String>,
    /// The word being typed: a hit has a word beginning with it.
    pub prefix: Option<String>,
}

/// A language's stemmer.
type Stemmer = fn(&str) -> String;

impl Search {
    /// Parses `input`; the last word is a prefix unless the input ends with a space or quote.
    pub fn parse(input: &str) -> Self {
        let mut search = Self::default();
        let typing = input.chars().last().is_some_and(|c| c.is_alphanumeric());
        let mut quoted = false;
        let mut loose: Vec<String> = Vec::new();
        for part in input.split('"') {
            if quoted {
                let phrase: Vec<String> = words(part).collect();
                match phrase.len() {
                    0 => {}
                    1 => search.all.extend(phrase),
                    _ => search.phrases.push(phrase),
                }
            } else {
                for token in part.split_whitespace() {
                    if let Some(excluded) = token.strip_prefix('-') {
                        search.none.extend(words(excluded));
                    } else {
                        let parts: Vec<String> = words(token).collect();
                        if parts.len() > 1 {
                            search.phrases.push(parts);
                        } else {
                            loose.extend(parts);
                        }
                    }
                }
            }
            quoted = !quoted;
        }
        // An unclosed quote's words are plain words.
        if typing
            && input.matches('"').count().is_multiple_of(2)
            && let Some(last) = loose.pop()
        {
            search.prefix = Some(last);
        }
        search.all.extend(loose);
        search
    }

    /// Whether anything must match (a search of only exclusions finds nothing).
    pub fn is_empty(&self) -> bool {
        self.all.is_empty() && self.phrases.is_empty() && self.prefix.is_none()
    }

    /// The Norwegian and English stems whose words a snippet marks.
    pub fn marked(&self) -> (Vec<String>, Vec<String>) {
        let words: Vec<&String> = self
            .all
            .iter()
            .chain(self.phrases.iter().flatten())
            .collect();
        (
            words.iter().map(|w| stem(w)).collect(),
            words.iter().map(|w| english_stem(w)).collect(),
        )
    }

    /// The words of a name being looked for (for similarity despite typos), space-separated.
    pub fn name_words(&self) -> String {
        self.all
            .iter()
            .chain(self.prefix.iter())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The PostgreSQL `to_tsquery` text over the words as typed: each text search
    /// configuration (`norwegian`, `english`, `simple`) stems it its own way.
    pub fn to_tsquery(&self) -> String {
        let mut parts: Vec<String> = self.all.clone();
        parts.extend(
            self.phrases
                .iter()
                .map(|phrase| format!("({})", phrase.join(" <-> "))),
        );
        if let Some(prefix) = &self.prefix {
            parts.push(format!("{prefix}:*"));
        }
        parts.extend(self.none.iter().map(|word| format!("!{word}")));
        parts.join(" & ")
    }

    /// The SQLite FTS5 `MATCH` expression: the Norwegian stems in the Norwegian columns, or the
    /// English stems in the English one. The word being typed is matched once, by its Norwegian
    /// stem in any column: a prefix expands to every word it begins, which is the costly part.
    pub fn to_fts5(&self) -> String {
        let prefix = self
            .prefix
            .as_ref()
            .map(|prefix| format!("\"{}\"*", stem(prefix)));
        if self.all.is_empty() && self.phrases.is_empty() {
            return prefix.unwrap_or_default() + &self.exclusions(stem);
        }
        let languages = format!(
            "({{title_terms body_terms}} : ({})) OR ({{english_terms}} : ({}))",
            self.fts5_with(stem),
            self.fts5_with(english_stem)
        );
        match prefix {
            Some(prefix) => format!("{prefix} AND ({languages})"),
            None => languages,
        }
    }

    /// The words and phrases (not the word being typed) by `stemmer`, less the exclusions.
    fn fts5_with(&self, stemmer: Stemmer) -> String {
        let mut parts: Vec<String> = self
            .all
            .iter()
            .map(|w| format!("\"{}\"", stemmer(w)))
            .collect();
        parts.extend(self.phrases.iter().map(|phrase| {
            let stems: Vec<String> = phrase.iter().map(|w| stemmer(w)).collect();
            format!("\"{}\"", stems.join(" "))
        }));
        format!("({}){}", parts.join(" AND "), self.exclusions(stemmer))
    }

    fn exclusions(&self, stemmer: Stemmer) -> String {
        self.none
            .iter()
            .map(|word| format!(" NOT \"{}\"", stemmer(word)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_exclusions_and_the_word_being_typed() {
        let search = Search::parse("Møtene \"sosiale medier\" -facebook bedri");
        assert_eq!(search.all, vec!["møtene"]);
        assert_eq!(search.phrases, vec![vec!["sosiale", "medier"]]);
        assert_eq!(search.none, vec!["facebook"]);
        assert_eq!(search.prefix.as_deref(), Some("bedri"));
        assert_eq!(
            search.to_fts5(),
            "\"bedri\"* AND (({title_terms body_terms} : ((\"møt\" AND \"sosial medi\") NOT \"facebook\")) \
             OR ({english_terms} : ((\"møtene\" AND \"sosial medier\") NOT \"facebook\")))"
        );
        assert_eq!(Search::parse("bedri").to_fts5(), "\"bedri\"*");
        assert_eq!(Search::parse("bedri -x").to_fts5(), "\"bedri\"* NOT \"x\"");
        assert_eq!(
            search.to_tsquery(),
            "møtene & (sosiale <-> medier) & bedri:* & !facebook"
        );
        assert_eq!(search.name_words(), "møtene bedri");
        // A finished word (a space after it) is a word, not a prefix.
        assert_eq!(Search::parse("møte ").prefix, None);
        // Nothing but letters and digits reaches the query languages.
        let hostile = Search::parse("a' | b:* & !c \"d) NOT");
        assert!(
            hostile
                .to_fts5()
                .chars()
                .all(|c| c.is_alphanumeric() || " ()\"*{}:_".contains(c))
        );
        assert!(
            hostile
                .to_tsquery()
                .chars()
                .all(|c| c.is_alphanumeric() || " ()&!<->:*".contains(c))
        );
        assert!(Search::parse("-bare").is_empty());
    }
}
