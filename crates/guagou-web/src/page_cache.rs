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
//! what they show.

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
    let page: Arc<str> = Arc::from(render().await?);
    keep(key, page.clone());
    Ok(page)
}
