//! The words a text is found by: split on anything that is not a letter or digit (æ, ø and å
//! are letters), lowercased, each reduced to its Norwegian Snowball stem, the algorithm
//! PostgreSQL's `norwegian` configuration uses. SQLite's full-text index holds these terms, so
//! both databases find "møte" for "møtene". The migration that built the index used it for
//! existing rows, which is why it lives here.

use rust_stemmers::{Algorithm, Stemmer};

/// The words of `text`, lowercased, in order.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
}

/// The stem of one lowercased word.
pub fn stem(word: &str) -> String {
    Stemmer::create(Algorithm::Norwegian)
        .stem(word)
        .into_owned()
}

/// `text` as the space-separated stems of its words.
pub fn terms(text: &str) -> String {
    let stemmer = Stemmer::create(Algorithm::Norwegian);
    words(text)
        .map(|word| stemmer.stem(&word).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflected_norwegian_words_share_a_stem_and_aeoeaa_are_letters() {
        assert_eq!(stem("møtene"), stem("møte"));
        assert_eq!(stem("bedriftene"), stem("bedrift"));
        assert_eq!(terms("sosiale medier"), terms("sosial medie"));
        assert_ne!(stem("får"), stem("far"));
        assert_eq!(terms("GDPR og Facebook-sider!"), "gdpr og facebook sid");
    }
}
