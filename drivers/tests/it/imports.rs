//! No import cycle between the files of `drivers/src`.
//!
//! A text-based check, enough for this crate's style: every `crate::…`,
//! `super::…` and `self::…` path outside comments and test modules is an
//! edge from its file to the file of the deepest module the path names
//! (`super::identity::IdError` → `scanner/identity.rs`; `super::{cccd,
//! mrz}` → both; `crate::DeviceErrorKind` → `lib.rs`, whose `pub use`
//! lines are edges too). `mod` declarations are not edges. Any strongly
//! connected group of more than one file is a cycle, reported by name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path (`["scanner", "identity"]`) → its file, relative to `src`.
type Files = BTreeMap<Vec<String>, PathBuf>;

fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn collect(dir: &Path, root: &Path, files: &mut Files) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, root, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).unwrap().to_owned();
            files.insert(module_path(&relative), relative);
        }
    }
}

/// The source without comments, string literals and `#[cfg(test)]` items
/// (which this crate keeps at the end of a file).
fn code_of(source: &str) -> String {
    let source = match source.find("#[cfg(test)]") {
        Some(i) => &source[..i],
        None => source,
    };
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut prev = ' ';
                for c in chars.by_ref() {
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if !escaped && c == '"' {
                        break;
                    }
                    escaped = !escaped && c == '\\';
                }
                out.push_str("\"\"");
            }
            // A char literal such as '"' must not open a string.
            '\'' if chars.clone().nth(1) == Some('\'') => {
                chars.nth(1);
                out.push_str("' '");
            }
            c => out.push(c),
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every module path the code of the file at `here` names.
fn referenced_paths(code: &str, here: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !is_ident(bytes[i - 1]) && bytes[i - 1] != ':';
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        let Some(anchor) = ["crate::", "super::", "self::"]
            .into_iter()
            .find(|a| starts_word && rest.starts_with(a))
        else {
            i += 1;
            continue;
        };
        // The module the anchor names: a `foo.rs` file is module `foo`, so
        // its `super` is its parent; `foo/mod.rs` is also module `foo`.
        let mut base: Vec<String> = match anchor {
            "crate::" => Vec::new(),
            "self::" => here.to_vec(),
            _ => here[..here.len().saturating_sub(1)].to_vec(),
        };
        i += anchor.len();
        // `super::super::…`
        while code_at(&bytes, i, "super::") {
            base.pop();
            i += "super::".len();
        }
        let (paths, end) = read_tree(&bytes, i);
        i = end;
        for p in paths {
            let mut full = base.clone();
            full.extend(p);
            found.push(full);
        }
    }
    found
}

fn code_at(bytes: &[char], i: usize, s: &str) -> bool {
    s.chars()
        .enumerate()
        .all(|(k, c)| bytes.get(i + k) == Some(&c))
}

/// Reads `a::b::{c, d::e}` from `i`: the paths it names, and where it ends.
fn read_tree(bytes: &[char], mut i: usize) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    loop {
        let start = i;
        while i < bytes.len() && is_ident(bytes[i]) {
            i += 1;
        }
        if i > start {
            prefix.push(bytes[start..i].iter().collect::<String>());
        }
        let group = if code_at(bytes, i, "::{") {
            Some(3)
        } else if prefix.is_empty() && code_at(bytes, i, "{") {
            Some(1)
        } else {
            None
        };
        if let Some(skip) = group {
            i += skip;
            let mut paths = Vec::new();
            loop {
                while i < bytes.len() && (bytes[i].is_whitespace() || bytes[i] == ',') {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == '}' {
                    return (paths, i + 1);
                }
                let (inner, end) = read_tree(bytes, i);
                for p in inner {
                    let mut full = prefix.clone();
                    full.extend(p);
                    paths.push(full);
                }
                i = end;
                // Skip `as alias` and anything else up to `,` or `}`.
                while i < bytes.len() && bytes[i] != ',' && bytes[i] != '}' {
                    i += 1;
                }
            }
        }
        if code_at(bytes, i, "::") && bytes.get(i + 2).is_some_and(|&c| is_ident(c)) {
            i += 2;
            continue;
        }
        return (vec![prefix], i);
    }
}

/// The file of the deepest module that `path` names.
fn resolve<'f>(files: &'f Files, path: &[String]) -> Option<&'f PathBuf> {
    (0..=path.len())
        .rev()
        .find_map(|n| files.get(&path[..n].to_vec()))
}

/// File → the files it imports.
fn import_graph(src: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut files = Files::new();
    collect(src, src, &mut files);
    let mut graph = BTreeMap::new();
    for (module, file) in &files {
        let source = std::fs::read_to_string(src.join(file)).unwrap();
        let mut edges = BTreeSet::new();
        for path in referenced_paths(&code_of(&source), module) {
            if let Some(target) = resolve(&files, &path) {
                if target != file {
                    edges.insert(target.clone());
                }
            }
        }
        // `pub use child::X` in a module file names a child module.
        for line in code_of(&source).lines() {
            let line = line.trim();
            let Some(rest) = line
                .strip_prefix("pub use ")
                .or_else(|| line.strip_prefix("use "))
            else {
                continue;
            };
            if rest.starts_with("crate::") || rest.starts_with("super::") {
                continue;
            }
            let first: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            let mut child = module.clone();
            child.push(first);
            if let Some(target) = files.get(&child) {
                edges.insert(target.clone());
            }
        }
        graph.insert(file.clone(), edges);
    }
    graph
}

/// Groups of files that import each other (Tarjan's strongly connected
/// components with more than one file).
fn cycles(graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<Vec<PathBuf>> {
    struct State<'g> {
        graph: &'g BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'g PathBuf, usize>,
        low: BTreeMap<&'g PathBuf, usize>,
        stack: Vec<&'g PathBuf>,
        on_stack: BTreeSet<&'g PathBuf>,
        found: Vec<Vec<PathBuf>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g PathBuf) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.clone());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.found.push(group);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.found
}

#[test]
fn no_import_cycle_between_files_of_the_drivers_crate() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = import_graph(&src);
    assert!(graph.len() > 20, "read {} files", graph.len());
    assert_eq!(cycles(&graph), Vec::<Vec<PathBuf>>::new());
    // The parsers stand on `identity.rs` alone; dispatch is the one file
    // that knows them both.
    let edges = |f: &str| -> Vec<String> {
        graph[Path::new(f)]
            .iter()
            .map(|p| p.display().to_string())
            .collect()
    };
    assert_eq!(edges("scanner/cccd.rs"), ["scanner/identity.rs"]);
    assert_eq!(edges("scanner/mrz.rs"), ["scanner/identity.rs"]);
    assert!(edges("scanner/identity.rs").iter().all(|e| e == "error.rs"));
    assert_eq!(
        edges("scanner/dispatch.rs"),
        [
            "scanner/cccd.rs",
            "scanner/framing.rs",
            "scanner/identity.rs",
            "scanner/mrz.rs"
        ]
    );
}

#[test]
fn the_check_finds_a_planted_cycle() {
    // The scanner as it was before issue 13: identity.rs dispatched to
    // the parsers, which import identity.rs.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |name: &str, text: &str| {
        let path = src.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "//! x\npub mod error;\npub mod scanner;\n");
    write("error.rs", "pub enum Kind { A }\n");
    write(
        "scanner/mod.rs",
        "pub mod cccd;\npub mod identity;\npub mod mrz;\npub use identity::Doc;\n",
    );
    write(
        "scanner/identity.rs",
        "use super::{cccd, mrz};\nuse crate::error::Kind;\npub struct Doc;\n\
         pub fn parse_line(l: &str) { cccd::parse(l); }\n",
    );
    write(
        "scanner/cccd.rs",
        "// use super::mrz::X; (a comment is no import)\n\
         use super::identity::{Doc, /* x */ parse_line as _p};\n\
         pub fn parse(_: &str) -> Option<Doc> { let _ = \"crate::scanner::mrz\"; None }\n",
    );
    write(
        "scanner/mrz.rs",
        "pub fn parse() -> super::identity::Doc { super::identity::Doc }\n\
         #[cfg(test)]\nmod tests { use crate::scanner::cccd; }\n",
    );
    let graph = import_graph(src);
    let cycle = |names: &[&str]| -> Vec<PathBuf> { names.iter().map(PathBuf::from).collect() };
    assert_eq!(
        graph[Path::new("scanner/cccd.rs")],
        BTreeSet::from([PathBuf::from("scanner/identity.rs")]),
        "comments, strings and tests are not imports"
    );
    assert_eq!(
        cycles(&graph),
        vec![cycle(&[
            "scanner/cccd.rs",
            "scanner/identity.rs",
            "scanner/mrz.rs"
        ])]
    );
}
