/**
 * Sizes derived from the config that several layers need (the model, the GPU merge, the engine): defined once here.
 */

/**
 * The padded canvas a group of C = gridsize² patches is merged on: N + (gridsize − 1)·4 (torch's merge pads by
 * 4 pixels per extra grid step: max_neighbor_distance 3 → 4).
 */
export function paddedCanvasSize(N: number, gridsize: number): number {
  return N + (gridsize - 1) * 4;
}
