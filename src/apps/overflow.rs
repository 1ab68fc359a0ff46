//! The cut-off text detector behind `DIR/overflow.json` of the kiosk, the
//! counter and the hall board (`--snapshot DIR`): after a page is
//! laid out, every visible `Text` element is measured with the renderer's
//! own text metrics (the numbers Slint's layouts use) and reported when its
//! text does not fit:
//!
//! - a one-line text whose full width is wider than its box (cut or elided
//!   with "…");
//! - a wrapping text whose wrapped height is taller than its box, or whose
//!   longest word is wider than it;
//! - a text whose box extends past the window (outside a `Flickable`, where
//!   running past the viewport is scrolling, not cutting).
//!
//! This reads Slint's item tree through its `private_unstable_api`; the
//! Slint version is pinned (`=1.18.1`) in `Cargo.toml`, so it cannot change
//! under us unnoticed.

use serde::Serialize;
use slint::private_unstable_api::re_exports::{
    ensure_item_tree_instantiated, ComplexText, Flickable, Item, ItemRc, Orientation, SimpleText,
    TextWrap, WindowInner,
};
use slint::ComponentHandle;

/// One text that does not fit, as written to `overflow.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overflow {
    /// The snapshot's name (`portrait-vi-home`).
    pub page: String,
    /// The element: the components it sits in and its id, e.g.
    /// `KioskHome > BigButton > Text`.
    pub element: String,
    pub text: String,
    /// Why it was reported, with the sizes (logical pixels).
    pub reason: String,
}

/// A half-pixel of slack for rounding in the layout.
const SLACK: f32 = 0.5;

/// Every text of `window`'s current page that does not fit.
pub fn find(window: &impl ComponentHandle, page: &str) -> Vec<Overflow> {
    let inner = WindowInner::from_pub(window.window());
    let root_tree = inner.component();
    ensure_item_tree_instantiated(&root_tree);
    let size = window
        .window()
        .size()
        .to_logical(window.window().scale_factor());
    let walk = Walk {
        page,
        window: (size.width, size.height),
        adapter: inner.window_adapter(),
    };
    let mut found = Vec::new();
    walk.visit(
        &ItemRc::new_root(root_tree),
        &mut Vec::new(),
        false,
        &mut found,
    );
    found
}

/// One text on a page, as written to `texts.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageText {
    pub page: String,
    /// As in [`Overflow::element`]. Elements whose id starts with `data-`
    /// show data (a citizen's name, the office's name), not wording.
    pub element: String,
    pub text: String,
}

/// Every text of `window`'s current page that is not hidden, with the
/// element that shows it.
pub fn texts(window: &impl ComponentHandle, page: &str) -> Vec<PageText> {
    fn visit(item: &ItemRc, path: &mut Vec<String>, page: &str, out: &mut Vec<PageText>) {
        let names = item.element_type_names_and_ids(0).unwrap_or_default();
        let pushed = names
            .first()
            .map(|(ty, id)| {
                path.push(if id.is_empty() {
                    ty.to_string()
                } else {
                    format!("{ty}#{id}")
                })
            })
            .is_some();
        let g = item.geometry();
        if g.width() > 0.0 || g.height() > 0.0 {
            let text = item
                .downcast::<ComplexText>()
                .map(|t| t.as_pin_ref().text().to_string())
                .or_else(|| {
                    item.downcast::<SimpleText>()
                        .map(|t| t.as_pin_ref().text().to_string())
                });
            if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
                out.push(PageText {
                    page: page.to_owned(),
                    element: path.join(" > "),
                    text,
                });
            }
            let mut child = item.first_child();
            while let Some(c) = child {
                visit(&c, path, page, out);
                child = c.next_sibling();
            }
        }
        if pushed {
            path.pop();
        }
    }
    let inner = WindowInner::from_pub(window.window());
    let root_tree = inner.component();
    ensure_item_tree_instantiated(&root_tree);
    let mut out = Vec::new();
    visit(
        &ItemRc::new_root(root_tree),
        &mut Vec::new(),
        page,
        &mut out,
    );
    out
}

struct Walk<'a> {
    page: &'a str,
    window: (f32, f32),
    adapter: std::rc::Rc<dyn slint::private_unstable_api::re_exports::WindowAdapter>,
}

/// A text item's properties, whichever of Slint's two text items it is.
struct TextItem {
    text: String,
    wrap: TextWrap,
    horizontal: slint::private_unstable_api::re_exports::LayoutInfo,
    vertical: slint::private_unstable_api::re_exports::LayoutInfo,
}

impl Walk<'_> {
    fn visit(
        &self,
        item: &ItemRc,
        path: &mut Vec<String>,
        in_flickable: bool,
        found: &mut Vec<Overflow>,
    ) {
        let names = item.element_type_names_and_ids(0).unwrap_or_default();
        let pushed = names
            .first()
            .map(|(ty, id)| {
                let name = if id.is_empty() {
                    ty.to_string()
                } else {
                    format!("{ty}#{id}")
                };
                path.push(name);
            })
            .is_some();
        if item.geometry().width() <= 0.0 && item.geometry().height() <= 0.0 {
            // A collapsed element (e.g. a zero-sized key catcher): nothing
            // in it is on screen.
        } else {
            if let Some(t) = self.text_item(item) {
                self.check(item, &t, path, in_flickable, found);
            }
            let in_flickable = in_flickable || item.downcast::<Flickable>().is_some();
            let mut child = item.first_child();
            while let Some(c) = child {
                self.visit(&c, path, in_flickable, found);
                child = c.next_sibling();
            }
        }
        if pushed {
            path.pop();
        }
    }

    fn text_item(&self, item: &ItemRc) -> Option<TextItem> {
        let width = item.geometry().width();
        if let Some(t) = item.downcast::<ComplexText>() {
            let t = t.as_pin_ref();
            return Some(TextItem {
                text: t.text().to_string(),
                wrap: t.wrap(),
                horizontal: t.layout_info(Orientation::Horizontal, -1.0, &self.adapter, item),
                vertical: t.layout_info(Orientation::Vertical, width, &self.adapter, item),
            });
        }
        let t = item.downcast::<SimpleText>()?;
        let t = t.as_pin_ref();
        Some(TextItem {
            text: t.text().to_string(),
            wrap: TextWrap::NoWrap,
            horizontal: t.layout_info(Orientation::Horizontal, -1.0, &self.adapter, item),
            vertical: t.layout_info(Orientation::Vertical, width, &self.adapter, item),
        })
    }

    fn check(
        &self,
        item: &ItemRc,
        t: &TextItem,
        path: &[String],
        in_flickable: bool,
        found: &mut Vec<Overflow>,
    ) {
        if t.text.trim().is_empty() || in_flickable && !item.is_visible() {
            // Nothing to read, or scrolled out of its list's viewport
            // (reachable by scrolling).
            return;
        }
        let geometry = item.geometry();
        let (w, h) = (geometry.width(), geometry.height());
        let mut reasons = Vec::new();
        match t.wrap {
            TextWrap::NoWrap => {
                if t.horizontal.preferred > w + SLACK {
                    reasons.push(format!(
                        "one line of {:.0} px in a box {w:.0} px wide",
                        t.horizontal.preferred
                    ));
                }
            }
            _ => {
                if t.horizontal.min > w + SLACK {
                    reasons.push(format!(
                        "a word of {:.0} px in a box {w:.0} px wide",
                        t.horizontal.min
                    ));
                }
                if t.vertical.preferred > h + SLACK {
                    reasons.push(format!(
                        "wraps to {:.0} px in a box {h:.0} px high",
                        t.vertical.preferred
                    ));
                }
            }
        }
        if !in_flickable && self.off_window(item) {
            let at = item.map_to_window(geometry.origin);
            reasons.push(format!(
                "box {w:.0}×{h:.0} at ({:.0}, {:.0}) runs past the {:.0}×{:.0} window",
                at.x, at.y, self.window.0, self.window.1
            ));
        }
        if !reasons.is_empty() {
            found.push(Overflow {
                page: self.page.to_owned(),
                element: path.join(" > "),
                text: t.text.clone(),
                reason: reasons.join("; "),
            });
        }
    }

    /// Whether the item's box extends past the window.
    fn off_window(&self, item: &ItemRc) -> bool {
        let g = item.geometry();
        // `map_to_window` maps a point of the parent's coordinates.
        let at = item.map_to_window(g.origin);
        at.x < -SLACK
            || at.y < -SLACK
            || at.x + g.width() > self.window.0 + SLACK
            || at.y + g.height() > self.window.1 + SLACK
    }
}
