/**
 * Applies a weight penalty to a set of parameters: the regularization term of the full loss
 *
 *   L = L_data + Σ_p λ·m_p·R(W_p)          m_p = the parameter's decayMultiplier
 *
 * regularize() adds λ·m_p·dR/dW_p into each parameter's grad (after the data backward pass, before
 * the update) and returns the regularization loss Σ_p λ·m_p·R(W_p) for reporting. Biases are built
 * with decayMultiplier 0, so they are skipped without reading them; weights have 1.
 */
import { ConfigError } from '../errors.ts';
import type { Parameter } from '../tensor/parameter.ts';
import type { Penalty } from './penalties.ts';

/** grad_p += λ·m_p·dR/dW_p for every parameter p; returns Σ_p λ·m_p·R(W_p). */
export function regularize(parameters: readonly Parameter[], penalty: Penalty, strength: number): number {
  if (!Number.isFinite(strength)) {
    throw new ConfigError(`regularize: strength λ must be a finite number, got ${strength}`);
  }
  let total = 0;
  for (const parameter of parameters) {
    const scale = strength * parameter.decayMultiplier;
    if (scale === 0) continue;
    total += scale * penalty.value(parameter.value.data);
    penalty.addGradient(parameter.value.data, parameter.grad.data, scale);
  }
  return total;
}
