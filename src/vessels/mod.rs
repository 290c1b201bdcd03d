//! Vessel networks: generation, import, blood flow and voxelisation.
