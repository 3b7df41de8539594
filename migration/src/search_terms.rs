//! The words a text is found by: split on anything that is not a letter or digit (æ, ø and å
//! are letters), lowercased, each reduced to its Norwegian Snowball stem, the algorithm
//! PostgreSQL's `norwegian` configuration uses. SQLite's full-text index holds these terms, so
//! both databases find "møte" for "møtene". English comes second: [`english_terms`] are the
//! English Snowball stems of the same words, so "meetings" finds "meeting". The index's
//! entries are built in this crate (`search_index`), which is why it lives here.

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

/// The English stem of one lowercased word.
pub fn english_stem(word: &str) -> String {
    Stemmer::create(Algorithm::English).stem(word).into_owned()
}

/// `text` as the space-separated English stems of its words.
pub fn english_terms(text: &str) -> String {
    let stemmer = Stemmer::create(Algorithm::English);
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
        assert_eq!(english_stem("meetings"), english_stem("meeting"));
    }
}
