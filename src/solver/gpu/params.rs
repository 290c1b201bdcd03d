//! Uniform parameters shared by every kernel.
//! Keep in sync with `Params` in shaders/common.wgsl.

use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct Params {
    /// Grid shape, voxels.
    pub nx: u32,
    pub ny: u32,
    pub nz: u32,
    /// Voxel count.
    pub n: u32,
    /// LOD: `D·dt/dx²`; explicit: `D·dt_sub/dx²`.
    pub r: f32,
    /// Explicit: `λ·dt_sub`.
    pub kd: f32,
    pub _pad0: u32,
    pub _pad1: u32,
}

const _: () = assert!(std::mem::size_of::<Params>() == 32);
