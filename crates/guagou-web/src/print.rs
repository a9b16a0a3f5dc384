//! Print views (issue 14 item 9): pages made to be printed on A4 and posted or filed — the
//! public notice for the village (`/public/projects/{code}/print`) and the pre-check report
//! of an upload (`/projects/new/report/{token}`, `/projects/{code}/versions/report/{token}`).
//!
//! A print view is a whole document of its own (`templates/print_base.html`): no navigation,
//! a 打印 button (`/assets/print.js`: the content policy allows no inline script) and a back
//! link shown on screen only, the sheet in A4 proportions on screen and `@page { size: A4 }`
//! when printed. It also reads at 375 px (tables scroll inside their wrapper, long words wrap).
//!
//! Also here: the style the public pages add to the common layout so that they read on a phone
//! and print without the header and forms (`PUBLIC_PAGE_CSS`), without touching `html.rs`.
//! Times shown are Asia/Shanghai (`html::local_time`), never UTC.

use crate::html::Lang;

/// The style of every print view: A4 sheet, black on white, tables with rules, nothing but
/// the sheet when printed.
pub const PRINT_CSS: &str = "\
@page{size:A4;margin:18mm 16mm 16mm 16mm}\
*{box-sizing:border-box}\
html{-webkit-text-size-adjust:100%}\
body{margin:0;background:#e8e8e8;color:#000;font-family:\"Songti SC\",\"Noto Serif CJK SC\",\"Source Han Serif SC\",SimSun,\"WenQuanYi Micro Hei\",serif;font-size:11pt;line-height:1.55}\
.toolbar{display:flex;flex-wrap:wrap;gap:.6em;align-items:center;max-width:210mm;margin:0 auto;padding:.6em 1em;font-family:sans-serif}\
.toolbar button{font-size:1.05em;padding:.35em 1.4em}\
.sheet{background:#fff;max-width:210mm;min-height:297mm;margin:0 auto 1.5em;padding:18mm 16mm;box-shadow:0 0 4px #999}\
h1{font-size:18pt;text-align:center;margin:0 0 .2em}\
h2{font-size:13pt;margin:1.1em 0 .4em}\
.subtitle{text-align:center;margin:0 0 1em}\
.table-scroll{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse;width:100%;margin:.3em 0}\
td,th{border:1px solid #000;padding:.25em .4em;text-align:left;vertical-align:top;overflow-wrap:break-word}\
table.rules{table-layout:fixed;min-width:40em}\
.rules th:nth-child(1){width:19%}.rules th:nth-child(2){width:8%}.rules th:nth-child(3){width:10%}\
.rules th:nth-child(4){width:7%}.rules th:nth-child(5),.rules th:nth-child(6){width:11%}\
th{background:#f0f0f0}\
td.num{text-align:right;white-space:nowrap}\
.facts th{width:8em}\
.fail{font-weight:bold}\
.note{font-size:9.5pt}\
.sign{margin-top:2.5em;display:flex;flex-wrap:wrap;justify-content:space-between;gap:1em}\
.sign p{margin:.4em 0;min-width:14em}\
@media (max-width:600px){.sheet{min-height:0;padding:1em .8em;margin:0;box-shadow:none}h1{font-size:15pt}}\
@media print{body{background:#fff;font-size:10.5pt}.toolbar,.screen-only,nav,header,form,button{display:none!important}\
.sheet{max-width:none;min-height:0;margin:0;padding:0;box-shadow:none}.table-scroll{overflow:visible}\
th{background:none}tr,.sign{break-inside:avoid}thead{display:table-header-group}h2{break-after:avoid}a{color:#000;text-decoration:none}}";

/// What the public pages add to the common layout: they read at 375 px (tables scroll in their
/// wrapper, long ids and words wrap, fields no wider than the screen) and print on A4 without
/// the header and the forms.
pub const PUBLIC_PAGE_CSS: &str = "\
main{max-width:100%;overflow-wrap:anywhere}\
.table-scroll{overflow-x:auto;max-width:100%}\
main td,main th{overflow-wrap:anywhere}\
main textarea,main input,main select{max-width:100%;box-sizing:border-box}\
.print-link a{font-weight:bold}\
@media (max-width:600px){main{padding:.6em}header{padding:.4em .6em}h1{font-size:1.4em}}\
@page{size:A4;margin:16mm}\
@media print{header,form,#objection,.print-link,.screen-only{display:none!important}\
.table-scroll{overflow:visible}a{color:#000;text-decoration:none}}";

/// The 打印 script's URL (versioned like every asset).
pub fn script_url() -> String {
    format!("/assets/print.js?v={}", crate::map::asset_version())
}

/// A text in the reader's language, for templates (askama escapes it).
pub fn tr<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn print_css_sets_a4_and_hides_the_screen_parts() {
        for css in [PRINT_CSS, PUBLIC_PAGE_CSS] {
            assert!(css.contains("@page{size:A4"), "{css}");
            assert!(css.contains("@media print{"), "{css}");
            assert!(css.contains(".table-scroll{overflow-x:auto"), "{css}");
        }
        assert!(PRINT_CSS.contains(".toolbar"));
        assert!(PUBLIC_PAGE_CSS.contains("header,form"));
    }
}
