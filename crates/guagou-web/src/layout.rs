//! The page layout (`templates/layout.html`): the header with the navigation grouped by the
//! kind of work, showing only what the user's department and level work with
//! (`Actor::workspaces`), the to-do count beside 工作台, the language switch and sign-out.
//! Styles: Pico CSS (npm, embedded by build.rs) and our own `assets/site.css`.

use crate::catalogue::{Key, k};
use askama::Template;
use guagou_registry::actor::Workspace;

use crate::auth::User;
use crate::html::Lang;

/// One entry of the menu.
pub struct NavLink {
    pub href: &'static str,
    pub id: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// A group of entries (a dropdown; a group of one is shown as a plain link).
pub struct NavGroup {
    pub label: &'static str,
    pub current: bool,
    pub links: Vec<NavLink>,
}

/// The signed-in part of the header.
pub struct NavView {
    pub home: &'static str,
    pub home_current: bool,
    pub todo: Option<usize>,
    pub todo_title: &'static str,
    pub groups: Vec<NavGroup>,
    pub who: String,
    pub department: String,
    pub switch_href: &'static str,
    pub switch_label: &'static str,
    pub switch_lang: &'static str,
    pub csrf: String,
    pub sign_out: &'static str,
    /// Where the page is: the way from the dashboard to it (empty on the dashboard).
    pub crumbs: Vec<Crumb>,
    pub crumbs_label: &'static str,
}

/// One step of the breadcrumbs; the last one (no link) is the page itself.
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "layout.html")]
struct Layout<'a> {
    lang_code: &'static str,
    title: &'a str,
    brand: &'static str,
    skip: &'static str,
    pico: bool,
    version: &'static str,
    nav: Option<NavView>,
    body: &'a str,
}

/// The groups of the menu: their name and their workspaces in order.
const GROUPS: &[(Key, &[Workspace])] = &[
    (
        k::PROJECTS_4,
        &[
            Workspace::Projects,
            Workspace::NewProject,
            Workspace::Plans,
            Workspace::Ranking,
        ],
    ),
    (
        k::QUOTA,
        &[Workspace::Ledger, Workspace::Market, Workspace::Supervision],
    ),
    (k::FUNDS, &[Workspace::Funds]),
    (
        k::LOOK_UP,
        &[
            Workspace::Reports,
            Workspace::Divisions,
            Workspace::Policy,
            Workspace::Audit,
            Workspace::Public,
        ],
    ),
    (k::ADMINISTRATION, &[Workspace::Users]),
];

/// Where a workspace lives: (path, element id, name).
fn entry(workspace: Workspace) -> (&'static str, &'static str, Key) {
    match workspace {
        Workspace::Projects => ("/projects", "nav-projects", k::PROJECTS),
        Workspace::NewProject => ("/projects/new", "nav-new-project", k::REGISTER_A_PROJECT),
        Workspace::Plans => ("/plans", "nav-plans", k::SPECIAL_PLANS),
        Workspace::Ranking => ("/ranking", "nav-ranking", k::RANKING),
        Workspace::Ledger => ("/ledger", "nav-ledger", k::QUOTA_LEDGER),
        Workspace::Market => ("/market", "nav-market", k::QUOTA_MARKET),
        Workspace::Supervision => ("/supervision", "nav-supervision", k::SUPERVISION),
        Workspace::Funds => ("/funds", "nav-funds", k::FUNDS_2),
        Workspace::Reports => ("/reports", "nav-reports", k::REPORTS),
        Workspace::Divisions => ("/divisions", "nav-divisions", k::DIVISIONS_2),
        Workspace::Policy => ("/policy", "nav-policy", k::POLICY),
        Workspace::Audit => ("/audit", "nav-audit", k::AUDIT_LOG),
        Workspace::Public => ("/public", "nav-public", k::PUBLIC_NOTICES_2),
        Workspace::Users => ("/admin/users", "nav-users", k::USERS),
    }
}

/// Lists that live under a workspace and hold pages of their own (an agreement under the
/// agreements under the market): a step of the breadcrumbs between the workspace and the page.
const SUB_LISTS: &[(&str, Key)] = &[
    ("/market/agreements", k::AGREEMENTS_2),
    ("/supervision/inspections", k::INSPECTIONS),
    ("/supervision/notices", k::CRITICISM_AND_COMMENDATION),
];

/// Whether `path` is `prefix` or a page under it (`/market` holds `/market/x`, not
/// `/marketing`).
fn under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The breadcrumbs of the page at `path` titled `title`: the dashboard, the workspace the page
/// belongs to (the longest menu entry it lies under), a list it belongs to, then the page.
pub fn crumbs(user: &User, lang: Lang, title: &str) -> Vec<Crumb> {
    let path = user.path.as_str();
    if path == "/" || path.is_empty() {
        return Vec::new();
    }
    let mut out = vec![Crumb {
        label: lang.text(k::DASHBOARD).to_owned(),
        href: Some("/".to_owned()),
    }];
    let workspace = user
        .actor
        .workspaces(user.is_admin)
        .into_iter()
        .map(entry)
        .filter(|(href, ..)| under(path, href))
        .max_by_key(|(href, ..)| href.len());
    let mut steps: Vec<(&str, Key)> = workspace
        .map(|(href, _, name)| (href, name))
        .into_iter()
        .collect();
    steps.extend(
        SUB_LISTS
            .iter()
            .copied()
            .filter(|(href, _)| under(path, href)),
    );
    for (href, name) in steps {
        if href == path {
            break;
        }
        out.push(Crumb {
            label: lang.text(name).to_owned(),
            href: Some(href.to_owned()),
        });
    }
    out.push(Crumb {
        label: title.to_owned(),
        href: None,
    });
    out
}

/// The menu of `user`, the entry titled `title` (in `lang`) marked as the current page.
pub fn nav_groups(user: &User, lang: Lang, title: &str) -> Vec<NavGroup> {
    let mine = user.actor.workspaces(user.is_admin);
    let pick = |key| lang.text(key);
    GROUPS
        .iter()
        .filter_map(|(group, workspaces)| {
            let links: Vec<NavLink> = workspaces
                .iter()
                .filter(|w| mine.contains(w))
                .map(|w| {
                    let (href, id, name) = entry(*w);
                    let label = pick(name);
                    NavLink {
                        href,
                        id,
                        label,
                        current: label == title,
                    }
                })
                .collect();
            (!links.is_empty()).then(|| NavGroup {
                label: pick(*group),
                current: links.iter().any(|l| l.current),
                links,
            })
        })
        .collect()
}

fn nav_view(user: &User, lang: Lang, title: &str, current: &str) -> NavView {
    let en = lang == Lang::En;
    let pick = |key| lang.text(key);
    let home = pick(k::DASHBOARD);
    NavView {
        home,
        home_current: title == home,
        todo: user.todo,
        todo_title: pick(k::THINGS_TO_DO),
        groups: nav_groups(user, lang, current),
        who: user.actor.name.clone(),
        department: crate::names::department(lang, &user.actor.department),
        switch_href: if en { "/lang/zh" } else { "/lang/en" },
        switch_label: if en { "中文" } else { "English" },
        switch_lang: if en { "zh-CN" } else { "en" },
        csrf: user.csrf.clone(),
        sign_out: pick(k::SIGN_OUT),
        crumbs: crumbs(user, lang, title),
        crumbs_label: pick(k::YOU_ARE_HERE),
    }
}

/// A whole page: `title` (already in `lang`) and the body (HTML, already escaped).
pub fn render(lang: Lang, title: &str, user: Option<&User>, body: &str) -> String {
    render_within(lang, title, title, user, body)
}

/// A whole page whose menu marks the entry named `current` (in `lang`) as the current place.
pub fn render_within(
    lang: Lang,
    title: &str,
    current: &str,
    user: Option<&User>,
    body: &str,
) -> String {
    let layout = Layout {
        lang_code: lang.code(),
        title,
        brand: lang.text(k::BRAND),
        skip: lang.text(k::SKIP_TO_CONTENT),
        pico: crate::map::PICO_EMBEDDED,
        version: crate::map::asset_version(),
        nav: user.map(|u| nav_view(u, lang, title, current)),
        body,
    };
    layout.render().unwrap_or_else(|e| {
        // A template of ours that fails to render is a bug: log it and show the body bare.
        tracing::error!(error = %e, "layout template failed");
        body.to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use guagou_registry::Actor;

    fn user(actor: &str, is_admin: bool) -> User {
        User {
            actor: Actor::parse(actor).unwrap_or_else(|e| panic!("{e}")),
            is_admin,
            csrf: "token".into(),
            lang: Lang::Zh,
            today: chrono::NaiveDate::default(),
            todo: Some(3),
            audit_head: None,
            path: "/".into(),
        }
    }

    fn hrefs(user: &User) -> Vec<&'static str> {
        nav_groups(user, Lang::Zh, "")
            .into_iter()
            .flat_map(|g| g.links.into_iter().map(|l| l.href))
            .collect()
    }

    #[test]
    fn the_menu_shows_what_the_department_works_with() {
        let finance = hrefs(&user("钱@511700/finance", false));
        assert!(finance.contains(&"/funds"));
        assert!(!finance.contains(&"/market") && !finance.contains(&"/ledger"));
        let county = hrefs(&user("张@511722", false));
        assert!(county.contains(&"/projects/new") && county.contains(&"/market"));
        assert!(!county.contains(&"/admin/users"));
        assert!(hrefs(&user("管@511700", true)).contains(&"/admin/users"));
    }

    #[test]
    fn a_page_is_in_one_language_with_the_count_and_the_current_entry() {
        let u = user("张@511722", false);
        let html = render(Lang::Zh, "指标台账", Some(&u), "<p>x</p>");
        assert!(html.contains("<html lang=\"zh-CN\""));
        assert!(html.contains("id=\"todo-count\""), "{html}");
        assert!(html.contains("aria-current=\"page\">指标台账"), "{html}");
        assert!(!html.contains("Dashboard"));
        let html = render(Lang::En, "Quota ledger", Some(&u), "<p>x</p>");
        assert!(html.contains("Dashboard") && !html.contains("工作台"));
        // A title with markup is escaped; the body is not.
        let html = render(Lang::Zh, "<b>", None, "<p>x</p>");
        assert!(!html.contains("<b>") && html.contains("<p>x</p>"));
    }

    #[test]
    fn breadcrumbs_lead_from_the_dashboard_through_the_workspace_to_the_page() {
        let mut county = user("县局经办人@511722", false);
        county.path = "/market/agreements/GP-1-A1".into();
        let labels = |crumbs: Vec<Crumb>| -> Vec<(String, Option<String>)> {
            crumbs.into_iter().map(|c| (c.label, c.href)).collect()
        };
        assert_eq!(
            labels(crumbs(&county, Lang::Zh, "GP-1-A1")),
            vec![
                ("工作台".to_owned(), Some("/".to_owned())),
                ("指标市场".to_owned(), Some("/market".to_owned())),
                ("流转协议".to_owned(), Some("/market/agreements".to_owned())),
                ("GP-1-A1".to_owned(), None),
            ]
        );
        // The longest menu entry wins: an upload's report lies under 上传登记项目.
        county.path = "/projects/new/report/abc".into();
        let steps = labels(crumbs(&county, Lang::En, "Report"));
        assert_eq!(
            steps[1],
            (
                "Register a project".to_owned(),
                Some("/projects/new".to_owned())
            )
        );
        // A workspace's own page is the last step; the dashboard has none.
        county.path = "/market".into();
        assert_eq!(crumbs(&county, Lang::Zh, "指标市场").len(), 2);
        county.path = "/".into();
        assert!(crumbs(&county, Lang::Zh, "工作台").is_empty());
        // `/marketing` is not under `/market`.
        assert!(!under("/marketing", "/market") && under("/market/x", "/market"));
    }
}
