/**
 * The Universal Scalability Law (Gunther): X(N) = λN / (1 + σ(N−1) + κN(N−1)), where λ is
 * the throughput of one unit, σ the share of work serialised on a shared resource
 * (contention) and κ the cost of keeping units coherent with each other (crosstalk), which
 * makes throughput fall again past a peak.
 */
export interface UslPoint {
  readonly n: number;
  readonly x: number;
}

export interface UslFit {
  readonly lambda: number;
  readonly sigma: number;
  readonly kappa: number;
  /** Root-mean-square error of the fit, in the unit of x. */
  readonly rmse: number;
  /** Where the curve peaks, sqrt((1−σ)/κ) but at least 1; Infinity when κ is 0 (the curve only flattens). */
  readonly peakN: number;
  /** The predicted throughput at peakN (λ/σ, the asymptote, when κ is 0). */
  readonly peakX: number;
}

export function uslThroughput(n: number, lambda: number, sigma: number, kappa: number): number {
  return (lambda * n) / (1 + sigma * (n - 1) + kappa * n * (n - 1));
}

/** For given σ and κ the model is linear in λ: its least-squares λ and the squared error. */
function bestLambda(points: readonly UslPoint[], sigma: number, kappa: number): { lambda: number; sse: number } {
  let xg = 0;
  let gg = 0;
  for (const { n, x } of points) {
    const g = uslThroughput(n, 1, sigma, kappa);
    xg += x * g;
    gg += g * g;
  }
  const lambda = gg > 0 ? xg / gg : 0;
  let sse = 0;
  for (const { n, x } of points) sse += (x - uslThroughput(n, lambda, sigma, kappa)) ** 2;
  return { lambda, sse };
}

/**
 * Least-squares fit with σ in [0, 1] and κ ≥ 0: a coarse grid (κ on a log scale, since
 * real values span 1e-6 to 1e-1), then a pattern search that halves its steps around the
 * best point. Plain and deterministic; a handful of points is all a bench produces.
 */
export function fitUsl(points: readonly UslPoint[]): UslFit {
  if (points.length < 2) throw new Error('a USL fit needs at least two points');
  const kappas = [0, ...Array.from({ length: 121 }, (_, i) => 10 ** (-7 + (i * 7) / 120))];
  let best = { sigma: 0, kappa: 0, ...bestLambda(points, 0, 0) };
  for (let s = 0; s <= 100; s++) {
    for (const kappa of kappas) {
      const candidate = bestLambda(points, s / 100, kappa);
      if (candidate.sse < best.sse) best = { sigma: s / 100, kappa, ...candidate };
    }
  }
  let sigmaStep = 0.01;
  let kappaStep = Math.max(best.kappa, 1e-7);
  for (let i = 0; i < 200 && (sigmaStep > 1e-7 || kappaStep > 1e-12); i++) {
    let improved = false;
    for (const [ds, dk] of [
      [sigmaStep, 0],
      [-sigmaStep, 0],
      [0, kappaStep],
      [0, -kappaStep],
    ] as const) {
      const sigma = Math.min(1, Math.max(0, best.sigma + ds));
      const kappa = Math.max(0, best.kappa + dk);
      const candidate = bestLambda(points, sigma, kappa);
      if (candidate.sse < best.sse) {
        best = { sigma, kappa, ...candidate };
        improved = true;
      }
    }
    if (!improved) {
      sigmaStep /= 2;
      kappaStep /= 2;
    }
  }
  const { lambda, sigma, kappa } = best;
  // Below one unit there is nothing to deploy: a curve that falls from the start peaks at N = 1.
  const peakN = kappa > 0 ? Math.max(1, Math.sqrt((1 - sigma) / kappa)) : Number.POSITIVE_INFINITY;
  const peakX = Number.isFinite(peakN)
    ? uslThroughput(peakN, lambda, sigma, kappa)
    : sigma > 0
      ? lambda / sigma
      : Number.POSITIVE_INFINITY;
  return { lambda, sigma, kappa, rmse: Math.sqrt(best.sse / points.length), peakN, peakX };
}
