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

/// Function words that say a text is English or Norwegian.
// Not "it": in this community it is mostly the trade ("IT-direktør").
const ENGLISH_WORDS: [&str; 24] = [
    "the", "and", "of", "to", "is", "are", "for", "with", "that", "this", "on", "be", "not", "or",
    "by", "from", "was", "we", "our", "you", "they", "have", "will", "would",
];
const NORWEGIAN_WORDS: [&str; 24] = [
    "og", "i", "det", "er", "som", "på", "en", "et", "av", "til", "med", "ikke", "har", "jeg",
    "vi", "de", "den", "at", "om", "så", "men", "kan", "vil", "fra",
];

/// Whether `text` reads as English: more English function words in it than Norwegian ones.
/// Only such texts are indexed by English stems as well, so a Norwegian community's index (and
/// every search in it) does not carry a second stemming of every text.
pub fn is_english(text: &str) -> bool {
    let (mut english, mut norwegian) = (0, 0);
    for word in words(text) {
        if ENGLISH_WORDS.contains(&word.as_str()) {
            english += 1;
        } else if NORWEGIAN_WORDS.contains(&word.as_str()) {
            norwegian += 1;
        }
    }
    english > norwegian
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
        assert!(is_english("Our security policies are running late."));
        assert!(!is_english("Vi diskuterer det på møtet, og det er bra."));
        assert!(!is_english("GDPR"));
        assert!(!is_english("Arrangerer fagmøtene, NAV IT"));
    }
}
