//! The page catalogue: every text of the pages in Chinese and English, one language at a time.
//!
//! The texts live in `catalogue/*.toml`; `build.rs` checks them (both languages present, the same
//! `{placeholders}`, no key twice) and generates one constant per key in [`k`], so a page that
//! names a missing text does not compile. Pages pick the reader's text with [`Lang::text`]
//! (templates) or [`Lang::t`] (escaped, for the bodies not yet in templates).

use crate::html::{Lang, esc};

/// A catalogue entry (a constant of [`k`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key(usize);

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// A catalogue key, or a reference to one.
pub trait AsKey {
    fn key(&self) -> Key;
}

impl AsKey for Key {
    fn key(&self) -> Key {
        *self
    }
}

impl<T: AsKey + ?Sized> AsKey for &T {
    fn key(&self) -> Key {
        (**self).key()
    }
}

impl Key {
    /// The entry's (Chinese, English) texts, for records that carry both languages (an error's
    /// messages, the JSON API).
    pub fn pair(self) -> (&'static str, &'static str) {
        (Lang::Zh.text(self), Lang::En.text(self))
    }

    /// The entry's name in the catalogue file (`project_code`).
    pub fn name(self) -> &'static str {
        NAMES.get(self.0).copied().unwrap_or_default()
    }
}

impl Lang {
    /// The entry's text in this language, unescaped (templates escape it). Takes the key or a
    /// reference to it, however deep (templates hand fields and loop items over by reference).
    pub fn text(self, key: impl AsKey) -> &'static str {
        let key = key.key();
        let texts = match self {
            Lang::Zh => ZH,
            Lang::En => EN,
        };
        texts.get(key.0).copied().unwrap_or_default()
    }

    /// The entry's text in this language, escaped for HTML built by hand.
    pub fn t(self, key: Key) -> String {
        esc(self.text(key))
    }

    /// The entry's text with each `{name}` replaced by its value (unescaped). One pass: a value
    /// that itself reads `{other}` stays as it is.
    pub fn fill(self, key: Key, values: &[(&str, &str)]) -> String {
        let text = self.text(key);
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after.find('}').and_then(|close| {
                let name = &after[..close];
                values
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v, close))
            });
            match value {
                Some((v, close)) => {
                    out.push_str(v);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_has_both_languages_and_a_name() {
        assert_eq!(NAMES.len(), ZH.len());
        assert_eq!(NAMES.len(), EN.len());
        assert!(ZH.iter().chain(EN).all(|t| !t.trim().is_empty()));
        assert_eq!(k::ALL.name(), "all");
        assert_eq!(Lang::Zh.text(k::ALL), "全部");
        assert_eq!(Lang::En.text(k::ALL), "All");
    }

    #[test]
    fn fill_replaces_every_placeholder_once() {
        // `全部` has no placeholders: filling leaves it as it is.
        assert_eq!(Lang::Zh.fill(k::ALL, &[("x", "y")]), "全部");
        assert_eq!(
            Lang::Zh.fill(k::TODO_OVERDUE_BY_DAYS, &[("days", "3")]),
            "逾期 3 天"
        );
        // A value that reads like a placeholder is not filled again.
        assert_eq!(
            Lang::En.fill(k::LIST_DATE_FROM, &[("date", "{date}")]),
            "{date} from"
        );
    }
}
