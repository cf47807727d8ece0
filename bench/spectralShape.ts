/**
 * The spectral generators' shape the bench uses at the small preset's budget (N 32, gridsize 2): width 16, 2 blocks,
 * 8 modes, 1 refiner — the step profiles (bench/profile.ts) and the quality rows (bench/quality/run.ts) share it.
 */
export const SPECTRAL_SMALL = { width: 16, blocks: 2, modes: 8, cnnBlocks: 1 } as const;
