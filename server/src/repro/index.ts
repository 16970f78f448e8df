// repro: the front-ends' one import (CLI `fsdax-audit repro`, scripts/repro-ci.sh through it).
// It proves findings on real kernels; it knows the analysis only by rule and scenario ids.
export { ANALYSIS_ERAS, DEFAULT_KERNEL_PACKAGES, REPRO_ERAS, SCENARIOS, findScenario, isReproEra, reproEraFor } from './scenarios';
export type { ReproEra, ReproScenario, ReproVariant } from './scenarios';
export { fetchKernel, runVariant, unfetchedKernels } from './run';
export type { RunResult, RunOptions } from './run';
export { HostError, missingPrerequisites, cacheRoot } from './host';
export { proveOnTree, missingTreePrerequisites, rowHolds, unbuiltTreeKernels } from './prove';
export type { ProofRow, ProofResult, ProofVerdict } from './prove';
export { capturedRunFor } from './captured';
