//! What a person types, parsed: words (all must match, each by its stem), "quoted phrases"
//! (the words in order), `-words` (must not match), and the last word, while it is being typed,
//! matched as a prefix. Only letters and digits reach the databases' query languages.

use migration::search_terms::{stem, words};

/// A parsed search.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Search {
    /// Stems every hit has.
    pub all: Vec<String>,
    /// Phrases (stems in order) every hit has.
    pub phrases: Vec<Vec<String>>,
    /// Stems no hit has.
    pub none: Vec<String>,
    /// The stem of the word being typed: a hit has a word beginning with it.
    pub prefix: Option<String>,
}

impl Search {
    /// Parses `input`; the last word is a prefix unless the input ends with a space or quote.
    pub fn parse(input: &str) -> Self {
        let mut search = Self::default();
        let typing = input.chars().last().is_some_and(|c| c.is_alphanumeric());
        let mut parts = input.split('"');
        let mut quoted = false;
        let mut loose: Vec<String> = Vec::new();
        for part in parts.by_ref() {
            if quoted {
                let phrase: Vec<String> = words(part).map(|w| stem(&w)).collect();
                match phrase.len() {
                    0 => {}
                    1 => search.all.extend(phrase),
                    _ => search.phrases.push(phrase),
                }
            } else {
                for token in part.split_whitespace() {
                    if let Some(excluded) = token.strip_prefix('-') {
                        search.none.extend(words(excluded).map(|w| stem(&w)));
                    } else {
                        let parts: Vec<String> = words(token).collect();
                        if parts.len() > 1 {
                            search.phrases.push(parts.iter().map(|w| stem(w)).collect());
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
            search.prefix = Some(stem(&last));
        }
        search.all.extend(loose.iter().map(|w| stem(w)));
        search
    }

    /// Whether anything must match (a search of only exclusions finds nothing).
    pub fn is_empty(&self) -> bool {
        self.all.is_empty() && self.phrases.is_empty() && self.prefix.is_none()
    }

    /// The stems whose words a snippet marks.
    pub fn marked(&self) -> Vec<String> {
        let mut stems = self.all.clone();
        stems.extend(self.phrases.iter().flatten().cloned());
        stems
    }

    /// The PostgreSQL `to_tsquery` text (`norwegian` stems again, harmlessly).
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

    /// The SQLite FTS5 `MATCH` expression over the stems.
    pub fn to_fts5(&self) -> String {
        let mut parts: Vec<String> = self.all.iter().map(|w| format!("\"{w}\"")).collect();
        parts.extend(
            self.phrases
                .iter()
                .map(|phrase| format!("\"{}\"", phrase.join(" "))),
        );
        if let Some(prefix) = &self.prefix {
            parts.push(format!("\"{prefix}\"*"));
        }
        let mut expression = format!("({})", parts.join(" AND "));
        for word in &self.none {
            expression.push_str(&format!(" NOT \"{word}\""));
        }
        expression
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_exclusions_and_the_word_being_typed() {
        let search = Search::parse("møtene \"sosiale medier\" -facebook bedri");
        assert_eq!(search.all, vec![stem("møtene")]);
        assert_eq!(search.phrases, vec![vec![stem("sosiale"), stem("medier")]]);
        assert_eq!(search.none, vec![stem("facebook")]);
        assert_eq!(search.prefix, Some(stem("bedri")));
        assert_eq!(
            search.to_fts5(),
            "(\"møt\" AND \"sosial medi\" AND \"bedri\"*) NOT \"facebook\""
        );
        assert_eq!(
            search.to_tsquery(),
            "møt & (sosial <-> medi) & bedri:* & !facebook"
        );
        // A finished word (a space after it) is a word, not a prefix.
        assert_eq!(Search::parse("møte ").prefix, None);
        // Nothing but letters and digits reaches the query languages.
        let hostile = Search::parse("a' | b:* & !c \"d) NOT");
        assert!(
            hostile
                .to_fts5()
                .chars()
                .all(|c| c.is_alphanumeric() || " ()\"*".contains(c))
        );
        assert!(Search::parse("-bare").is_empty());
    }
}
