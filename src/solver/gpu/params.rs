//! Uniform parameters shared by every kernel.
//! Keep in sync with `Params` in shaders/common.wgsl.

use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct Params {
    /// Shape of the slab a kernel acts on (the grid's when it is not split), voxels.
    pub nx: u32,
    pub ny: u32,
    pub nz: u32,
    /// Voxel count of the slab.
    pub n: u32,
    /// LOD: `D·dt/dx²`; explicit: `D·dt_sub/dx²`.
    pub r: f32,
    /// Explicit: `λ·dt_sub`.
    pub kd: f32,
    /// The slab's first z-plane in the grid.
    pub z0: u32,
    /// The grid's depth, planes.
    pub nz_all: u32,
}

const _: () = assert!(std::mem::size_of::<Params>() == 32);
