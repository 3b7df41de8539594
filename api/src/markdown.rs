//! Markdown to safe HTML. Bodies are stored as written; the HTML is rendered by pulldown-cmark
//! (CommonMark with tables and strikethrough) and then cleaned by ammonia's allow-list, which
//! drops scripts, event handlers and `javascript:` links, and marks links `rel="noopener
//! noreferrer nofollow"`.
//!
//! A mention of a member (`@handle` in text, not in code or a link) becomes a link to their
//! profile, `<a class="mention" href="/@handle">@handle</a>`, when the handle is one of the
//! `members` given; other `@words` stay text.

use std::collections::HashSet;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, TextMergeStream, html};

use crate::members::handles;

/// Renders `markdown` to sanitised HTML.
pub fn render(markdown: &str) -> String {
    render_with_mentions(markdown, &HashSet::new())
}

/// Renders `markdown` to sanitised HTML, with mentions of the handles in `members` as links.
pub fn render_with_mentions(markdown: &str, members: &HashSet<String>) -> String {
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    let mut place = Place::default();
    let events = parse(markdown).flat_map(|event| {
        let in_prose = place.in_prose(&event);
        if let Event::Text(text) = &event
            && in_prose
            && !members.is_empty()
        {
            return link_mentions(text, members);
        }
        vec![event]
    });
    html::push_html(&mut unsafe_html, events);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .add_allowed_classes("a", &["mention"])
        .clean(&unsafe_html)
        .to_string()
}

/// The handles `markdown` mentions in its prose (not in code or in a link's text), lowercased,
/// each once, at most [`handles::MAX_MENTIONS`].
pub fn mentions(markdown: &str) -> Vec<String> {
    let mut place = Place::default();
    let mut found: Vec<String> = Vec::new();
    for event in parse(markdown) {
        let in_prose = place.in_prose(&event);
        let Event::Text(text) = &event else {
            continue;
        };
        if !in_prose {
            continue;
        }
        for (_, _, handle) in handles::mention_spans(text) {
            if found.len() < handles::MAX_MENTIONS && !found.contains(&handle) {
                found.push(handle);
            }
        }
    }
    found
}

/// The most links of one post that [`links`] reads.
pub const MAX_LINKS: usize = 50;

/// The addresses `markdown` links to, each once, at most [`MAX_LINKS`]: link destinations, and
/// `http(s)://` addresses written out in prose (not in code), without trailing punctuation.
pub fn links(markdown: &str) -> Vec<String> {
    let mut place = Place::default();
    let mut found: Vec<String> = Vec::new();
    let mut keep = |address: &str| {
        if found.len() < MAX_LINKS && !address.is_empty() && !found.iter().any(|f| f == address) {
            found.push(address.to_owned());
        }
    };
    for event in parse(markdown) {
        if let Event::Start(Tag::Link { dest_url, .. }) = &event {
            keep(dest_url.trim());
        }
        let in_prose = place.in_prose(&event);
        if let Event::Text(text) = &event
            && in_prose
        {
            for word in text.split_whitespace() {
                if word.starts_with("https://") || word.starts_with("http://") {
                    keep(word.trim_end_matches(|c: char| ".,;:!?)]}>'\"".contains(c)));
                }
            }
        }
    }
    found
}

fn parse(markdown: &str) -> TextMergeStream<'_, Parser<'_>> {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    TextMergeStream::new(Parser::new_ext(markdown, options))
}

/// Whether the walk through a document's events is in a link or a code block, where `@` is not
/// a mention.
#[derive(Default)]
struct Place {
    links: usize,
    code_blocks: usize,
}

impl Place {
    /// Follows `event`; true when it is prose a mention may be in.
    fn in_prose(&mut self, event: &Event<'_>) -> bool {
        match event {
            Event::Start(Tag::Link { .. }) => self.links += 1,
            Event::End(TagEnd::Link) => self.links = self.links.saturating_sub(1),
            Event::Start(Tag::CodeBlock(_)) => self.code_blocks += 1,
            Event::End(TagEnd::CodeBlock) => self.code_blocks = self.code_blocks.saturating_sub(1),
            _ => {}
        }
        self.links == 0 && self.code_blocks == 0
    }
}

/// A text event split into text and mention links.
fn link_mentions<'a>(text: &CowStr<'a>, members: &HashSet<String>) -> Vec<Event<'a>> {
    let mut events = Vec::new();
    let mut rest = 0;
    for (start, end, handle) in handles::mention_spans(text) {
        if !members.contains(&handle) {
            continue;
        }
        if start > rest {
            events.push(Event::Text(CowStr::from(text[rest..start].to_owned())));
        }
        events.push(Event::InlineHtml(CowStr::from(format!(
            "<a class=\"mention\" href=\"/@{handle}\">@{handle}</a>"
        ))));
        rest = end;
    }
    if rest == 0 {
        return vec![Event::Text(text.clone())];
    }
    if rest < text.len() {
        events.push(Event::Text(CowStr::from(text[rest..].to_owned())));
    }
    events
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::{render, render_with_mentions};

    #[test]
    fn mentions_of_members_become_links() {
        let members: HashSet<String> = ["kari".to_owned()].into();
        let text = "Hei @Kari og @nobody, `@kari` [@kari](https://x.no)";
        assert_eq!(super::mentions(text), vec!["kari", "nobody"]);
        assert!(super::mentions("```\n@kari\n```").is_empty());
        assert_eq!(
            render_with_mentions(text, &members),
            "<p>Hei <a class=\"mention\" href=\"/@kari\" rel=\"noopener noreferrer nofollow\">@kari</a> \
             og @nobody, <code>@kari</code> \
             <a href=\"https://x.no\" rel=\"noopener noreferrer nofollow\">@kari</a></p>\n"
        );
    }

    #[test]
    fn links_are_destinations_and_written_out_addresses() {
        let text = "See [the seminar](/meetups/abc), <https://x.no/a> and https://y.no/b.\n\n\
                    `https://code.no` and again https://y.no/b\n\n```\nhttps://block.no\n```";
        assert_eq!(
            super::links(text),
            vec!["/meetups/abc", "https://x.no/a", "https://y.no/b"]
        );
    }

    #[test]
    fn markdown_becomes_html() {
        assert_eq!(
            render("**Hei** _verden_"),
            "<p><strong>Hei</strong> <em>verden</em></p>\n"
        );
    }

    #[test]
    fn scripts_and_handlers_never_survive() {
        for hostile in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
        ] {
            let html = render(hostile);
            assert!(!html.contains("<script"), "{html}");
            assert!(!html.contains("onerror"), "{html}");
            assert!(!html.contains("javascript:"), "{html}");
        }
    }
}
