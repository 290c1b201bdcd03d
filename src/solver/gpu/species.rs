//! Device buffers and bind groups of one species, made once. A grid whose
//! per-voxel buffers exceed one storage binding is split into slabs of
//! whole z-planes (`Plan::slabs`); every slab has its own buffers and bind
//! groups, and each kernel is dispatched once per slab.

use super::kernels::Kernels;
use super::params::Params;
use crate::grid::FaceFlow;
use crate::solver::coeffs::source_step;
use crate::solver::{Method, Plan, SpeciesPlan};
use crate::world::SpeciesData;
use std::ops::Range;
use wgpu::util::DeviceExt;

/// Buffers shared by every species: the step clock, the face velocities
/// (per slab), the carry of split z sweeps, and a stand-in for halo planes
/// that an unsplit grid never reads.
pub struct Shared {
    pub clock: wgpu::Buffer,
    pub velocity: Option<Vec<[wgpu::Buffer; 3]>>,
    pub carry: wgpu::Buffer,
    pub unused: wgpu::Buffer,
}

/// Device buffers and bind groups of one slab of one species. Groups
/// indexed by `cur` act on `fields[cur]` (and write the other field where
/// they ping-pong).
pub struct SlabGpu {
    /// One field, or two for ping-pong (explicit diffusion, advection).
    pub fields: Vec<wgpu::Buffer>,
    /// `[cur][axis]`; along z only when the grid is not split.
    pub lod: Vec<Vec<wgpu::BindGroup>>,
    /// `[cur]`: the forward and backward z sweeps of a split grid.
    pub lod_z: Vec<[wgpu::BindGroup; 2]>,
    /// `[cur]`: the x sweep with the sources or the vessel exchange fused
    /// in (LOD species with either and no advection).
    pub lod_x_fused: Vec<wgpu::BindGroup>,
    /// `[cur]`: the z sweep (split: its backward pass) with the consumption
    /// fused in (LOD species with consumption).
    pub lod_z_consume: Vec<wgpu::BindGroup>,
    pub explicit: Vec<wgpu::BindGroup>,
    pub sources: Vec<wgpu::BindGroup>,
    pub exchange: Vec<wgpu::BindGroup>,
    pub consume: Vec<wgpu::BindGroup>,
    pub advect: Vec<wgpu::BindGroup>,
    pub hold: Vec<wgpu::BindGroup>,
    /// Held voxels in this slab (the hold kernel runs one invocation each).
    pub held: usize,
    /// The planes just below and above the slab, copied from its
    /// neighbours before a stencil pass (split grids only).
    pub halo: Option<[wgpu::Buffer; 2]>,
    /// Per-voxel `dt·V` of the consumption; the cell kinetics rewrite it
    /// for oxygen.
    pub consumption: Option<wgpu::Buffer>,
    /// The advection sub-step's uniform and its values (a coupled species
    /// rewrites its Courant factor `r` for each step's sub-steps).
    pub advect_params: Option<(wgpu::Buffer, Params)>,
}

/// The split scheme's per-step arrays of a species (`solver::coeffs`).
struct Arrays<'a> {
    /// `add` and `scale` of the implicit source step.
    sources: Option<&'a (Vec<f32>, Vec<f32>)>,
    consumption: Option<&'a [f32]>,
}

/// What the fused sweeps bind besides the field: the LOD uniform, the
/// coefficients' binding and the coefficients per axis.
type LodParts = (wgpu::Buffer, u32, [wgpu::Buffer; 3]);

/// The slabs of one species and which of their fields holds the current values.
pub struct SpeciesGpu {
    pub slabs: Vec<SlabGpu>,
    /// Index of the field holding the current values.
    pub cur: usize,
    /// Per-voxel diffusion (tissue-dependent).
    pub tissue: bool,
}

pub struct Builder<'a> {
    pub dev: &'a wgpu::Device,
    pub kernels: &'a Kernels,
    pub plan: &'a Plan,
    /// The z-planes of each slab.
    pub slabs: &'a [Range<usize>],
}

impl Builder<'_> {
    fn plane(&self) -> usize {
        self.plan.grid.shape[0] * self.plan.grid.shape[1]
    }

    /// The values of slab `z` of a per-voxel array.
    fn part<'d>(&self, data: &'d [f32], z: &Range<usize>) -> &'d [f32] {
        &data[z.start * self.plane()..z.end * self.plane()]
    }

    fn storage(&self, label: &str, data: &[f32], extra: wgpu::BufferUsages) -> wgpu::Buffer {
        self.dev.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::cast_slice(data),
            usage: wgpu::BufferUsages::STORAGE | extra,
        })
    }

    fn uniform(&self, z: &Range<usize>, r: f32, kd: f32) -> wgpu::Buffer {
        self.uniform_with(z, r, kd, wgpu::BufferUsages::empty()).0
    }

    fn uniform_with(&self, z: &Range<usize>, r: f32, kd: f32, extra: wgpu::BufferUsages) -> (wgpu::Buffer, Params) {
        let [nx, ny, nz_all] = self.plan.grid.shape.map(|v| v as u32);
        let nz = z.len() as u32;
        let p = Params { nx, ny, nz, n: nx * ny * nz, r, kd, z0: z.start as u32, nz_all };
        let buf = self.dev.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("params"),
            contents: bytemuck::bytes_of(&p),
            usage: wgpu::BufferUsages::UNIFORM | extra,
        });
        (buf, p)
    }

    fn bind(&self, pipeline: &wgpu::ComputePipeline, entries: &[(u32, &wgpu::Buffer)]) -> wgpu::BindGroup {
        super::kernels::bind_group(self.dev, pipeline, entries)
    }

    fn split(&self) -> bool {
        self.slabs.len() > 1
    }

    /// The shared buffers; face velocities cut into the slabs (the z faces
    /// of a slab include the plane of faces on its top).
    pub fn shared(&self, velocity: Option<&FaceFlow>) -> Shared {
        let clock = self.dev.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("clock"),
            contents: bytemuck::bytes_of(&0u32),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
        });
        let [nx, ny, _] = self.plan.grid.shape;
        let velocity = velocity.map(|f| {
            let per_plane = [(nx + 1) * ny, nx * (ny + 1), nx * ny];
            self.slabs
                .iter()
                .map(|z| {
                    [0, 1, 2].map(|a| {
                        let end = if a == 2 { z.end + 1 } else { z.end };
                        let part = &f.u[a][z.start * per_plane[a]..end * per_plane[a]];
                        self.storage("face velocity", part, wgpu::BufferUsages::empty())
                    })
                })
                .collect()
        });
        let carry_len = if self.split() { self.plane() } else { 1 };
        let carry = self.storage("z sweep carry", &vec![0.0; carry_len], wgpu::BufferUsages::empty());
        let unused = self.storage("no halo", &[0.0], wgpu::BufferUsages::empty());
        Shared { clock, velocity, carry, unused }
    }

    /// The buffers and groups of species `sp`; `consumption` is its
    /// consumption array as its solver reads it (`coeffs::species_consumption`).
    pub fn species(
        &self,
        sp: &SpeciesPlan,
        data: &SpeciesData,
        consumption: Option<&[f32]>,
        shared: &Shared,
    ) -> SpeciesGpu {
        let sources = data.sources.as_ref().filter(|_| !sp.method.is_coupled()).map(|s| source_step(s, self.plan.dt));
        let arrays = Arrays { sources: sources.as_ref(), consumption };
        let rvox = data
            .diffusion
            .as_ref()
            .filter(|_| matches!(sp.method, Method::Explicit { .. }))
            .map(|d| crate::solver::coeffs::rvox(d, self.plan, sp));
        let lod_tissue = data
            .diffusion
            .as_ref()
            .filter(|_| sp.method == Method::Lod)
            .map(|d| crate::solver::coeffs::lod_tissue(d, self.plan, sp));
        let slabs = (0..self.slabs.len())
            .map(|i| self.slab(i, sp, data, &arrays, shared, rvox.as_deref(), lod_tissue.as_ref()))
            .collect();
        SpeciesGpu { slabs, cur: 0, tissue: data.diffusion.is_some() }
    }

    #[expect(clippy::too_many_arguments, reason = "one slab of one species from every input it has")]
    fn slab(
        &self,
        i: usize,
        sp: &SpeciesPlan,
        data: &SpeciesData,
        arrays: &Arrays,
        shared: &Shared,
        rvox: Option<&[f32]>,
        lod_tissue: Option<&[Vec<f32>; 3]>,
    ) -> SlabGpu {
        let z = &self.slabs[i];
        let k = self.kernels;
        let io = wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
        let explicit = matches!(sp.method, Method::Explicit { .. });
        let two = explicit || sp.advected();
        let initial = self.part(&data.initial, z);
        let fields: Vec<wgpu::Buffer> =
            (0..if two { 2 } else { 1 }).map(|_| self.storage(&sp.name, initial, io)).collect();
        let halo = self.split().then(|| {
            let zeros = vec![0.0; self.plane()];
            [0, 1].map(|_| self.storage("halo plane", &zeros, wgpu::BufferUsages::COPY_DST))
        });
        let [lo, hi] = match &halo {
            Some([lo, hi]) => [lo, hi],
            None => [&shared.unused, &shared.unused],
        };
        let p_exp = self.uniform(z, sp.explicit_r, sp.explicit_decay);
        let mut g = SlabGpu {
            lod: vec![],
            lod_z: vec![],
            lod_x_fused: vec![],
            lod_z_consume: vec![],
            explicit: vec![],
            sources: vec![],
            exchange: vec![],
            consume: vec![],
            advect: vec![],
            hold: vec![],
            held: 0,
            halo: None,
            consumption: None,
            advect_params: None,
            fields,
        };
        let fields = &g.fields;
        // The LOD uniform, coefficient binding and coefficients per axis, for
        // the fused sweeps.
        let mut lod_parts: Option<LodParts> = None;
        if explicit {
            g.explicit = self.explicit_groups(z, fields, &p_exp, [lo, hi], rvox);
        } else if sp.method == Method::Lod {
            let (lod, lod_z, parts) = self.lod_groups(z, sp, data, fields, shared, lod_tissue);
            (g.lod, g.lod_z, lod_parts) = (lod, lod_z, Some(parts));
        }
        if let Some((a, s)) = arrays.sources {
            let (a, s) = (
                self.storage("src_add", self.part(a, z), wgpu::BufferUsages::empty()),
                self.storage("src_scale", self.part(s, z), wgpu::BufferUsages::empty()),
            );
            g.sources =
                fields.iter().map(|f| self.bind(&k.sources, &[(0, &p_exp), (1, f), (2, &a), (3, &s)])).collect();
            // The x sweep with the sources fused in (see `lod_sources.wgsl`).
            let fused_x = |pipes: &[wgpu::ComputePipeline; 2], extra: &[(u32, &wgpu::Buffer)]| match &lod_parts {
                Some((p, slot, co)) if sp.fuses_sources_into_x() => fields
                    .iter()
                    .map(|f| {
                        let mut entries = vec![(0, p), (1, f), (*slot, &co[0]), (5, &a), (6, &s)];
                        entries.extend_from_slice(extra);
                        self.bind(&pipes[usize::from(lod_tissue.is_some())], &entries)
                    })
                    .collect(),
                _ => vec![],
            };
            g.lod_x_fused = fused_x(&k.lod_x_fused[0], &[]);
            if let Some(ex) = data.exchange.as_ref().filter(|_| !sp.method.is_coupled()) {
                let dt = self.plan.dt as f32;
                let inflow: Vec<f32> = self.part(&ex.inflow, z).iter().map(|&v| v * dt).collect();
                let inflow = self.storage("inflow", &inflow, wgpu::BufferUsages::empty());
                let plasma = self.storage("plasma", &ex.plasma, wgpu::BufferUsages::empty());
                g.exchange = fields
                    .iter()
                    .map(|f| {
                        self.bind(
                            &k.exchange,
                            &[(0, &p_exp), (1, f), (2, &a), (3, &s), (5, &inflow), (6, &plasma), (7, &shared.clock)],
                        )
                    })
                    .collect();
                g.lod_x_fused = fused_x(&k.lod_x_fused[1], &[(7, &inflow), (8, &plasma), (9, &shared.clock)]);
            }
        }
        if let Some(rate) = arrays.consumption {
            let p = self.uniform(z, 0.0, data.half_saturation);
            // Read and written whole for checkpoints (the cells rewrite oxygen's).
            let io = wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
            let rate = self.storage("consumption", self.part(rate, z), io);
            g.consume = fields.iter().map(|f| self.bind(&k.consume, &[(0, &p), (1, f), (8, &rate)])).collect();
            // The z sweep with the consumption fused in (see `lod_consume.wgsl`):
            // the whole sweep, or the backward pass of a split one.
            if let Some((p, slot, co)) = lod_parts.as_ref().filter(|_| sp.fuses_consumption_into_z()) {
                let tissue = usize::from(lod_tissue.is_some());
                g.lod_z_consume = fields
                    .iter()
                    .map(|f| match self.split() {
                        false => self.bind(&k.lod_z_consume[tissue], &[(0, p), (1, f), (*slot, &co[2]), (8, &rate)]),
                        true => self.bind(
                            &k.lod_z_back_consume[tissue],
                            &[(0, p), (1, f), (*slot, &co[2]), (4, &shared.carry), (8, &rate)],
                        ),
                    })
                    .collect();
            }
            g.consumption = Some(rate);
        }
        if let (true, Some(vel)) = (sp.advected(), &shared.velocity) {
            let [ux, uy, uz] = &vel[i];
            let (p, values) = self.uniform_with(z, sp.advection_scale, 0.0, wgpu::BufferUsages::COPY_DST);
            g.advect = (0..2)
                .map(|c| {
                    self.bind(
                        &k.advect,
                        &[(0, &p), (1, &fields[c]), (2, &fields[1 - c]), (3, ux), (4, uy), (5, uz), (6, lo), (7, hi)],
                    )
                })
                .collect();
            g.advect_params = Some((p, values));
        }
        if let Some(h) = &data.hold {
            (g.hold, g.held) = self.hold_groups(self.part(h, z), fields);
        }
        g.halo = halo;
        g
    }

    /// Bind groups of the explicit sub-step, by `cur`; with per-voxel r
    /// (`rvox`) that of the planes just below and above the slab too.
    fn explicit_groups(
        &self,
        z: &Range<usize>,
        fields: &[wgpu::Buffer],
        p_exp: &wgpu::Buffer,
        [lo, hi]: [&wgpu::Buffer; 2],
        rvox: Option<&[f32]>,
    ) -> Vec<wgpu::BindGroup> {
        let k = self.kernels;
        let tissue = rvox.map(|r| {
            let plane = self.plane();
            let neighbour = |k: Option<usize>| match k {
                Some(k) if self.split() => &r[k * plane..(k + 1) * plane],
                _ => &[0.0][..],
            };
            let below = neighbour(z.start.checked_sub(1));
            let above = neighbour(Some(z.end).filter(|&e| e < self.plan.grid.shape[2]));
            [self.part(r, z), below, above].map(|d| self.storage("rvox", d, wgpu::BufferUsages::empty()))
        });
        (0..2)
            .map(|c| match &tissue {
                Some([rv, rlo, rhi]) => self.bind(
                    &k.explicit_tissue,
                    &[(0, p_exp), (1, &fields[c]), (2, &fields[1 - c]), (3, rv), (4, lo), (5, hi), (6, rlo), (7, rhi)],
                ),
                None => self.bind(&k.explicit, &[(0, p_exp), (1, &fields[c]), (2, &fields[1 - c]), (4, lo), (5, hi)]),
            })
            .collect()
    }

    /// Bind groups of the LOD sweeps by `[cur][axis]` (not z when split), of
    /// the split z sweeps by `[cur]`, and what the fused sweeps also bind:
    /// the uniform (its `kd` the consumption's K), the coefficients' binding
    /// and the coefficients per axis (per voxel where diffusion depends on
    /// the tissue).
    fn lod_groups(
        &self,
        z: &Range<usize>,
        sp: &SpeciesPlan,
        data: &SpeciesData,
        fields: &[wgpu::Buffer],
        shared: &Shared,
        lod_tissue: Option<&[Vec<f32>; 3]>,
    ) -> (Vec<Vec<wgpu::BindGroup>>, Vec<[wgpu::BindGroup; 2]>, LodParts) {
        let k = self.kernels;
        let p_lod = self.uniform(z, sp.lod[0].r, data.half_saturation);
        let (slot, coeffs, pipes, split_pipes) = match lod_tissue {
            Some(co) => {
                let r = z.start * self.plane()..z.end * self.plane();
                let per_axis = co.each_ref().map(|c| {
                    let whole = c.len() / 3;
                    let packed: Vec<f32> =
                        (0..3).flat_map(|part| c[part * whole + r.start..part * whole + r.end].to_vec()).collect();
                    self.storage("lod tissue coefficients", &packed, wgpu::BufferUsages::empty())
                });
                (3, per_axis, &k.lod_tissue, &k.lod_tissue_z)
            }
            None => (
                2,
                sp.lod.each_ref().map(|co| self.storage("lod coefficients", &co.packed(), wgpu::BufferUsages::empty())),
                &k.lod,
                &k.lod_z,
            ),
        };
        let axes = if self.split() { 2 } else { 3 };
        let lod = fields
            .iter()
            .map(|f| (0..axes).map(|a| self.bind(&pipes[a], &[(0, &p_lod), (1, f), (slot, &coeffs[a])])).collect())
            .collect();
        let lod_z = match self.split() {
            true => fields
                .iter()
                .map(|f| {
                    split_pipes
                        .each_ref()
                        .map(|pipe| self.bind(pipe, &[(0, &p_lod), (1, f), (slot, &coeffs[2]), (4, &shared.carry)]))
                })
                .collect(),
            false => vec![],
        };
        (lod, lod_z, (p_lod, slot, coeffs))
    }

    /// Bind groups of the hold by `cur` over the slab's held voxels only
    /// (their index within the slab and value; `part` is the dense form),
    /// and how many there are.
    fn hold_groups(&self, part: &[f32], fields: &[wgpu::Buffer]) -> (Vec<wgpu::BindGroup>, usize) {
        let (index, value): (Vec<u32>, Vec<f32>) =
            part.iter().enumerate().filter(|(_, v)| **v >= 0.0).map(|(i, &v)| (i as u32, v)).unzip();
        if index.is_empty() {
            return (vec![], 0);
        }
        let held = index.len();
        let index = self.dev.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("held voxels"),
            contents: bytemuck::cast_slice(&index),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let value = self.storage("held values", &value, wgpu::BufferUsages::empty());
        (fields.iter().map(|f| self.bind(&self.kernels.hold, &[(1, f), (4, &index), (9, &value)])).collect(), held)
    }
}
