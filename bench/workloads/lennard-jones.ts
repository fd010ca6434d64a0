/**
 * Lennard-Jones potential energy (epsilon = sigma = 1) of N particles whose
 * positions are packed as [x0, y0, z0, x1, ...]: its negative gradient is
 * the forces.
 */
/** @differentiable */
export function lennardJones(positions: Float64Array): number {
  const n = positions.length / 3;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = positions[3 * i] - positions[3 * j];
      const dy = positions[3 * i + 1] - positions[3 * j + 1];
      const dz = positions[3 * i + 2] - positions[3 * j + 2];
      const inv2 = 1 / (dx * dx + dy * dy + dz * dz);
      const inv6 = inv2 * inv2 * inv2;
      energy += inv6 * inv6 - inv6;
    }
  }
  return 4 * energy;
}
