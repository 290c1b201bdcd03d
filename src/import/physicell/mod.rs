//! `oncovox import physicell`: a PhysiCell settings file
//! (`PhysiCell_settings.xml`, versions 1.10 to 1.14) to an oncovox scene.
//!
//! Mapped: `<domain>` → `[grid]`, `<overall>` and `<save>` → `[time]` and
//! `[output]`, each `<microenvironment_setup><variable>` → a `[[species]]`
//! on BioFVM's LOD scheme with its faces. Everything else (cell
//! definitions, rules, user parameters, agent options) is a warning, and a
//! comment at the top of the scene. `xml.rs` reads elements, `units.rs`
//! converts units, `settings.rs` (the domain, times and outputs) and
//! `microenvironment.rs` (the variables) gather what maps, `scene.rs`
//! writes it.

mod microenvironment;
mod scene;
mod settings;
mod units;
mod xml;

use crate::scene::{Scene, Validated};
use crate::{Error, Result};

/// An imported scene and what was left out.
pub struct Imported {
    /// The scene, commented TOML that `oncovox run` reads.
    pub toml: String,
    /// One line per part not imported or changed.
    pub warnings: Vec<String>,
    /// The validated scene (what the TOML says).
    pub scene: Validated,
}

/// Import the text of a settings file; `source` names it in the scene's comments.
pub fn import(text: &str, source: &str) -> Result<Imported> {
    let doc = roxmltree::Document::parse(text).map_err(|e| {
        Error::import(source, format!("is not well-formed XML: {e}"), "fix the XML (a PhysiCell_settings.xml file)")
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "PhysiCell_settings" {
        return Err(Error::import(
            format!("{source}, <{}>", root.tag_name().name()),
            "is the root element, not <PhysiCell_settings>",
            "give a PhysiCell settings file (its root element is <PhysiCell_settings>)",
        ));
    }
    let mut warnings = Vec::new();
    let in_file = |e: Error| match e {
        Error::Import { at, message, fix } => Error::Import { at: format!("{source}, {at}"), message, fix },
        e => e,
    };
    let s = settings::read(&xml::El::root(root), &mut warnings).map_err(in_file)?;
    let toml = scene::scene(&s, source, &mut warnings).map_err(in_file)?;
    let refused = |e: Error| {
        Error::import(
            source,
            format!("the imported scene is refused by oncovox: {e}"),
            "change the settings named above",
        )
    };
    let scene = Validated::new(Scene::from_toml(&toml).map_err(refused)?).map_err(refused)?;
    Ok(Imported { toml, warnings, scene })
}
