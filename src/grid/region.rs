//! Region shapes in µm: sphere, axis-aligned box, cylinder of any
//! orientation. A voxel belongs to a region when its centre is inside
//! (boundary included).

use crate::scene::RegionSpec;
use glam::DVec3;

/// A solid in µm.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Sphere {
        center: DVec3,
        radius: f64,
    },
    Box {
        min: DVec3,
        max: DVec3,
    },
    /// Finite cylinder between two cap centres.
    Cylinder {
        start: DVec3,
        end: DVec3,
        radius: f64,
    },
}

impl Shape {
    /// The shape of a region, if it names exactly one.
    pub fn of(region: &RegionSpec) -> Option<Shape> {
        let v = DVec3::from_array;
        match (&region.sphere, &region.box_, &region.cylinder) {
            (Some(s), None, None) => Some(Shape::Sphere { center: v(s.center), radius: s.radius }),
            (None, Some(b), None) => Some(Shape::Box { min: v(b.min), max: v(b.max) }),
            (None, None, Some(c)) => Some(Shape::Cylinder { start: v(c.start), end: v(c.end), radius: c.radius }),
            _ => None,
        }
    }

    /// Is the point `p` (µm) inside?
    pub fn contains(&self, p: [f64; 3]) -> bool {
        let p = DVec3::from_array(p);
        match *self {
            Shape::Sphere { center, radius } => p.distance_squared(center) <= radius * radius,
            Shape::Box { min, max } => p.cmpge(min).all() && p.cmple(max).all(),
            Shape::Cylinder { start, end, radius } => {
                let axis = end - start;
                let len2 = axis.length_squared();
                if len2 == 0.0 {
                    return false;
                }
                let t = (p - start).dot(axis) / len2;
                if !(0.0..=1.0).contains(&t) {
                    return false;
                }
                let closest = start + axis * t;
                p.distance_squared(closest) <= radius * radius
            }
        }
    }

    /// Axis-aligned bounding box `(min, max)`, µm.
    pub fn bounds(&self) -> ([f64; 3], [f64; 3]) {
        match *self {
            Shape::Sphere { center, radius } => ((center - radius).to_array(), (center + radius).to_array()),
            Shape::Box { min, max } => (min.to_array(), max.to_array()),
            Shape::Cylinder { start, end, radius } => {
                ((start.min(end) - radius).to_array(), (start.max(end) + radius).to_array())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Grid;

    #[test]
    fn sphere_voxel_count_approaches_its_volume() {
        let g = Grid::new([40, 40, 40], 1.0);
        let s = Shape::Sphere { center: DVec3::splat(20.0), radius: 12.0 };
        let n = g.voxels_in(&s).len() as f64;
        let exact = 4.0 / 3.0 * std::f64::consts::PI * 12f64.powi(3);
        assert!((n - exact).abs() / exact < 0.02, "{n} vs {exact}");
    }

    #[test]
    fn oblique_cylinder_contains_its_axis_and_not_far_points() {
        let c = Shape::Cylinder { start: DVec3::ZERO, end: DVec3::new(10.0, 10.0, 0.0), radius: 1.0 };
        assert!(c.contains([5.0, 5.0, 0.5]));
        assert!(!c.contains([5.0, 7.0, 0.0]));
        assert!(!c.contains([11.0, 11.0, 0.0]));
    }

    #[test]
    fn region_fully_outside_has_no_voxels() {
        let g = Grid::new([10, 10, 10], 2.0);
        let b = Shape::Box { min: DVec3::splat(30.0), max: DVec3::splat(40.0) };
        assert!(g.voxels_in(&b).is_empty());
    }
}
