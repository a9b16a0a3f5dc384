//! Pickers instead of typed codes (issue 14 item 5): a field that sends a division or project
//! code keeps its name and its parsing, and gets `list="…"` with a `<datalist>` whose options
//! carry the code as value and the name as label (`templates/picker.html`). The choices are
//! read through the reader's door.

use std::collections::BTreeMap;

use guagou_domain::DivisionCode;
use guagou_domain::division::DivisionLevel;
use guagou_registry::divisions::Division;

use crate::auth::User;

/// One choice: the code the field sends and the name shown beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(askama::Template)]
#[template(path = "picker.html")]
struct Datalist<'a> {
    list: &'a str,
    options: &'a [Choice],
}

#[derive(askama::Template)]
#[template(path = "picked_field.html")]
struct PickedField<'a> {
    label: &'a str,
    name: &'a str,
    hint: &'a str,
    list: &'a str,
    options: &'a [Choice],
}

#[derive(askama::Template)]
#[template(path = "picked_list_field.html")]
struct PickedListField<'a> {
    label: &'a str,
    add_label: &'a str,
    name: &'a str,
    hint: &'a str,
    list: &'a str,
    options: &'a [Choice],
}

fn rendered(result: askama::Result<String>) -> String {
    result.unwrap_or_else(|e| {
        tracing::error!(error = %e, "picker template failed");
        String::new()
    })
}

/// The `<datalist id="…">` of `options`.
pub fn datalist(list: &str, options: &[Choice]) -> String {
    rendered(askama::Template::render(&Datalist { list, options }))
}

/// A paragraph with a labelled text field `name` (id `field-<name>`) offering `options` by
/// name from the datalist `list`.
pub fn field(label: &str, name: &str, hint: &str, list: &str, options: &[Choice]) -> String {
    rendered(askama::Template::render(&PickedField {
        label,
        name,
        hint,
        list,
        options,
    }))
}

/// A labelled text field `name` (id `field-<name>`) of several codes, with a chooser labelled
/// `add_label` that adds one of `options` by name (datalist `list`), and the names of the
/// codes in the field listed under it (`assets/confirm.js`).
pub fn list_field(
    label: &str,
    add_label: &str,
    name: &str,
    hint: &str,
    list: &str,
    options: &[Choice],
) -> String {
    rendered(askama::Template::render(&PickedListField {
        label,
        add_label,
        name,
        hint,
        list,
        options,
    }))
}

/// The cities and counties among `names` (6-digit codes) at `levels`, `keep` deciding which,
/// by code.
pub fn divisions(
    names: &BTreeMap<String, String>,
    levels: &[DivisionLevel],
    keep: impl Fn(&DivisionCode) -> bool,
) -> Vec<Choice> {
    names
        .iter()
        .filter_map(|(code, name)| {
            let parsed = DivisionCode::parse(code).ok()?;
            (levels.contains(&parsed.level()) && keep(&parsed)).then(|| Choice {
                value: code.clone(),
                label: name.clone(),
            })
        })
        .collect()
}

/// The counties `user` acts for among `names`.
pub fn own_counties(user: &User, names: &BTreeMap<String, String>) -> Vec<Choice> {
    divisions(names, &[DivisionLevel::County], |c| {
        user.actor.may_act_for(c)
    })
}

/// The townships and the villages among `divisions` (a county's, from `divisions_under`),
/// each by name; a village's label names its township too.
pub fn townships_and_villages(divisions: &[Division]) -> (Vec<Choice>, Vec<Choice>) {
    let township_names: BTreeMap<&str, &str> = divisions
        .iter()
        .filter(|d| d.code.len() == 9)
        .map(|d| (d.code.as_str(), d.name.as_str()))
        .collect();
    let townships = township_names
        .iter()
        .map(|(code, name)| Choice {
            value: (*code).to_owned(),
            label: (*name).to_owned(),
        })
        .collect();
    let villages = divisions
        .iter()
        .filter(|d| d.code.len() == 12)
        .map(|d| {
            let township = d.code.get(..9).and_then(|t| township_names.get(t));
            Choice {
                value: d.code.clone(),
                label: match township {
                    Some(t) => format!("{} · {t}", d.name),
                    None => d.name.clone(),
                },
            }
        })
        .collect();
    (townships, villages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_datalist_escapes_and_carries_codes_as_values() {
        let html = datalist(
            "x",
            &[Choice {
                value: "511722".into(),
                label: "宣汉县<".into(),
            }],
        );
        assert!(html.contains("<datalist id=\"x\">"), "{html}");
        assert!(
            html.contains("<option value=\"511722\">宣汉县&#60;</option>"),
            "{html}"
        );
    }

    #[test]
    fn only_cities_and_counties_of_the_levels_asked() {
        let names: BTreeMap<String, String> = [
            ("510000", "四川省"),
            ("511700", "达州市"),
            ("511722", "宣汉县"),
            ("bad", "?"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
        let counties = divisions(&names, &[DivisionLevel::County], |_| true);
        assert_eq!(
            counties
                .iter()
                .map(|c| c.value.as_str())
                .collect::<Vec<_>>(),
            vec!["511722"]
        );
        let both = divisions(
            &names,
            &[DivisionLevel::City, DivisionLevel::County],
            |_| true,
        );
        assert_eq!(both.len(), 2);
    }
}
