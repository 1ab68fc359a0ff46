//! The house rules of `docs/ARCHITECTURE.md`, checked on the source: no
//! file imports from a layer above its own, and no two files import each
//! other, directly or around a loop.
//!
//! Each `.rs` file is parsed (`syn`); every path it names — in `use`
//! declarations and anywhere in its code — that starts with `crate::`,
//! `super::`, `self::` or a child module is resolved to the file of the
//! deepest module it names: `crate::hub::staff::Officer` is an import of
//! `src/hub/staff.rs`, `crate::hub::Hub` one of `src/hub/mod.rs`. A `mod`
//! declaration is not an import. Code under `#[cfg(test)]` is not part of
//! the program and is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A source tree's files and the files each one imports.
pub struct Graph {
    /// File (relative to the tree's root folder) → its module path.
    pub modules: BTreeMap<PathBuf, Vec<String>>,
    /// File → files it imports (itself excluded).
    pub imports: BTreeMap<PathBuf, BTreeSet<PathBuf>>,
}

/// Reads every `.rs` file under `root` (a crate's `src/`).
pub fn graph(root: &Path) -> Graph {
    let mut modules = BTreeMap::new();
    for file in rust_files(root) {
        let rel = file.strip_prefix(root).unwrap().to_owned();
        modules.insert(rel.clone(), module_path(&rel));
    }
    let by_module: BTreeMap<Vec<String>, PathBuf> = modules
        .iter()
        .filter(|(f, _)| f.as_path() != Path::new("main.rs"))
        .map(|(f, m)| (m.clone(), f.clone()))
        .collect();
    let mut imports = BTreeMap::new();
    for (file, module) in &modules {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let parsed =
            syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", root.join(file).display()));
        let mut paths = Paths::default();
        for item in &parsed.items {
            paths.item(item, module);
        }
        let mut targets = BTreeSet::new();
        for (at, path) in paths.found {
            if let Some(target) = resolve(&at, &path, &by_module) {
                if &target != file {
                    targets.insert(target);
                }
            }
        }
        imports.insert(file.clone(), targets);
    }
    Graph { modules, imports }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// `hub/queue.rs` → `[hub, queue]`; `hub/mod.rs` → `[hub]`; `lib.rs` → `[]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_owned());
    }
    parts
}

/// Paths named by a file, each with the module it is named in.
#[derive(Default)]
struct Paths {
    found: Vec<(Vec<String>, Vec<String>)>,
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

impl Paths {
    fn item(&mut self, item: &syn::Item, module: &[String]) {
        match item {
            syn::Item::Mod(m) if is_test_only(&m.attrs) => {}
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    let mut inner = module.to_vec();
                    inner.push(m.ident.to_string());
                    for item in items {
                        self.item(item, &inner);
                    }
                }
            }
            syn::Item::Use(u) if is_test_only(&u.attrs) => {}
            syn::Item::Use(u) => {
                let mut prefix = Vec::new();
                self.use_tree(&u.tree, &mut prefix, module);
            }
            syn::Item::Fn(f) if is_test_only(&f.attrs) => {}
            syn::Item::Impl(i) if is_test_only(&i.attrs) => {}
            other => {
                let mut visitor = PathVisitor {
                    module: module.to_vec(),
                    found: &mut self.found,
                };
                visitor.visit_item(other);
            }
        }
    }

    fn use_tree(&mut self, tree: &syn::UseTree, prefix: &mut Vec<String>, module: &[String]) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(&p.tree, prefix, module);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut path = prefix.clone();
                if n.ident != "self" {
                    path.push(n.ident.to_string());
                }
                self.found.push((module.to_vec(), path));
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix.clone();
                if r.ident != "self" {
                    path.push(r.ident.to_string());
                }
                self.found.push((module.to_vec(), path));
            }
            syn::UseTree::Glob(_) => self.found.push((module.to_vec(), prefix.clone())),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, prefix, module);
                }
            }
        }
    }
}

/// Collects the paths written in code (calls, types, patterns).
struct PathVisitor<'a> {
    module: Vec<String>,
    found: &'a mut Vec<(Vec<String>, Vec<String>)>,
}

impl<'ast> Visit<'ast> for PathVisitor<'_> {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.segments.len() > 1 {
            let segments = path.segments.iter().map(|s| s.ident.to_string()).collect();
            self.found.push((self.module.clone(), segments));
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if is_test_only(&m.attrs) {
            return;
        }
        self.module.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.module.pop();
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test_only(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test_only(&f.attrs) {
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
}

/// The file of the deepest module `path` names, seen from module `at`;
/// `None` for another crate or a name of the module itself.
fn resolve(
    at: &[String],
    path: &[String],
    modules: &BTreeMap<Vec<String>, PathBuf>,
) -> Option<PathBuf> {
    let (mut base, rest): (Vec<String>, &[String]) = match path.first().map(String::as_str) {
        Some("crate") => (Vec::new(), &path[1..]),
        Some("self") => (at.to_vec(), &path[1..]),
        Some("super") => {
            let mut base = at.to_vec();
            let mut rest = path;
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
            (base, rest)
        }
        Some(first) => {
            let mut child = at.to_vec();
            child.push(first.to_owned());
            if !modules.contains_key(&child) {
                return None; // another crate, a local item, a variable
            }
            (at.to_vec(), path)
        }
        None => return None,
    };
    let mut deepest = modules.get(&base).cloned();
    for segment in rest {
        base.push(segment.clone());
        match modules.get(&base) {
            Some(file) => deepest = Some(file.clone()),
            None => break,
        }
    }
    deepest
}

/// Groups of files that import each other around a loop (Tarjan's strongly
/// connected components of more than one file).
pub fn cycles(graph: &Graph) -> Vec<Vec<PathBuf>> {
    struct Tarjan<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g PathBuf, usize>,
        low: BTreeMap<&'g PathBuf, usize>,
        stack: Vec<&'g PathBuf>,
        on_stack: BTreeSet<&'g PathBuf>,
        next: usize,
        out: Vec<Vec<PathBuf>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g PathBuf) {
            self.index.insert(v, self.next);
            self.low.insert(v, self.next);
            self.next += 1;
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in &self.graph.imports[v] {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = Vec::new();
                loop {
                    let w = self.stack.pop().unwrap();
                    self.on_stack.remove(w);
                    group.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 {
                    group.sort();
                    self.out.push(group);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in graph.imports.keys() {
        if !t.index.contains_key(v) {
            t.visit(v);
        }
    }
    t.out
}

/// The layer of a file of the `motcua` package (`src/`), bottom = 1:
/// 1 `domain` (with the `motcua-api` and `motcua-drivers` crates);
/// 2 `store`, `config`, `notify`, `pin`, `web`; 3 `portal`; 4 `hub`;
/// 5 `apps`; 6 `cmd`, `cli`; 7 `lib.rs`, `main.rs`.
pub fn layer(module: &[String]) -> u8 {
    match module.first().map(String::as_str) {
        None => 7,
        Some("domain") => 1,
        Some("store" | "config" | "notify" | "pin" | "web") => 2,
        Some("portal") => 3,
        Some("hub" | "report") => 4,
        Some("apps") => 5,
        Some("cmd" | "cli") => 6,
        Some(other) => panic!(
            "module {other} has no layer: add it to tests/layers.rs and docs/ARCHITECTURE.md"
        ),
    }
}

/// Every import that goes up a layer, as `from → to (layer a → b)`.
pub fn upward_imports(graph: &Graph, layer: impl Fn(&[String]) -> u8) -> Vec<String> {
    let module_of = |f: &PathBuf| graph.modules[f].clone();
    let mut out = Vec::new();
    for (from, targets) in &graph.imports {
        let here = layer(&module_of(from));
        for to in targets {
            let there = layer(&module_of(to));
            if there > here {
                out.push(format!(
                    "{} (layer {here}) imports {} (layer {there})",
                    from.display(),
                    to.display()
                ));
            }
        }
    }
    out
}

fn show(cycles: &[Vec<PathBuf>]) -> String {
    cycles
        .iter()
        .map(|c| {
            c.iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(" ↔ ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn crate_src(dir: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir)
}

#[test]
fn no_file_imports_from_a_higher_layer() {
    let upward = upward_imports(&graph(&crate_src("src")), layer);
    assert!(
        upward.is_empty(),
        "imports up a layer:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_import_cycles_between_files() {
    for dir in ["src", "api/src"] {
        let found = cycles(&graph(&crate_src(dir)));
        assert!(
            found.is_empty(),
            "import cycles in {dir}:\n{}",
            show(&found)
        );
    }
}

/// The apps reach the hub only through HTTP with `motcua-api` types, and
/// only the composition root (the command layer and `lib.rs`) names a hub
/// and an app together.
#[test]
fn only_the_composition_root_names_both_a_hub_and_an_app() {
    let g = graph(&crate_src("src"));
    let area = |f: &PathBuf| g.modules[f].first().cloned().unwrap_or_default();
    for (from, targets) in &g.imports {
        let names = |what: &str| targets.iter().any(|t| area(t) == what);
        if area(from) == "apps" {
            assert!(!names("hub"), "{} imports the hub", from.display());
        }
        if names("hub") && names("apps") {
            assert!(
                matches!(area(from).as_str(), "cmd" | ""),
                "{} names both a hub and an app",
                from.display()
            );
        }
    }
}

/// The drivers crate is read the same way: no file-level import cycle
/// there either (its scanner parsers stand on `identity.rs` alone).
#[test]
fn no_import_cycle_between_files_of_the_drivers_crate() {
    let graph = graph(&crate_src("drivers/src"));
    assert!(graph.modules.len() > 10, "the drivers' files were read");
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "import cycles in drivers/src:\n{}",
        show(&found)
    );
}

/// The checker itself, on a planted tree: it sees an upward import, a
/// cycle, and nothing in test-only code.
#[test]
fn the_checker_finds_a_planted_upward_import_and_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "pub mod domain; pub mod hub;");
    write("domain/mod.rs", "pub mod a; pub mod b;");
    write("domain/a.rs", "use super::b::B; pub struct A;");
    write(
        "domain/b.rs",
        "pub struct B; pub fn f() { let _ = crate::domain::a::A; }\n\
         #[cfg(test)] mod tests { use crate::hub::Hub; }",
    );
    write("hub/mod.rs", "pub struct Hub; use crate::domain::a::A;");
    let g = graph(dir.path());
    assert_eq!(
        show(&cycles(&g)),
        format!(
            "{} ↔ {}",
            Path::new("domain/a.rs").display(),
            Path::new("domain/b.rs").display()
        )
    );
    assert!(
        upward_imports(&g, layer).is_empty(),
        "test code does not count"
    );
    write(
        "domain/a.rs",
        "use super::b::B; use crate::hub::{self}; pub struct A;",
    );
    let upward = upward_imports(&graph(dir.path()), layer);
    assert_eq!(upward.len(), 1, "{upward:?}");
    assert!(upward[0].contains("imports hub"), "{upward:?}");
}
