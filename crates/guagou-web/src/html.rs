//! HTML building blocks: escaping and the page layout. Pages are built with `format!`; every
//! value that reaches HTML goes through `esc` (text and attribute values alike).

use std::fmt::Write as _;

use crate::auth::User;
use crate::error::Problem;

/// The language a user reads pages in. Chinese is the default; English is a switch
/// (`GET /lang/en`, a cookie). Pages show one language at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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

    /// A label in the reader's language (escaped): one language at a time, Chinese by default,
    /// English as a switch.
    pub fn t(self, zh: &str, en: &str) -> String {
        self.one(zh, en)
    }

    /// The chosen language's text only (escaped), for attributes and button labels.
    pub fn one(self, zh: &str, en: &str) -> String {
        match self {
            Lang::Zh => esc(zh),
            Lang::En => esc(en),
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

const STYLE: &str = "body{font-family:sans-serif;margin:0}header{background:#234;color:#fff;padding:.5em 1em;display:flex;flex-wrap:wrap;gap:1em;align-items:center}header a{color:#fff}header .en{color:#bcd}nav a{margin-right:.6em}main{padding:1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}.en{color:#666;font-size:.85em}.fail{color:#a00;font-weight:bold}.ok{color:#070}.warn{color:#b60}.none{color:#888}details.results{margin:.5em 0}form.action{margin:.3em 0}";

/// The navigation: (path, Chinese, English). Every signed-in user sees every entry; each page
/// shows only what the user's jurisdiction allows.
pub const NAV: &[(&str, &str, &str)] = &[
    ("/", "工作台", "Dashboard"),
    ("/projects", "项目区", "Projects"),
    ("/plans", "专项规划", "Special plans"),
    ("/divisions", "行政区", "Divisions"),
    ("/ledger", "指标台账", "Ledger"),
    ("/market", "指标市场", "Market"),
    ("/funds", "资金台账", "Funds"),
    ("/supervision", "监管", "Supervision"),
    ("/reports", "统计报表", "Reports"),
    ("/policy", "政策参数", "Policy"),
    ("/audit", "审计日志", "Audit log"),
    ("/public", "公示", "Public notices"),
];

/// A full page. `user` adds the navigation, the language switch and the logout form.
pub fn page(title_zh: &str, title_en: &str, user: Option<&User>, body: &str) -> String {
    let lang = user.map(|u| u.lang).unwrap_or_default();
    page_in(lang, title_zh, title_en, user, body)
}

/// A full page in `lang`: for pages without a signed-in user (the public notice) that still
/// honour the reader's language cookie.
pub fn page_in(
    lang: Lang,
    title_zh: &str,
    title_en: &str,
    user: Option<&User>,
    body: &str,
) -> String {
    let mut nav = String::new();
    if let Some(user) = user {
        nav.push_str("<nav>");
        for (path, zh, en) in NAV {
            let _ = write!(nav, "<a href=\"{path}\">{}</a> ", lang.t(zh, en));
        }
        if user.is_admin {
            let _ = write!(
                nav,
                "<a href=\"/admin/users\" id=\"nav-users\">{}</a> ",
                lang.t("用户管理", "Users")
            );
        }
        let switch = match lang {
            Lang::Zh => "<a href=\"/lang/en\" id=\"lang-switch\">English</a>",
            Lang::En => "<a href=\"/lang/zh\" id=\"lang-switch\">中文</a>",
        };
        let _ = write!(
            nav,
            "</nav><span class=\"who\">{actor} · {dept}</span> {switch}\
             <form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <button>{out}</button></form>",
            actor = esc(&user.actor.to_string()),
            dept = lang.one(
                user.actor.department.name_zh(),
                user.actor.department.name_en()
            ),
            csrf = esc(&user.csrf),
            out = lang.one("退出", "Sign out"),
        );
    }
    let first = match lang {
        Lang::Zh => title_zh,
        Lang::En => title_en,
    };
    format!(
        "<!doctype html><html lang=\"{code}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{first} · guagou</title><style>{STYLE}</style>{script}</head><body>\
         <header><strong>{brand}</strong>{nav}</header>\
         <main><h1>{first}</h1>{body}</main></body></html>",
        code = lang.code(),
        // Signed-in pages carry forms that ask before a consequential step (data-confirm).
        script = if user.is_some() {
            format!(
                "<script src=\"/assets/confirm.js?v={}\" defer></script>",
                crate::map::asset_version()
            )
        } else {
            String::new()
        },
        brand = lang.t("城乡建设用地增减挂钩", "guagou"),
        first = esc(first),
    )
}

/// The page shown for an error.
pub fn error_page(problem: &Problem) -> String {
    let rule = problem
        .rule
        .as_deref()
        .map(|r| format!(" · {}", esc(r)))
        .unwrap_or_default();
    let field = problem
        .field
        .as_deref()
        .map(|f| format!(" · {}", esc(f)))
        .unwrap_or_default();
    let body = format!(
        "<p>{zh}</p><p class=\"en\">{en}</p><p class=\"en\">{code}{rule}{field}</p><p><a href=\"/\">返回首页 / Home</a></p>",
        zh = esc(&problem.message_zh),
        en = esc(&problem.message_en),
        code = esc(problem.code.as_str()),
    );
    page("出错了", "Error", None, &body)
}

/// A table with a bilingual header row; cells are already-escaped HTML.
pub fn table(headers: &[(&str, &str)], rows: &[Vec<String>]) -> String {
    table_in(Lang::Zh, headers, rows)
}

/// A table whose header row is in `lang` first.
pub fn table_in(lang: Lang, headers: &[(&str, &str)], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for (zh, en) in headers {
        let _ = write!(out, "<th>{}</th>", lang.t(zh, en));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// A JSON value as plain text (strings without quotes).
pub fn value_text(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
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
