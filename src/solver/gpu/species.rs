//! Device buffers and bind groups of one species, made once.

use super::kernels::Kernels;
use super::params::Params;
use crate::solver::{Method, Plan, SpeciesPlan};
use crate::world::SpeciesData;
use wgpu::util::DeviceExt;

/// Buffers shared by every species: the step clock and the face velocities.
pub struct Shared {
    pub clock: wgpu::Buffer,
    pub velocity: Option<[wgpu::Buffer; 3]>,
}

/// Device buffers and bind groups of one species. Groups indexed by `cur`
/// act on `fields[cur]` (and write the other field where they ping-pong).
pub struct SpeciesGpu {
    /// One field, or two for ping-pong (explicit diffusion, advection).
    pub fields: Vec<wgpu::Buffer>,
    /// Index of the field holding the current values.
    pub cur: usize,
    /// `[cur][axis]`.
    pub lod: Vec<Vec<wgpu::BindGroup>>,
    pub explicit: Vec<wgpu::BindGroup>,
    pub sources: Vec<wgpu::BindGroup>,
    pub exchange: Vec<wgpu::BindGroup>,
    pub consume: Vec<wgpu::BindGroup>,
    pub advect: Vec<wgpu::BindGroup>,
    pub hold: Vec<wgpu::BindGroup>,
    /// Per-voxel diffusion (tissue-dependent explicit).
    pub tissue: bool,
    /// Per-voxel `dt·V` of the consumption; the cell kinetics rewrite it
    /// for oxygen.
    pub consumption: Option<wgpu::Buffer>,
}

pub struct Builder<'a> {
    pub dev: &'a wgpu::Device,
    pub kernels: &'a Kernels,
    pub plan: &'a Plan,
}

impl Builder<'_> {
    fn storage(&self, label: &str, data: &[f32], extra: wgpu::BufferUsages) -> wgpu::Buffer {
        self.dev.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::cast_slice(data),
            usage: wgpu::BufferUsages::STORAGE | extra,
        })
    }

    fn uniform(&self, r: f32, kd: f32) -> wgpu::Buffer {
        let [nx, ny, nz] = self.plan.grid.shape.map(|v| v as u32);
        let p = Params { nx, ny, nz, n: self.plan.grid.len() as u32, r, kd, _pad0: 0, _pad1: 0 };
        self.dev.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("params"),
            contents: bytemuck::bytes_of(&p),
            usage: wgpu::BufferUsages::UNIFORM,
        })
    }

    fn bind(&self, pipeline: &wgpu::ComputePipeline, entries: &[(u32, &wgpu::Buffer)]) -> wgpu::BindGroup {
        super::kernels::bind_group(self.dev, pipeline, entries)
    }

    /// The shared buffers.
    pub fn shared(&self, velocity: Option<&crate::solver::advection::FaceFlow>) -> Shared {
        let clock = self.dev.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("clock"),
            contents: bytemuck::bytes_of(&0u32),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let velocity =
            velocity.map(|f| [0, 1, 2].map(|a| self.storage("face velocity", &f.u[a], wgpu::BufferUsages::empty())));
        Shared { clock, velocity }
    }

    pub fn species(&self, sp: &SpeciesPlan, data: &SpeciesData, shared: &Shared) -> SpeciesGpu {
        let k = self.kernels;
        let io = wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
        let explicit = matches!(sp.method, Method::Explicit { .. });
        let two = explicit || sp.advection.is_some();
        let fields: Vec<wgpu::Buffer> =
            (0..if two { 2 } else { 1 }).map(|_| self.storage(&sp.name, &data.initial, io)).collect();
        let nf = fields.len();
        let p_exp = self.uniform(sp.explicit_r, sp.explicit_decay);
        let mut g = SpeciesGpu {
            fields,
            cur: 0,
            lod: vec![],
            explicit: vec![],
            sources: vec![],
            exchange: vec![],
            consume: vec![],
            advect: vec![],
            hold: vec![],
            tissue: data.diffusion.is_some(),
            consumption: None,
        };
        if explicit {
            let rvox = data.diffusion.as_ref().map(|d| {
                self.storage("rvox", &crate::solver::cpu::rvox(d, self.plan, sp), wgpu::BufferUsages::empty())
            });
            g.explicit = (0..2)
                .map(|c| match &rvox {
                    Some(r) => {
                        self.bind(&k.explicit_tissue, &[(0, &p_exp), (1, &g.fields[c]), (2, &g.fields[1 - c]), (3, r)])
                    }
                    None => self.bind(&k.explicit, &[(0, &p_exp), (1, &g.fields[c]), (2, &g.fields[1 - c])]),
                })
                .collect();
        } else {
            let p_lod = self.uniform(sp.lod[0].r, 0.0);
            g.lod = match &data.diffusion {
                // Tissue-dependent diffusion: per-voxel Thomas coefficients.
                Some(d) => {
                    let co = crate::solver::cpu::lod_tissue(d, self.plan, sp);
                    let coeffs: Vec<wgpu::Buffer> = co
                        .iter()
                        .map(|c| self.storage("lod tissue coefficients", c, wgpu::BufferUsages::empty()))
                        .collect();
                    let pipes = &k.lod_tissue;
                    (0..nf)
                        .map(|c| {
                            (0..3)
                                .map(|a| self.bind(&pipes[a], &[(0, &p_lod), (1, &g.fields[c]), (3, &coeffs[a])]))
                                .collect()
                        })
                        .collect()
                }
                None => {
                    let coeffs: Vec<wgpu::Buffer> = sp
                        .lod
                        .iter()
                        .map(|co| self.storage("lod coefficients", &co.packed(), wgpu::BufferUsages::empty()))
                        .collect();
                    (0..nf)
                        .map(|c| {
                            (0..3)
                                .map(|a| self.bind(&k.lod[a], &[(0, &p_lod), (1, &g.fields[c]), (2, &coeffs[a])]))
                                .collect()
                        })
                        .collect()
                }
            };
        }
        if let (Some(a), Some(s)) = (&data.src_add, &data.src_scale) {
            let (a, s) = (
                self.storage("src_add", a, wgpu::BufferUsages::empty()),
                self.storage("src_scale", s, wgpu::BufferUsages::empty()),
            );
            g.sources =
                g.fields.iter().map(|f| self.bind(&k.sources, &[(0, &p_exp), (1, f), (2, &a), (3, &s)])).collect();
            if let Some(ex) = &data.exchange {
                let dt = self.plan.dt as f32;
                let inflow: Vec<f32> = ex.inflow.iter().map(|&v| v * dt).collect();
                let inflow = self.storage("inflow", &inflow, wgpu::BufferUsages::empty());
                let plasma = self.storage("plasma", &ex.plasma, wgpu::BufferUsages::empty());
                g.exchange = g
                    .fields
                    .iter()
                    .map(|f| {
                        self.bind(
                            &k.exchange,
                            &[(0, &p_exp), (1, f), (2, &a), (3, &s), (5, &inflow), (6, &plasma), (7, &shared.clock)],
                        )
                    })
                    .collect();
            }
        }
        if let Some(rate) = &data.consumption {
            let p = self.uniform(0.0, data.half_saturation);
            let rate = self.storage("consumption", rate, wgpu::BufferUsages::empty());
            g.consume = g.fields.iter().map(|f| self.bind(&k.consume, &[(0, &p), (1, f), (8, &rate)])).collect();
            g.consumption = Some(rate);
        }
        if let (Some(_), Some([ux, uy, uz])) = (sp.advection, &shared.velocity) {
            let p = self.uniform(sp.advection_scale, 0.0);
            g.advect = (0..2)
                .map(|c| {
                    self.bind(
                        &k.advect,
                        &[(0, &p), (1, &g.fields[c]), (2, &g.fields[1 - c]), (3, ux), (4, uy), (5, uz)],
                    )
                })
                .collect();
        }
        if let Some(h) = &data.hold {
            let h = self.storage("hold", h, wgpu::BufferUsages::empty());
            g.hold = g.fields.iter().map(|f| self.bind(&k.hold, &[(0, &p_exp), (1, f), (4, &h)])).collect();
        }
        g
    }
}
