//! Cutting a 2D slice out of a 3D field, and naming the PNG it becomes
//! and the GIF of its series.

use crate::grid::Grid;
use crate::scene::Axis;

/// The plane normal to `axis` at `index`, as (values, width, height,
/// horizontal axis name, vertical axis name). Normal to z: x across, y up;
/// normal to y: x across, z up; normal to x: y across, z up.
pub fn cut(
    field: &[f32],
    grid: &Grid,
    axis: Axis,
    index: usize,
) -> (Vec<f32>, usize, usize, &'static str, &'static str) {
    let [nx, ny, nz] = grid.shape;
    let mut out = Vec::new();
    match axis {
        Axis::Z => {
            for j in 0..ny {
                out.extend_from_slice(&field[grid.idx(0, j, index)..grid.idx(0, j, index) + nx]);
            }
            (out, nx, ny, "x", "y")
        }
        Axis::Y => {
            for k in 0..nz {
                out.extend_from_slice(&field[grid.idx(0, index, k)..grid.idx(0, index, k) + nx]);
            }
            (out, nx, nz, "x", "z")
        }
        Axis::X => {
            for k in 0..nz {
                for j in 0..ny {
                    out.push(field[grid.idx(index, j, k)]);
                }
            }
            (out, ny, nz, "y", "z")
        }
    }
}

/// `slices/<species>_<axis><index>_t<time>min.png`, sortable by time.
pub fn file_name(species: &str, axis: Axis, index: usize, time_min: f64) -> String {
    format!("{species}_{}{index:03}_t{time_min:08.2}min.png", axis.name())
}

/// `slices/<species>_<axis><index>.gif`: the whole series animated.
pub fn gif_name(species: &str, axis: Axis, index: usize) -> String {
    format!("{species}_{}{index:03}.gif", axis.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_pick_the_right_voxels() {
        let g = Grid::new([3, 4, 5], 1.0);
        let f: Vec<f32> = (0..g.len()).map(|i| i as f32).collect();
        let (z, w, h, ..) = cut(&f, &g, Axis::Z, 2);
        assert_eq!((w, h, z[0], z[w * h - 1]), (3, 4, g.idx(0, 0, 2) as f32, g.idx(2, 3, 2) as f32));
        let (x, w, h, ..) = cut(&f, &g, Axis::X, 1);
        assert_eq!((w, h, x[1], x[w]), (4, 5, g.idx(1, 1, 0) as f32, g.idx(1, 0, 1) as f32));
        let (y, ..) = cut(&f, &g, Axis::Y, 3);
        assert_eq!(y[4], g.idx(1, 3, 1) as f32);
    }
}
