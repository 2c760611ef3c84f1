//! The three-way merge of a form's JSON, which keeps a draft edited in two tabs from losing text.
//! A save names the revision it was based on; when the store holds a newer one, the store merges
//! what this save changed since that base into what it holds, path by path. It knows nothing of
//! petitions: it works on any JSON object, so every record the app edits (supplements, quiz
//! attempts in progress) gets the same rules.
//!
//! The rules, for each path:
//! - changed on one side only: that side's value;
//! - changed on both sides to the same value: that value;
//! - changed on both sides differently: the stored value is kept, and the save's value is
//!   reported as a [`Conflict`], so that the tab that lost can show it and offer it to copy.
//!
//! Objects are merged key by key, arrays of the same length on all three sides element by
//! element (two tabs editing two different representatives); anything else is one value.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A path both sides changed differently: the stored value was kept, `mine` was not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// Where, as `a.b[0].c` (a petition's paths are `Field::path`'s).
    pub path: String,
    /// What the save wanted there (`None`: it removed the value).
    pub mine: Option<Value>,
    /// What the store holds there and kept.
    pub stored: Option<Value>,
}

/// The result of [`merge`].
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The stored value with the save's changes that did not collide.
    pub value: Value,
    /// Every path where the stored value was kept over the save's, in path order.
    pub conflicts: Vec<Conflict>,
}

/// Merges `mine` (the save) into `stored`, both descended from `base`. Without a base (a save
/// that cannot say what it started from) every path where the two differ is a conflict and the
/// stored value stays: nothing is overwritten blindly.
pub fn merge(base: Option<&Value>, stored: &Value, mine: &Value) -> Merged {
    let mut conflicts = Vec::new();
    let value = match base {
        Some(base) => merge_at("", Some(base), Some(stored), Some(mine), &mut conflicts),
        None => keep_stored_at("", Some(stored), Some(mine), &mut conflicts),
    };
    Merged {
        value: value.unwrap_or(Value::Null),
        conflicts,
    }
}

/// Like [`merge`], but a collision keeps `mine`: what a tab does with a save of another tab
/// while its own edits wait to be written. The tab decides nothing by it; the store, when the
/// tab's save arrives, applies [`merge`]'s rule and reports the conflict.
pub fn rebase(base: &Value, stored: &Value, mine: &Value) -> Value {
    // A three-way merge with the sides swapped keeps the second side on a collision.
    merge_at("", Some(base), Some(mine), Some(stored), &mut Vec::new()).unwrap_or(Value::Null)
}

fn merge_at(
    path: &str,
    base: Option<&Value>,
    stored: Option<&Value>,
    mine: Option<&Value>,
    conflicts: &mut Vec<Conflict>,
) -> Option<Value> {
    if mine == stored || mine == base {
        return stored.cloned();
    }
    if stored == base {
        return mine.cloned();
    }
    match (base, stored, mine) {
        (Some(Value::Object(b)), Some(Value::Object(s)), Some(Value::Object(m))) => {
            let mut out = Map::new();
            for key in keys([b, s, m]) {
                let at = join(path, &key);
                if let Some(v) = merge_at(&at, b.get(&key), s.get(&key), m.get(&key), conflicts) {
                    out.insert(key, v);
                }
            }
            Some(Value::Object(out))
        }
        (Some(Value::Array(b)), Some(Value::Array(s)), Some(Value::Array(m)))
            if b.len() == s.len() && s.len() == m.len() =>
        {
            let items = (0..s.len())
                .map(|i| {
                    let at = format!("{path}[{i}]");
                    merge_at(&at, b.get(i), s.get(i), m.get(i), conflicts).unwrap_or(Value::Null)
                })
                .collect();
            Some(Value::Array(items))
        }
        _ => {
            conflicts.push(Conflict {
                path: path.to_owned(),
                mine: mine.cloned(),
                stored: stored.cloned(),
            });
            stored.cloned()
        }
    }
}

/// No base: the stored value everywhere, and a conflict at each leaf where `mine` differs.
fn keep_stored_at(
    path: &str,
    stored: Option<&Value>,
    mine: Option<&Value>,
    conflicts: &mut Vec<Conflict>,
) -> Option<Value> {
    if stored == mine {
        return stored.cloned();
    }
    if let (Some(Value::Object(s)), Some(Value::Object(m))) = (stored, mine) {
        for key in keys([s, m]) {
            keep_stored_at(&join(path, &key), s.get(&key), m.get(&key), conflicts);
        }
    } else {
        conflicts.push(Conflict {
            path: path.to_owned(),
            mine: mine.cloned(),
            stored: stored.cloned(),
        });
    }
    stored.cloned()
}

fn keys<const N: usize>(objects: [&Map<String, Value>; N]) -> std::collections::BTreeSet<String> {
    objects.iter().flat_map(|o| o.keys().cloned()).collect()
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form() -> Value {
        json!({
            "petitioner": {"name": "", "address": ""},
            "request": "", "facts": "",
            "representatives": [{"name": "甲"}, {"name": "乙"}]
        })
    }

    #[test]
    fn changes_to_different_fields_are_both_kept() {
        let base = form();
        let mut stored = form();
        stored["facts"] = "道路破损已半年".into();
        let mut mine = form();
        mine["petitioner"]["address"] = "城关镇人民路1号".into();
        let m = merge(Some(&base), &stored, &mine);
        assert_eq!(m.value["facts"], "道路破损已半年");
        assert_eq!(m.value["petitioner"]["address"], "城关镇人民路1号");
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn the_same_field_changed_differently_keeps_the_stored_text_and_reports_mine() {
        let base = form();
        let mut stored = form();
        stored["request"] = "修路".into();
        let mut mine = form();
        mine["request"] = "修桥".into();
        let m = merge(Some(&base), &stored, &mine);
        assert_eq!(m.value["request"], "修路");
        assert_eq!(
            m.conflicts,
            [Conflict {
                path: "request".into(),
                mine: Some("修桥".into()),
                stored: Some("修路".into()),
            }]
        );
    }

    #[test]
    fn the_same_change_on_both_sides_is_no_conflict() {
        let mut both = form();
        both["request"] = "修路".into();
        let m = merge(Some(&form()), &both, &both);
        assert_eq!(m.value, both);
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn two_representatives_edited_in_two_tabs_are_both_kept() {
        let mut stored = form();
        stored["representatives"][0]["name"] = "甲甲".into();
        let mut mine = form();
        mine["representatives"][1]["name"] = "乙乙".into();
        let m = merge(Some(&form()), &stored, &mine);
        assert_eq!(m.value["representatives"][0]["name"], "甲甲");
        assert_eq!(m.value["representatives"][1]["name"], "乙乙");
        // One side added a representative, the other renamed one: the list is one value.
        let mut longer = form();
        longer["representatives"] = json!([{"name": "甲"}, {"name": "乙"}, {"name": "丙"}]);
        let m = merge(Some(&form()), &longer, &mine);
        assert_eq!(m.value, longer);
        assert_eq!(m.conflicts[0].path, "representatives");
    }

    #[test]
    fn a_key_added_or_removed_on_one_side_follows_that_side() {
        let mut stored = form();
        stored["supplement"] = "补充材料".into();
        let mut mine = form();
        mine.as_object_mut().unwrap().remove("facts");
        let m = merge(Some(&form()), &stored, &mine);
        assert_eq!(m.value["supplement"], "补充材料");
        assert!(m.value.get("facts").is_none());
    }

    #[test]
    fn without_a_base_every_difference_keeps_the_stored_value() {
        let mut stored = form();
        stored["facts"] = "事实".into();
        let mut mine = form();
        mine["petitioner"]["address"] = "住址".into();
        let m = merge(None, &stored, &mine);
        assert_eq!(m.value, stored);
        let paths: Vec<_> = m.conflicts.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["facts", "petitioner.address"]);
    }

    #[test]
    fn a_rebase_takes_the_other_tabs_fields_and_keeps_what_this_tab_typed() {
        let base = form();
        let mut stored = form();
        stored["facts"] = "事实".into();
        stored["request"] = "修路".into();
        let mut mine = form();
        mine["request"] = "修桥".into();
        let r = rebase(&base, &stored, &mine);
        assert_eq!(r["facts"], "事实");
        assert_eq!(r["request"], "修桥");
    }
}
