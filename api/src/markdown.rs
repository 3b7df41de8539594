//! Markdown to safe HTML. Bodies are stored as written; the HTML is rendered by pulldown-cmark
//! (CommonMark with tables and strikethrough) and then cleaned by ammonia's allow-list, which
//! drops scripts, event handlers and `javascript:` links, and marks links `rel="noopener
//! noreferrer nofollow"`.

use pulldown_cmark::{Options, Parser, html};

/// Renders `markdown` to sanitised HTML.
pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

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
