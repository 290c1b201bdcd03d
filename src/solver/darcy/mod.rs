//! Interstitial fluid pressure: steady Darcy flow solved by multigrid.
