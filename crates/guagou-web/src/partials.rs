//! What the shared partials of `templates/partials/` take: a page's template imports them
//! (`{% import "partials/table.html" as table %}`) and hands them these values. Every text is
//! plain (askama escapes it); none of them carries HTML.
//!
//! - `partials/table.html`: `cell` ([`Cell`]), `data_table` (header texts, rows of cells, the
//!   line shown when there are none), `facts` with `fact` / `fact_cell` (a key/value table).
//! - `partials/form.html`: `keys` (the hidden CSRF token and idempotency key), `post` (a
//!   [`PostForm`] around its fields), `field` (a labelled input), `select` ([`Choice`]s).
//! - `partials/none.html`: `line`, the "nothing yet" line.
//!
//! [`render`] renders a page body; a template that fails is an internal error.

use crate::error::WebError;

/// A page body from its template (`what` names it in the error); never panics.
pub fn render(template: &impl askama::Template, what: &str) -> Result<String, WebError> {
    template
        .render()
        .map_err(|e| WebError::Internal(format!("{what} template: {e}")))
}

/// A table cell or the value of a fact: text, shown as a link (with an optional tooltip), as
/// `<code>`, or in a span with an id, class or tooltip; optionally preceded by more text.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    /// Text shown before the cell's own (e.g. a date before the entry it names).
    pub before: String,
    pub text: String,
    pub href: Option<String>,
    pub title: Option<String>,
    pub id: Option<&'static str>,
    pub class: Option<&'static str>,
    /// Shown as `<code>` (keys, hashes).
    pub code: bool,
}

impl Cell {
    /// Plain text.
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            ..Cell::default()
        }
    }

    /// Text linking to `href`.
    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Cell {
        Cell {
            href: Some(href.into()),
            ..Cell::text(text)
        }
    }

    /// Text shown as `<code>`.
    pub fn code(text: impl Into<String>) -> Cell {
        Cell {
            code: true,
            ..Cell::text(text)
        }
    }

    /// The cell with a tooltip (on its link, or on a span around its text).
    #[must_use]
    pub fn titled(mut self, title: impl Into<String>) -> Cell {
        self.title = Some(title.into());
        self
    }

    /// The cell's text in a span with this id (tests and scripts read it).
    #[must_use]
    pub fn with_id(mut self, id: &'static str) -> Cell {
        self.id = Some(id);
        self
    }

    /// The cell's text in a span with this class.
    #[must_use]
    pub fn with_class(mut self, class: &'static str) -> Cell {
        self.class = Some(class);
        self
    }

    /// The cell preceded by `before`.
    #[must_use]
    pub fn after(mut self, before: impl Into<String>) -> Cell {
        self.before = before.into();
        self
    }
}

/// One option of a select.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    /// An option not selected.
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Choice {
        Choice {
            value: value.into(),
            label: label.into(),
            selected: false,
        }
    }
}

/// A post form's opening: where it posts, its id, the question asked before the step is
/// taken (`data-confirm`), the session's CSRF token and the form's idempotency key (fresh per
/// render, so a double submit posts once) with the name of its field.
#[derive(Debug, Clone)]
pub struct PostForm {
    pub action: String,
    pub id: String,
    pub confirm: Option<&'static str>,
    pub csrf: String,
    pub key_name: &'static str,
    pub key: String,
}
