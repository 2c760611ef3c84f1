//! Turns `locales/*.json` into the app's translation tables (`src/i18n.rs` includes the result).
//!
//! Every key of the default language's file gets an index, in the order of its dotted path; the
//! other files are read in that order, a key missing there taking the default language's text
//! (with a warning, as leptos_i18n did). It writes to `OUT_DIR`:
//!
//! - `i18n.rs`: the `Locale` enum, one `Key` constant per key in nested modules
//!   (`keys::home::intro`) with its index and the default language's text, and for each other
//!   language its table and the URL of its served file;
//! - `locales/<tag>-<hash>.json`: each other language's table as a JSON array, named after a hash
//!   of its contents. The release build (`scripts/build-wasm.mjs`) ships them, and the app fetches
//!   only the one the user chose, so the first download carries one language's sentences, not
//!   three.
//!
//! The same indices serve both ends, so a served file can never be read with another build's keys:
//! a changed file gets a new name.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

/// The languages: tag (the file name and `<html lang>`) and the Rust name of the variant. The
/// first is the default, compiled into the first download.
const LOCALES: [(&str, &str); 3] = [("zh-Hans", "zh_Hans"), ("zh-Hant", "zh_Hant"), ("en", "en")];

/// Where the served files are found, under the app's public URL (Trunk.toml's `public_url`).
const SERVED_DIR: &str = "/locales";

fn main() {
    let root =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=locales");

    let files: Vec<BTreeMap<String, String>> = LOCALES
        .iter()
        .map(|(tag, _)| {
            let path = root.join("locales").join(format!("{tag}.json"));
            println!("cargo::rerun-if-changed={}", path.display());
            flatten(&path)
        })
        .collect();
    let keys: Vec<&String> = files[0].keys().collect();

    let mut tables = Vec::new();
    for ((tag, _), file) in LOCALES.iter().zip(&files) {
        let mut table = Vec::with_capacity(keys.len());
        for key in &keys {
            match file.get(*key) {
                Some(text) => table.push(text.as_str()),
                None => {
                    println!("cargo::warning=locales/{tag}.json has no `{key}`: it shows the default language's text");
                    table.push(files[0][*key].as_str());
                }
            }
        }
        for key in file.keys().filter(|k| !files[0].contains_key(*k)) {
            println!(
                "cargo::warning=locales/{tag}.json has `{key}`, which locales/{}.json lacks: it is never shown",
                LOCALES[0].0
            );
        }
        tables.push(table);
    }

    let served_dir = out.join("locales");
    let _ = fs::remove_dir_all(&served_dir);
    fs::create_dir_all(&served_dir).expect("create OUT_DIR/locales");
    let mut urls = Vec::new();
    for ((tag, _), table) in LOCALES.iter().zip(&tables).skip(1) {
        let json = json_array(table);
        let name = format!("{tag}-{:016x}.json", fnv1a(json.as_bytes()));
        fs::write(served_dir.join(&name), &json).expect("write a served locale file");
        urls.push(format!("{SERVED_DIR}/{name}"));
    }

    fs::write(out.join("i18n.rs"), rust_source(&keys, &tables, &urls)).expect("write i18n.rs");
}

/// Every string of a locale file under its dotted path (`home.intro`).
fn flatten(path: &Path) -> BTreeMap<String, String> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    walk(&value, String::new(), path, &mut out);
    out
}

fn walk(
    value: &serde_json::Value,
    prefix: String,
    path: &Path,
    out: &mut BTreeMap<String, String>,
) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                walk(v, key, path, out);
            }
        }
        serde_json::Value::String(s) => {
            out.insert(prefix, s.clone());
        }
        other => panic!(
            "{}: `{prefix}` is {other}, not a string or an object",
            path.display()
        ),
    }
}

fn json_array(table: &[&str]) -> String {
    serde_json::to_string(table).expect("strings serialize")
}

/// FNV-1a, 64 bits: a file name that changes with the contents, the same on every machine.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn rust_source(keys: &[&String], tables: &[Vec<&str>], urls: &[String]) -> String {
    let mut s = String::from("// Generated by build.rs from locales/*.json; do not edit.\n\n");

    s.push_str("/// An interface language.\n");
    s.push_str("#[allow(non_camel_case_types)]\n");
    s.push_str("#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]\n");
    s.push_str("pub enum Locale {\n");
    for (i, (tag, ident)) in LOCALES.iter().enumerate() {
        if i == 0 {
            s.push_str("    #[default]\n");
        }
        let _ = writeln!(s, "    /// `{tag}`\n    {ident},");
    }
    s.push_str("}\n\n");
    s.push_str("impl Locale {\n");
    let _ = writeln!(
        s,
        "    /// Every language, the default first.\n    pub const ALL: [Locale; {}] = [{}];",
        LOCALES.len(),
        LOCALES
            .iter()
            .map(|(_, i)| format!("Locale::{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    s.push_str("    /// The BCP 47 tag, as in `<html lang>` and the locale file's name.\n");
    s.push_str("    pub const fn as_str(self) -> &'static str {\n        match self {\n");
    for (tag, ident) in LOCALES {
        let _ = writeln!(s, "            Locale::{ident} => {tag:?},");
    }
    s.push_str("        }\n    }\n}\n\n");
    s.push_str("impl std::str::FromStr for Locale {\n    type Err = ();\n");
    s.push_str("    fn from_str(tag: &str) -> Result<Self, ()> {\n        match tag {\n");
    for (tag, ident) in LOCALES {
        let _ = writeln!(s, "            {tag:?} => Ok(Locale::{ident}),");
    }
    s.push_str("            _ => Err(()),\n        }\n    }\n}\n\n");

    let _ = writeln!(
        s,
        "/// How many texts each language has.\npub const KEY_COUNT: usize = {};\n",
        keys.len()
    );

    // The keys as nested modules of constants, so that `t!(i18n, home.intro)` names
    // `keys::home::intro` and a mistyped key is a compile error.
    // Each constant carries the default language's text itself: a page's texts then travel with
    // the page's code, which wasm-split moves into the page's module, instead of one table in the
    // first download.
    let mut tree = Node::default();
    for (i, key) in keys.iter().enumerate() {
        tree.insert(
            key.split('.').collect::<Vec<_>>().as_slice(),
            (i, tables[0][i]),
        );
    }
    s.push_str("/// One constant per text, named by its path in the locale files.\n");
    s.push_str(
        "#[allow(non_upper_case_globals, dead_code)]\npub mod keys {\n    use super::Key;\n",
    );
    tree.write(&mut s, 1);
    s.push_str("}\n\n");

    for ((tag, ident), table) in LOCALES.iter().zip(tables).skip(1) {
        let _ = writeln!(
            s,
            "/// The texts of `{tag}`, by key index.\n#[cfg(not(feature = \"split\"))]\n\
             static TEXTS_{}: [&str; {}] = {:?};\n",
            ident.to_uppercase(),
            table.len(),
            table
        );
    }
    for ((tag, ident), url) in LOCALES.iter().skip(1).zip(urls) {
        let _ = writeln!(
            s,
            "/// Where the release build serves the texts of `{tag}` (a JSON array, by key index).\n\
             #[cfg(feature = \"split\")]\n#[allow(dead_code)]\nconst URL_{}: &str = {url:?};\n",
            ident.to_uppercase()
        );
    }
    s
}

#[derive(Default)]
struct Node<'a> {
    leaf: Option<(usize, &'a str)>,
    children: BTreeMap<String, Node<'a>>,
}

impl<'a> Node<'a> {
    fn insert(&mut self, path: &[&str], leaf: (usize, &'a str)) {
        match path {
            [] => self.leaf = Some(leaf),
            [first, rest @ ..] => self
                .children
                .entry(first.to_string())
                .or_default()
                .insert(rest, leaf),
        }
    }

    fn write(&self, s: &mut String, depth: usize) {
        let pad = "    ".repeat(depth);
        for (name, child) in &self.children {
            if let Some((i, text)) = child.leaf {
                let _ = writeln!(s, "{pad}pub const {name}: Key = Key({i}, {text:?});");
            }
            if !child.children.is_empty() {
                let _ = writeln!(s, "{pad}pub mod {name} {{\n{pad}    use super::Key;");
                child.write(s, depth + 1);
                let _ = writeln!(s, "{pad}}}");
            }
        }
    }
}
