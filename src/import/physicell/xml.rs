//! Reading PhysiCell's XML: elements named by their path for messages
//! (`<microenvironment_setup><variable name="oxygen"><decay_rate>`),
//! numbers and booleans read as PhysiCell reads them, and one error
//! naming the element for anything missing or malformed.

use crate::{Error, Result};
use roxmltree::Node;

/// An element and the path that names it.
#[derive(Clone)]
pub struct El<'a, 'i> {
    pub node: Node<'a, 'i>,
    pub path: String,
}

impl<'a, 'i> El<'a, 'i> {
    /// The document's root element; paths below it leave it out (`<domain><dx>`).
    pub fn root(node: Node<'a, 'i>) -> Self {
        El { node, path: String::new() }
    }

    /// The tag name.
    pub fn name(&self) -> &'a str {
        self.node.tag_name().name()
    }

    /// The element children, in file order.
    pub fn elements(&self) -> impl Iterator<Item = El<'a, 'i>> + '_ {
        self.node.children().filter(|n| n.is_element()).map(|n| self.enter(n))
    }

    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<El<'a, 'i>> {
        self.elements().find(|e| e.name() == name)
    }

    /// Every child element called `name`.
    pub fn all(&self, name: &str) -> Vec<El<'a, 'i>> {
        self.elements().filter(|e| e.name() == name).collect()
    }

    /// The first child element called `name`, which must be there.
    pub fn require(&self, name: &str, fix: &str) -> Result<El<'a, 'i>> {
        self.child(name).ok_or_else(|| Error::import(format!("{}<{name}>", self.path), "is missing", fix))
    }

    pub fn attr(&self, name: &str) -> Option<&'a str> {
        self.node.attribute(name)
    }

    /// The element's own text, trimmed (comments inside it left out).
    pub fn text(&self) -> String {
        let t: String = self.node.children().filter(|n| n.is_text()).filter_map(|n| n.text()).collect();
        t.trim().to_string()
    }

    /// The text as a finite number.
    pub fn number(&self) -> Result<f64> {
        let t = self.text();
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.error(format!("\"{t}\" is not a finite number"), "write a number, e.g. 20 or 1e5")),
        }
    }

    /// The text as a boolean.
    pub fn boolean(&self) -> Result<bool> {
        parse_bool(&self.text())
            .ok_or_else(|| self.error(format!("\"{}\" is not true or false", self.text()), "write true or false"))
    }

    /// A boolean attribute; absent means false, as PhysiCell reads it.
    pub fn flag(&self, name: &str) -> Result<bool> {
        match self.attr(name) {
            None => Ok(false),
            Some(v) => parse_bool(v).ok_or_else(|| {
                self.error(
                    format!("{name}=\"{v}\" is not true or false"),
                    format!("write {name}=\"true\" or {name}=\"false\""),
                )
            }),
        }
    }

    /// An error at this element.
    pub fn error(&self, message: impl Into<String>, fix: impl Into<String>) -> Error {
        Error::import(&self.path, message, fix)
    }

    fn enter(&self, node: Node<'a, 'i>) -> El<'a, 'i> {
        let tag = node.tag_name().name();
        let key = ["name", "ID"].into_iter().find_map(|a| node.attribute(a).map(|v| format!(" {a}=\"{v}\"")));
        El { node, path: format!("{}<{tag}{}>", self.path, key.unwrap_or_default()) }
    }
}

/// `true`/`false`, `1`/`0`, `yes`/`no`, in any case.
fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}
