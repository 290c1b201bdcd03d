//! The ParaView output keys (`output.vtk`, `output.vtk_fields`): what an
//! image file may hold, and the default of every field the run has.

use super::Scene;
use crate::{Error, Result};

impl Scene {
    /// The static maps a run of this scene writes (`maps/*.npy`), in the
    /// order it writes them: with `[vessels]` the wall area per volume
    /// `sv`, the interstitial pressure `ifp` and `tissue`, and the
    /// interstitial speed `velocity` where the interstitial flow advects.
    pub fn map_names(&self) -> Vec<&'static str> {
        if self.vessels.is_none() {
            return Vec::new();
        }
        let mut out = vec!["sv", "ifp", "tissue"];
        if self.interstitium.as_ref().is_some_and(|i| i.pressure && i.advection) {
            out.push("velocity");
        }
        out
    }

    /// Every field an image file can hold, in the default order: species,
    /// phenotypes, `cells_live`, `cells_dead`, maps.
    fn vtk_candidates(&self) -> Vec<(&str, &'static str)> {
        let mut out: Vec<(&str, &str)> = self.species.iter().map(|s| (s.name.as_str(), "species")).collect();
        if let Some(c) = &self.cells {
            out.extend(c.phenotypes.iter().map(|p| (p.name.as_str(), "phenotype")));
            out.extend([("cells_live", "cell density"), ("cells_dead", "cell density")]);
        }
        out.extend(self.map_names().into_iter().map(|m| (m, "map")));
        out
    }
}

/// Check `output.vtk_fields` (named fields exist, each once; not empty) and,
/// with `output.vtk` on, fill in its default and check that no two of the
/// fields share a name (an array name in the file).
pub(super) fn check(s: &mut Scene) -> Result<()> {
    let candidates = s.vtk_candidates();
    if let Some(list) = &s.output.vtk_fields {
        if list.is_empty() {
            return Err(Error::scene(
                "output.vtk_fields",
                "is empty: the image files would hold nothing",
                "name at least one field, or leave the key out for every field the run has",
            ));
        }
        for (i, f) in list.iter().enumerate() {
            if !candidates.iter().any(|(n, _)| n == f) {
                let known: Vec<&str> = candidates.iter().map(|(n, _)| *n).collect();
                return Err(Error::scene(
                    format!("output.vtk_fields.{i}"),
                    format!("\"{f}\" is not a field of this scene"),
                    format!("name one of: {}", known.join(", ")),
                ));
            }
            if let Some(j) = list[..i].iter().position(|o| o == f) {
                return Err(Error::scene(
                    format!("output.vtk_fields.{i}"),
                    format!("names {f} again (as output.vtk_fields.{j})"),
                    "name each field once",
                ));
            }
        }
    }
    if !s.output.vtk || s.output.vtk_fields.is_some() {
        return Ok(());
    }
    for (i, (name, kind)) in candidates.iter().enumerate() {
        if let Some((_, first)) = candidates[..i].iter().find(|(n, _)| n == name) {
            return Err(Error::scene(
                "output.vtk",
                format!("the {kind} {name} has the name of a {first}: both would be VTK arrays named {name}"),
                format!("rename the {kind}, or list the fields wanted in output.vtk_fields"),
            ));
        }
    }
    s.output.vtk_fields = Some(candidates.iter().map(|(n, _)| n.to_string()).collect());
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::scene::{Scene, Validated};

    const BASE: &str = "[grid]\nshape = [4, 4, 4]\ndx = 10.0\n[time]\ndt = 0.1\nduration = 0.2\n\
                        [[species]]\nname = \"oxygen\"\ndiffusion = 1.0\n";

    fn validated(extra: &str) -> crate::Result<Validated> {
        Validated::new(Scene::from_toml(&format!("{BASE}{extra}")).unwrap())
    }

    #[test]
    fn the_default_lists_every_field_and_a_bad_list_names_its_entry() {
        let v = validated("[output]\nvtk = true\n").unwrap();
        assert_eq!(v.scene.output.vtk_fields, Some(vec!["oxygen".to_string()]));
        // Off: no default written out.
        assert_eq!(validated("").unwrap().scene.output.vtk_fields, None);
        let e = validated("[output]\nvtk = true\nvtk_fields = [\"oxygen\", \"sv\"]\n").err().unwrap().to_string();
        assert!(e.contains("output.vtk_fields.1") && e.contains("oxygen"), "{e}");
        let e = validated("[output]\nvtk_fields = [\"oxygen\", \"oxygen\"]\n").err().unwrap().to_string();
        assert!(e.contains("output.vtk_fields.1") && e.contains("again"), "{e}");
        let e = validated("[output]\nvtk = true\nvtk_fields = []\n").err().unwrap().to_string();
        assert!(e.contains("output.vtk_fields") && e.contains("empty"), "{e}");
    }

    #[test]
    fn maps_follow_the_vessels_and_the_advection() {
        let s = Scene::from_toml(&format!("{BASE}[vessels]\nspacing = 20.0\n")).unwrap();
        assert_eq!(s.map_names(), ["sv", "ifp", "tissue"]);
        let s = Scene::from_toml(&format!("{BASE}[vessels]\nspacing = 20.0\n[interstitium]\n")).unwrap();
        assert_eq!(s.map_names(), ["sv", "ifp", "tissue", "velocity"]);
        let s = Scene::from_toml(&format!("{BASE}[vessels]\n[interstitium]\nadvection = false\n")).unwrap();
        assert_eq!(s.map_names(), ["sv", "ifp", "tissue"]);
    }

    #[test]
    fn a_species_named_like_a_map_is_refused_only_when_both_would_be_written() {
        let text = BASE.replace("\"oxygen\"", "\"sv\"");
        let with = |extra: &str| Validated::new(Scene::from_toml(&format!("{text}[vessels]\n{extra}")).unwrap());
        assert!(with("").is_ok());
        let e = with("[output]\nvtk = true\n").err().unwrap().to_string();
        assert!(e.contains("`output.vtk`") && e.contains("map sv"), "{e}");
    }
}
