//! What a slice, a dump or a VTK array shows: a species' field or a cell
//! density, resolved from its name, with its unit and values.

use crate::model::cells::Layout;
use crate::scene::Scene;

/// What a slice or dump shows: a species' field or a cell density.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    Species(usize),
    /// A phenotype's live density (volume fraction).
    Phenotype(usize),
    /// All live cells.
    Live,
    Dead,
}

impl Source {
    /// The `kind` of a dump in `fields/index.json`.
    pub fn kind(self) -> &'static str {
        match self {
            Source::Species(_) => "species",
            Source::Phenotype(_) => "phenotype",
            Source::Live => "cells_live",
            Source::Dead => "cells_dead",
        }
    }
}

/// The unit of `src`: the species' own, or the volume fraction of cell
/// densities.
pub fn unit(scene: &Scene, src: Source) -> String {
    match src {
        Source::Species(i) => scene.species[i].unit.clone(),
        _ => "volume fraction".into(),
    }
}

/// Resolve a validated slice or dump name (see `Scene::output_source`).
pub fn source(scene: &Scene, name: &str) -> Source {
    if let Some(i) = scene.species_index(name) {
        return Source::Species(i);
    }
    let c = scene.cells.as_ref();
    match c.and_then(|c| c.phenotypes.iter().position(|p| p.name == name)) {
        Some(k) => Source::Phenotype(k),
        None if name == "cells_dead" => Source::Dead,
        None => Source::Live,
    }
}

/// The values of `src`: a field, or cell densities from the state.
pub fn values<'a>(
    src: Source,
    fields: &'a [Vec<f32>],
    cells: &'a [f32],
    layout: Option<Layout>,
) -> std::borrow::Cow<'a, [f32]> {
    let n = fields.first().map_or(0, |f| f.len());
    let arr = |i: usize| &cells[i * n..(i + 1) * n];
    match (src, layout) {
        (Source::Species(s), _) => (&fields[s][..]).into(),
        (Source::Phenotype(k), Some(l)) => arr(l.density(k)).into(),
        (Source::Dead, Some(l)) => arr(l.dead()).into(),
        (Source::Live, Some(l)) => {
            let mut out = vec![0.0f32; n];
            for k in 0..l.phenotypes {
                for (o, &x) in out.iter_mut().zip(arr(l.density(k))) {
                    *o += x;
                }
            }
            out.into()
        }
        (_, None) => vec![0.0f32; n].into(),
    }
}
