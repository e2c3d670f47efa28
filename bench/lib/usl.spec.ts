import { fitUsl, uslThroughput } from './usl';

const curve = (ns: number[], lambda: number, sigma: number, kappa: number) =>
  ns.map((n) => ({ n, x: uslThroughput(n, lambda, sigma, kappa) }));

describe('Universal Scalability Law fit', () => {
  it('recovers the coefficients of an exact curve and its peak', () => {
    const fit = fitUsl(curve([1, 2, 4, 8, 16, 32, 64], 1000, 0.05, 0.002));
    expect(fit.lambda).toBeCloseTo(1000, 0);
    expect(fit.sigma).toBeCloseTo(0.05, 3);
    expect(fit.kappa).toBeCloseTo(0.002, 5);
    expect(fit.peakN).toBeCloseTo(Math.sqrt(0.95 / 0.002), 1);
    expect(fit.peakX).toBeCloseTo(uslThroughput(Math.sqrt(0.95 / 0.002), 1000, 0.05, 0.002), 0);
    expect(fit.rmse).toBeLessThan(1);
  });

  it('reports no peak for a curve that only flattens (pure contention)', () => {
    const fit = fitUsl(curve([1, 2, 3, 4, 6, 8], 500, 0.3, 0));
    expect(fit.sigma).toBeCloseTo(0.3, 3);
    expect(fit.kappa).toBeLessThan(1e-6);
    expect(fit.peakN).toBeGreaterThan(1000);
    expect(fit.peakX).toBeCloseTo(500 / 0.3, -1);
  });

  it('stays near the truth with 3 % noise on the measurements', () => {
    const noise = [1.02, 0.97, 1.03, 0.99, 1.01, 0.98, 1.02];
    const points = curve([1, 2, 4, 8, 16, 32, 64], 2000, 0.1, 0.001).map((p, i) => ({ n: p.n, x: p.x * noise[i]! }));
    const fit = fitUsl(points);
    expect(fit.sigma).toBeGreaterThan(0.05);
    expect(fit.sigma).toBeLessThan(0.15);
    expect(fit.kappa).toBeGreaterThan(0.0005);
    expect(fit.kappa).toBeLessThan(0.002);
  });

  it('fits linear scaling as no contention and no coherency cost', () => {
    const fit = fitUsl([1, 2, 4].map((n) => ({ n, x: 100 * n })));
    expect(fit.sigma).toBeLessThan(1e-4);
    expect(fit.kappa).toBeLessThan(1e-6);
    expect(fit.lambda).toBeCloseTo(100, 1);
  });

  it('puts the peak at one unit when adding units only loses throughput', () => {
    const fit = fitUsl([
      { n: 1, x: 6900 },
      { n: 2, x: 5600 },
      { n: 4, x: 4700 },
    ]);
    expect(fit.peakN).toBe(1);
    expect(fit.peakX).toBeCloseTo(uslThroughput(1, fit.lambda, fit.sigma, fit.kappa), 6);
  });

  it('refuses to fit a single point', () => {
    expect(() => fitUsl([{ n: 1, x: 10 }])).toThrow(/two points/);
  });
});
