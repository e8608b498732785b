/**
 * `--divergence-factor <x|off>`, shared by `train` and `linear`: when a run counts as diverged
 * (src/train/divergence.ts holds the rule; this is only how the command line spells it).
 */
import { ConfigError } from '../errors.ts';
import { numberOption } from './args.ts';

/** `--divergence-factor`: a number ≥ 1, or 'off' (null: only non-finite losses stop the run). */
export function parseDivergenceFactor(raw: string | undefined): number | null {
  if (raw === undefined) return 50;
  if (raw.trim().toLowerCase() === 'off') return null;
  if (Number(raw) === 0 && raw.trim() !== '') {
    throw new ConfigError(`--divergence-factor: 0 would stop every run at its second step; use 'off' to disable the bound`);
  }
  return numberOption('divergence-factor', raw, { min: 1 });
}
