//! HTML building blocks: escaping, tables and the page (the layout itself is the template of
//! `layout.rs`). Bodies not yet moved to templates are built with `format!`; every value that
//! reaches HTML goes through `esc` (text and attribute values alike).

use crate::auth::User;
use crate::catalogue::k;
use crate::error::Problem;

/// The language a user reads pages in. Chinese is the default; English is a switch
/// (`GET /lang/en`, a cookie). Pages show one language at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// The cookie holding the chosen language.
pub const LANG_COOKIE: &str = "guagou_lang";

impl Lang {
    /// `en` → English; anything else → Chinese.
    pub fn from_code(code: &str) -> Lang {
        if code.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// The value of `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Bilingual data in the reader's language (escaped): names and messages that come in
    /// both languages from the profile, the rule table or the domain. Page texts come from the
    /// catalogue ([`Lang::t`]).
    pub fn pair(self, zh: &str, en: &str) -> String {
        match self {
            Lang::Zh => esc(zh),
            Lang::En => esc(en),
        }
    }
}

/// A page title: a catalogue entry, or a name that comes in both languages with the data.
#[derive(Debug, Clone, Copy)]
pub enum Title<'a> {
    Text(crate::catalogue::Key),
    Pair(&'a str, &'a str),
}

impl From<crate::catalogue::Key> for Title<'_> {
    fn from(key: crate::catalogue::Key) -> Self {
        Title::Text(key)
    }
}

impl<'a, A, B> From<(&'a A, &'a B)> for Title<'a>
where
    A: AsRef<str> + ?Sized,
    B: AsRef<str> + ?Sized,
{
    fn from((zh, en): (&'a A, &'a B)) -> Self {
        Title::Pair(zh.as_ref(), en.as_ref())
    }
}

impl Title<'_> {
    /// The title in `lang`.
    pub fn in_lang(self, lang: Lang) -> String {
        match (self, lang) {
            (Title::Text(key), _) => lang.text(key).to_owned(),
            (Title::Pair(zh, _), Lang::Zh) => zh.to_owned(),
            (Title::Pair(_, en), Lang::En) => en.to_owned(),
        }
    }
}

/// A stored time (RFC 3339, UTC or any offset) as the clock on the wall in Asia/Shanghai
/// (`2026-12-01 10:58:22`), so that every page shows one kind of time. Text that is not a
/// time is shown as it is.
pub fn local_time(text: &str) -> String {
    let shanghai = chrono::FixedOffset::east_opt(8 * 3600);
    match (chrono::DateTime::parse_from_rfc3339(text.trim()), shanghai) {
        (Ok(t), Some(offset)) => t
            .with_timezone(&offset)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        _ => text.to_owned(),
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A full page. `user` adds the navigation, the language switch and the logout form.
pub fn page<'a>(title: impl Into<Title<'a>>, user: Option<&User>, body: &str) -> String {
    let lang = user.map(|u| u.lang).unwrap_or_default();
    page_in(lang, title, user, body)
}

/// A full page of a signed-in user that belongs to a menu entry other than its title (e.g. the
/// list of journal entries under 指标台账): the menu marks `within` as the current place.
pub fn page_within<'a>(
    title: impl Into<Title<'a>>,
    within: crate::catalogue::Key,
    user: &User,
    body: &str,
) -> String {
    let lang = user.lang;
    crate::layout::render_within(
        lang,
        &title.into().in_lang(lang),
        lang.text(within),
        Some(user),
        body,
    )
}

/// A full page in `lang`: for pages without a signed-in user (the public notice) that still
/// honour the reader's language cookie. The layout is a template (`templates/layout.html`).
pub fn page_in<'a>(
    lang: Lang,
    title: impl Into<Title<'a>>,
    user: Option<&User>,
    body: &str,
) -> String {
    crate::layout::render(lang, &title.into().in_lang(lang), user, body)
}

/// The page shown for an error, in the reader's language (`lang`), with the way back.
pub fn error_page(problem: &Problem) -> String {
    error_page_in(Lang::Zh, problem)
}

/// The error page in `lang`: the message, what it concerns (rule, field) and the way home.
pub fn error_page_in(lang: Lang, problem: &Problem) -> String {
    let refusal = refusal_html(lang, problem, "/");
    let view = ErrorBody {
        refusal: &refusal,
        home: lang.text(k::HOME),
    };
    let body = askama::Template::render(&view).unwrap_or_else(|e| {
        tracing::error!(error = %e, "error page template failed");
        refusal.clone()
    });
    page_in(lang, k::SOMETHING_WENT_WRONG, None, &body)
}

/// `templates/error_page.html`: the refusal (already rendered) and the way home.
#[derive(askama::Template)]
#[template(path = "error_page.html")]
struct ErrorBody<'a> {
    refusal: &'a str,
    home: &'static str,
}

#[derive(askama::Template)]
#[template(path = "refusal.html")]
struct Refusal<'a> {
    message: &'a str,
    rule: Option<&'a str>,
    rule_label: &'static str,
    field: Option<String>,
    /// The form field's name (`amount`), for the form script to mark the field.
    field_key: Option<&'a str>,
    field_label: &'static str,
    back: &'a str,
    back_label: &'static str,
}

/// The body of a refused step in `lang`: why (from the error table), the rule or field it
/// concerns by name, and the way back to the form (`back`, a local path) with the input kept.
pub fn refusal_html(lang: Lang, problem: &Problem, back: &str) -> String {
    let en = lang == Lang::En;
    let pick = |key| lang.text(key);
    let back = if back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') {
        back
    } else {
        "/"
    };
    let view = Refusal {
        message: if en {
            &problem.message_en
        } else {
            &problem.message_zh
        },
        rule: problem.rule.as_deref(),
        rule_label: pick(k::RULE_2),
        field: problem.field.as_deref().map(|f| {
            crate::names::payload_field(lang, f).map_or_else(|| f.to_owned(), str::to_owned)
        }),
        field_key: problem.field.as_deref(),
        field_label: pick(k::CONCERNS),
        back,
        back_label: pick(k::BACK_TO_THE_FORM_WHAT_YOU),
    };
    askama::Template::render(&view).unwrap_or_else(|e| {
        tracing::error!(error = %e, "refusal template failed");
        esc(&problem.message_zh)
    })
}

/// A JSON value as plain text (strings without quotes).
pub fn value_text(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// An area in m² with thousands separators, and in hectares and mu in the reader's language
/// (`57,320 m² (5.7320 公顷 / 85.98 亩)`, `57,320 m² (5.7320 ha / 85.98 mu)`): the one way
/// pages show an area. The unit names are the catalogue's (`ha`, `mu`); m² reads the same in
/// both languages.
pub fn area_text(lang: Lang, m2: i64) -> String {
    let area = guagou_domain::SquareMetres(m2);
    format!(
        "{} m² ({} {} / {} {})",
        crate::lists::thousands(m2),
        area.hectares_text(),
        lang.text(crate::catalogue::k::HA),
        area.mu_text(),
        lang.text(crate::catalogue::k::MU)
    )
}

/// A JSON value as plain text (strings without quotes).
pub fn value_text_of(value: &serde_json::Value) -> String {
    value_text(Some(value))
}

/// A measured number rounded for reading (the stored value keeps full precision).
fn decimals(value: Option<&serde_json::Value>, places: usize) -> String {
    match value.and_then(serde_json::Value::as_f64) {
        Some(x) if x.fract() != 0.0 => format!("{x:.places$}"),
        _ => value_text(value),
    }
}

/// A stored `Quantity` (`{"unit": …, "value": …}`) as text with its unit.
pub fn quantity_text(value: Option<&serde_json::Value>) -> String {
    let Some(q) = value else {
        return String::new();
    };
    let v = q.get("value");
    match q.get("unit").and_then(serde_json::Value::as_str) {
        Some("m2") => format!("{} m²", value_text(v)),
        Some("m2_range") => format!(
            "{}–{} m²",
            value_text(v.and_then(|v| v.get("min"))),
            value_text(v.and_then(|v| v.get("max")))
        ),
        Some("m") => format!("{} m", decimals(v, 1)),
        Some("m2_per_person") => format!("{} m²/人", decimals(v, 2)),
        Some("share") => v
            .and_then(serde_json::Value::as_f64)
            .map(|s| format!("{:.2}%", s * 100.0))
            .unwrap_or_default(),
        Some(_) => value_text(v),
        None => value_text(Some(q)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_its_field_for_the_form_script() {
        let problem = crate::error::WebError::invalid("amount_m2", k::AREA_M).problem();
        let html = refusal_html(Lang::Zh, &problem, "/market");
        assert!(html.contains("data-field=\"amount_m2\""), "{html}");
        assert!(html.contains("id=\"refusal-message\""), "{html}");
        let hostile = crate::error::WebError::invalid("a\"><b>", k::AREA_M).problem();
        assert!(!refusal_html(Lang::Zh, &hostile, "/").contains("<b>"));
    }

    #[test]
    fn stored_times_show_as_shanghai_wall_time() {
        assert_eq!(local_time("2026-12-01T02:58:28Z"), "2026-12-01 10:58:28");
        assert_eq!(
            local_time("2026-12-01T10:58:22+08:00"),
            "2026-12-01 10:58:22"
        );
        assert_eq!(local_time("2026-12-31T16:00:00Z"), "2027-01-01 00:00:00");
        assert_eq!(local_time("not a time"), "not a time");
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(esc("项目区"), "项目区");
    }

    #[test]
    fn quantities_show_their_unit() {
        let m2 = serde_json::json!({ "unit": "m2", "value": 1200 });
        assert_eq!(quantity_text(Some(&m2)), "1200 m²");
        let share = serde_json::json!({ "unit": "share", "value": 0.5 });
        assert_eq!(quantity_text(Some(&share)), "50.00%");
        let text = serde_json::json!({ "unit": "text", "value": "无" });
        assert_eq!(quantity_text(Some(&text)), "无");
        assert_eq!(quantity_text(None), "");
        let per_person = serde_json::json!({ "unit": "m2_per_person", "value": 6.346153846153846 });
        assert_eq!(quantity_text(Some(&per_person)), "6.35 m²/人");
        let whole = serde_json::json!({ "unit": "m2_per_person", "value": 50.0 });
        assert_eq!(quantity_text(Some(&whole)), "50.0 m²/人");
        let distance = serde_json::json!({ "unit": "m", "value": 292.1445472680844 });
        assert_eq!(quantity_text(Some(&distance)), "292.1 m");
    }
}
