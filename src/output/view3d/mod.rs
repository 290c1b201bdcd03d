//! 3D views of a field: emission–absorption ray marching through the grid
//! with the vessels as a strongly absorbing red class, seen by a fixed
//! orthographic camera from an oblique angle, on the CPU (`cpu.rs`) or on
//! the run's GPU (`gpu.rs`, `shaders/view3d.wgsl`); both read the same
//! [`ViewParams`] and composite in f32 in the same order. `figure.rs` puts
//! the picture into a figure with a title and a colour bar.

pub mod cpu;
mod figure;
pub mod gpu;

pub use figure::render_figure;

use super::colormap;
use crate::grid::{Grid, Shape};
use crate::scene::Scene;
use crate::solver::gpu::Gpu;
use crate::world::World;
use crate::{Error, Result};

/// Side of the rendered picture, px.
pub const SIZE: u32 = 512;
/// Nominal ray step, voxel edges (a ray's chord through the grid is cut
/// into the fewest equal steps no longer than this).
const STEP: f32 = 0.5;
/// Optical depth of the longest grid axis filled at the top of the colour
/// range: the field is a glow one can see into.
const FIELD_DEPTH: f32 = 3.0;
/// Extinction of a vessel voxel, per voxel edge: opaque within a few voxels.
const SIGMA_VESSEL: f32 = 1.0;
/// Vessel and background colours, linear 0 … 1.
const VESSEL: [f32; 4] = [0.85, 0.1, 0.1, 1.0];
const BACKGROUND: [f32; 4] = [0.06, 0.06, 0.08, 1.0];
/// A ray stops once less than this fraction of the background shows through.
pub const MIN_TRANSMITTANCE: f32 = 1.0 / 512.0;
/// Camera direction from the grid's centre: azimuth from +x towards +y and
/// elevation, degrees. Every component of the ray direction is non-zero.
const AZIMUTH: f32 = -58.0;
const ELEVATION: f32 = 28.0;

/// What one render reads; keep in sync with `View` in shaders/view3d.wgsl.
/// Positions are in voxel edges, the grid spanning `[0, n]` per axis.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ViewParams {
    /// Grid shape, voxels.
    pub nx: u32,
    pub ny: u32,
    pub nz: u32,
    /// Picture size, px.
    pub width: u32,
    pub height: u32,
    pub _pad: [u32; 3],
    /// Ray origin of the picture's centre (outside the grid).
    pub origin: [f32; 4],
    /// One pixel to the right and one pixel up on the picture plane.
    pub right: [f32; 4],
    pub up: [f32; 4],
    /// Unit ray direction, and its component-wise inverse.
    pub dir: [f32; 4],
    pub inv_dir: [f32; 4],
    pub vessel: [f32; 4],
    pub background: [f32; 4],
    /// Nominal step, voxel edges.
    pub step: f32,
    /// Extinction at the top of the colour range, per voxel edge (it grows
    /// linearly from 0 at the bottom).
    pub sigma_field: f32,
    /// Extinction of a vessel voxel, per voxel edge.
    pub sigma_vessel: f32,
    /// 1 / (top of the colour range), in the field's unit.
    pub inv_max: f32,
}

const _: () = assert!(std::mem::size_of::<ViewParams>() == 160);

impl ViewParams {
    /// The fixed camera on a grid of `shape`, a `width`×`height` picture
    /// that holds the grid's bounding sphere, colour range 0 … `vmax`.
    pub fn new(shape: [usize; 3], width: u32, height: u32, vmax: f32) -> ViewParams {
        let (az, el) = (AZIMUTH.to_radians(), ELEVATION.to_radians());
        let eye = [el.cos() * az.cos(), el.cos() * az.sin(), el.sin()];
        let dir = eye.map(|e| -e);
        // right = dir × z, up = right × dir: z points up on the picture.
        let r = normalise([dir[1], -dir[0], 0.0]);
        let u = [r[1] * dir[2] - r[2] * dir[1], r[2] * dir[0] - r[0] * dir[2], r[0] * dir[1] - r[1] * dir[0]];
        let n = shape.map(|v| v as f32);
        let radius = 0.5 * (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        let pixel = 2.0 * radius * 1.02 / width.min(height).max(1) as f32;
        let origin: [f32; 3] = std::array::from_fn(|a| 0.5 * n[a] - 2.0 * radius * dir[a]);
        let longest = n[0].max(n[1]).max(n[2]).max(1.0);
        ViewParams {
            nx: shape[0] as u32,
            ny: shape[1] as u32,
            nz: shape[2] as u32,
            width,
            height,
            _pad: [0; 3],
            origin: v4(origin),
            right: v4(r.map(|c| c * pixel)),
            up: v4(u.map(|c| c * pixel)),
            dir: v4(dir),
            inv_dir: v4(dir.map(|c| 1.0 / c)),
            vessel: VESSEL,
            background: BACKGROUND,
            step: STEP,
            sigma_field: FIELD_DEPTH / longest,
            sigma_vessel: SIGMA_VESSEL,
            inv_max: 1.0 / vmax,
        }
    }

    /// The picture position (px from the left, px from the top) of the
    /// point `p` (voxel edges).
    pub fn project(&self, p: [f32; 3]) -> (f32, f32) {
        let d: [f32; 3] = std::array::from_fn(|a| p[a] - self.origin[a]);
        let dot = |v: [f32; 4]| (d[0] * v[0] + d[1] * v[1] + d[2] * v[2]) / (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        (0.5 * self.width as f32 + dot(self.right), 0.5 * self.height as f32 - dot(self.up))
    }
}

fn normalise(v: [f32; 3]) -> [f32; 3] {
    let l = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    v.map(|c| c / l)
}

fn v4(v: [f32; 3]) -> [f32; 4] {
    [v[0], v[1], v[2], 0.0]
}

/// The colour map as the renderers read it: viridis, 0 … 1 per channel.
pub fn colour_table() -> Vec<[f32; 4]> {
    colormap::table().iter().map(|c| [c[0], c[1], c[2]].map(|v| f32::from(v) / 255.0)).map(v4).collect()
}

/// 1 in vessel voxels, 0 elsewhere: voxels with vessel wall (S/V > 0) of a
/// `[vessels]` network, and the voxels of regions that `supply` a species
/// from the blood (the capillaries of scenes without a network).
pub fn vessel_mask(scene: &Scene, world: &World) -> Vec<f32> {
    let grid: &Grid = &world.grid;
    let mut mask = vec![0.0f32; grid.len()];
    if let Some(v) = &world.vascular {
        for (m, (a, b)) in mask.iter_mut().zip(v.maps.sv[0].iter().zip(&v.maps.sv[1])) {
            if a + b > 0.0 {
                *m = 1.0;
            }
        }
    }
    for r in scene.regions.iter().filter(|r| !r.supply.is_empty()) {
        if let Some(shape) = Shape::of(r) {
            for i in grid.voxels_in(&shape) {
                mask[i] = 1.0;
            }
        }
    }
    mask
}

/// The renderer of a run: the GPU's when the run has one, else the CPU's.
pub enum Renderer {
    Cpu { vessels: Vec<f32>, table: Vec<[f32; 4]> },
    Gpu(Box<gpu::GpuRenderer>),
}

impl Renderer {
    /// A renderer for `shape` with the vessel mask `vessels`, on `gpu` when
    /// given. A grid larger than one storage binding of the GPU is rendered
    /// on the CPU.
    pub fn new(shape: [usize; 3], vessels: Vec<f32>, gpu: Option<&Gpu>) -> Result<Renderer> {
        match gpu {
            Some(g) if gpu::GpuRenderer::fits(g, vessels.len()) => {
                Ok(Renderer::Gpu(Box::new(gpu::GpuRenderer::new(g, shape, &vessels, SIZE, SIZE)?)))
            }
            _ => Ok(Renderer::Cpu { vessels, table: colour_table() }),
        }
    }

    /// "cpu" or "gpu".
    pub fn kind(&self) -> &'static str {
        match self {
            Renderer::Cpu { .. } => "cpu",
            Renderer::Gpu(_) => "gpu",
        }
    }

    /// The picture of `field` with `params`, RGBA per pixel, rows from the top.
    pub fn render(&mut self, params: &ViewParams, field: &[f32]) -> Result<Vec<[f32; 4]>> {
        if field.len() != (params.nx * params.ny * params.nz) as usize {
            return Err(Error::Numerical("a 3D view was given a field of the wrong size".into()));
        }
        match self {
            Renderer::Cpu { vessels, table } => Ok(cpu::render(params, field, vessels, table)),
            Renderer::Gpu(g) => g.render(params, field),
        }
    }
}

/// A picture's pixels as 8-bit RGB, the same rounding for both renderers.
pub fn to_rgb(pixels: &[[f32; 4]], width: u32, height: u32) -> image::RgbImage {
    let q = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    let mut img = image::RgbImage::new(width, height);
    for (p, c) in img.pixels_mut().zip(pixels) {
        *p = image::Rgb([q(c[0]), q(c[1]), q(c[2])]);
    }
    img
}

/// `views/<name>_t<time>min.png`, sortable by time (as the slices are).
pub fn file_name(name: &str, time_min: f64) -> String {
    format!("views/{name}_t{time_min:08.2}min.png")
}
