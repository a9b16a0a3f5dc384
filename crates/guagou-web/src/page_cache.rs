//! Whole pages kept while nothing they show can have changed.
//!
//! A page is a function of what the registry holds, who reads it (rights, session's CSRF token
//! in its forms), the language and the day. Every write to the registry appends a record to
//! the hash-chained audit log, so the log's head hash names the registry's state: a page
//! rendered for the same reader, language, day and head is the page that would be rendered
//! again. The head is read once per request (the navigation's to-do count reads it too), so a
//! repeated view costs the session lookup and that one indexed read instead of the page's
//! twenty-odd queries. The first view after any write renders afresh.
//!
//! Only pages that read and never write use this, and only without query parameters that change
//! what they show. A page rendered while a read failed (a panel saying it could not be read, a
//! name left out) is served but not kept: [`degraded`] says so from anywhere inside the render.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::NaiveDate;

use crate::auth::User;
use crate::html::Lang;

/// What a kept page was rendered for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PageKey {
    path: String,
    principal: String,
    is_admin: bool,
    csrf: String,
    lang: Lang,
    today: NaiveDate,
    head: String,
}

impl PageKey {
    /// The key of `user`'s request; `None` when the audit head could not be read (no caching).
    fn of(user: &User) -> Option<PageKey> {
        Some(PageKey {
            path: user.path.clone(),
            principal: user.actor.to_string(),
            is_admin: user.is_admin,
            csrf: user.csrf.clone(),
            lang: user.lang,
            today: user.today,
            head: user.audit_head.clone()?,
        })
    }
}

/// Pages kept; beyond this the cache starts afresh (a page is tens of kilobytes).
const CACHE_LIMIT: usize = 1_000;

fn cache() -> &'static Mutex<HashMap<PageKey, Arc<str>>> {
    static CACHE: OnceLock<Mutex<HashMap<PageKey, Arc<str>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn lookup(key: &PageKey) -> Option<Arc<str>> {
    cache().lock().ok()?.get(key).cloned()
}

fn keep(key: PageKey, page: Arc<str>) {
    if let Ok(mut pages) = cache().lock() {
        // Pages of an older head can never be served again.
        pages.retain(|k, _| k.head == key.head);
        if pages.len() >= CACHE_LIMIT {
            pages.clear();
        }
        pages.insert(key, page);
    }
}

tokio::task_local! {
    /// Whether the page being rendered showed a failed read somewhere.
    static DEGRADED: Cell<bool>;
}

/// Marks the page being rendered (if any) as showing a failed read: it is served, never kept.
pub fn degraded() {
    let _ = DEGRADED.try_with(|d| d.set(true));
}

/// The page `render` makes for `user`, kept and served again while the registry, the reader,
/// the language and the day stand. A refusal or failure is never kept.
pub async fn page<E, F, Fut>(user: &User, render: F) -> Result<Arc<str>, E>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<String, E>>,
{
    let Some(key) = PageKey::of(user) else {
        return render().await.map(Arc::from);
    };
    if let Some(page) = lookup(&key) {
        return Ok(page);
    }
    let (rendered, degraded) = DEGRADED
        .scope(Cell::new(false), async {
            let rendered = render().await;
            (rendered, DEGRADED.with(Cell::get))
        })
        .await;
    let page: Arc<str> = Arc::from(rendered?);
    if !degraded {
        keep(key, page.clone());
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use guagou_registry::Actor;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn user(path: &str, head: Option<&str>) -> User {
        User {
            actor: Actor::parse("张@511722/land").unwrap_or_else(|e| panic!("{e}")),
            is_admin: false,
            csrf: "token".into(),
            lang: Lang::Zh,
            today: NaiveDate::default(),
            todo: None,
            audit_head: head.map(str::to_owned),
            path: path.into(),
        }
    }

    /// Renders `path` for a user at `head`, counting renders; `degrade` marks the render.
    async fn view(path: &str, head: Option<&str>, renders: &AtomicUsize, degrade: bool) -> String {
        let user = user(path, head);
        let page = page(&user, || async {
            renders.fetch_add(1, Ordering::SeqCst);
            if degrade {
                degraded();
            }
            Ok::<_, std::convert::Infallible>(format!("{path} {}", renders.load(Ordering::SeqCst)))
        })
        .await;
        match page {
            Ok(page) => page.to_string(),
            Err(never) => match never {},
        }
    }

    #[tokio::test]
    async fn a_page_is_kept_until_the_head_moves_and_never_when_degraded() {
        let renders = AtomicUsize::new(0);
        let first = view("/test/kept", Some("h1"), &renders, false).await;
        assert_eq!(view("/test/kept", Some("h1"), &renders, false).await, first);
        assert_eq!(renders.load(Ordering::SeqCst), 1);
        // A write moved the head: rendered afresh.
        assert_ne!(view("/test/kept", Some("h2"), &renders, false).await, first);
        assert_eq!(renders.load(Ordering::SeqCst), 2);

        // A page that showed a failed read is rendered again on each view.
        let degraded = AtomicUsize::new(0);
        view("/test/degraded", Some("h2"), &degraded, true).await;
        view("/test/degraded", Some("h2"), &degraded, true).await;
        assert_eq!(degraded.load(Ordering::SeqCst), 2);

        // Without a head (not read), nothing is kept.
        let headless = AtomicUsize::new(0);
        view("/test/headless", None, &headless, false).await;
        view("/test/headless", None, &headless, false).await;
        assert_eq!(headless.load(Ordering::SeqCst), 2);
    }
}
