import Sparse
import KKT
import ADMM

/// The `.fixedPoint` rule: implicit differentiation of the ADMM map at the final iterate.
///
/// One ADMM step (scaled data, final ρ, σ, α) maps v = (x, z, y) to
///     [x̃; ν] = K_ρ⁻¹[σx − q; z − y/ρ],  x⁺ = αx̃ + (1−α)x,  z_r = z + α(ν − y)/ρ,
///     z⁺ = Π_[l,u](z_r + y/ρ),  y⁺ = y + ρ(z_r − z⁺),
/// with K_ρ = [P + σI, Aᵀ; A, −diag(1/ρ)] the forward factorization. The derivative of the fixed
/// point v = F(v; θ) solves (I − ∂_vF)·δv = ∂_θF·δθ, where ∂Π is read at the final iterate
/// (w = z + y/ρ strictly outside [l, u] → clamped, derivative 0 in w and 1 in the bound; inside or
/// on the boundary → 1 in w; equality rows always clamped). We solve it by iterating the linearized
/// map δv ← ∂_vF·δv + ∂_θF·δθ (JVP) or its transpose λ ← ∂_vFᵀλ + g (adjoint), one solve with the
/// forward factor per iteration and no factorization at all. The iteration converges at ADMM's local
/// linear rate; its last relative increment is `BackwardInfo.residual`.
///
/// What it differentiates: the fixed-point equation of the map at the returned iterate, i.e. the
/// KKT conditions of the QP linearized at the ADMM iterate (x̄, ȳ) with the active set read from the
/// projection — the exact derivative of the *approximate* solution. As the forward tolerance
/// tightens, the iterate tends to the solution and the projection identifies the active set, so
/// `.fixedPoint` tends to `.kkt` (equal for a polished, non-degenerate solution).
/// All five gradients are provided.
extension Differentiator {
    struct FixedPointData {
        var sigma: Double
        var rho: [Double]
        var alpha: Double
        var xu: [Double]
        var yu: [Double]
    }

    var fixedPointData: FixedPointData {
        let xs = (0..<n).map { state.x[$0] * state.D[$0] }
        let ys = (0..<m).map { state.y[$0] * state.E[$0] / state.c }
        return FixedPointData(sigma: state.sigma, rho: state.rho,
                              alpha: state.alpha, xu: xs, yu: ys)
    }

    func forwardSolve(_ r1: [Double], _ r2: [Double]) throws(DerivativeError) -> (x: [Double], nu: [Double]) {
        do { return try (forwardCopy ?? forwardSystem).solve(r1: r1, r2: r2) } catch { throw .factorization(error) }
    }

    func fixedPointJVP(dP: CSCMatrix?, dq: [Double]?, dA: CSCMatrix?, dl: [Double], du: [Double]) throws(DerivativeError) -> (dx: [Double], dy: [Double], info: BackwardInfo) {
        let t0 = ContinuousClock.now
        let d = fixedPointData
        let c = state.c, D = state.D, E = state.E
        // e1 = −c·D∘(δq + δP·x + δAᵀy), e2 = −E∘(δA·x), e3 = E∘δb on clamped rows (unscaled x, y of the iterate).
        var cx = dq ?? [Double](repeating: 0, count: n)
        var ex = [Double](repeating: 0, count: m)
        if let dP { let v = dP.symmetricUpperMultiply(d.xu); for j in 0..<n { cx[j] += v[j] } }
        if let dA {
            let v = dA.transposeMultiply(d.yu); for j in 0..<n { cx[j] += v[j] }
            ex = dA.multiply(d.xu)
        }
        let e1 = (0..<n).map { -c * D[$0] * cx[$0] }
        let e2 = (0..<m).map { -E[$0] * ex[$0] }
        var e3 = [Double](repeating: 0, count: m)
        for i in 0..<m where clamp[i] != 0 {
            let b = clamp[i] > 0 ? du[i] : dl[i]
            e3[i] = b.isFinite ? E[i] * b : 0
        }
        var vx = [Double](repeating: 0, count: n), vz = [Double](repeating: 0, count: m), vy = [Double](repeating: 0, count: m)
        var r1 = [Double](repeating: 0, count: n), r2 = [Double](repeating: 0, count: m)
        var iterations = 0, increment = Double.infinity
        let rho = d.rho, alpha = d.alpha
        while iterations < settings.fixedPointMaxIterations {
            iterations += 1
            for j in 0..<n { r1[j] = d.sigma * vx[j] + e1[j] }
            for i in 0..<m { r2[i] = vz[i] - vy[i] / rho[i] + e2[i] }
            let (a, b) = try forwardSolve(r1, r2)
            var change = 0.0, size = 1.0
            for j in 0..<n {
                let nx = alpha * a[j] + (1 - alpha) * vx[j]
                change = max(change, abs(nx - vx[j])); size = max(size, abs(nx))
                vx[j] = nx
            }
            for i in 0..<m {
                let zr = vz[i] + alpha * (b[i] - vy[i]) / rho[i]
                let nz = clamp[i] == 0 ? zr + vy[i] / rho[i] : e3[i]
                let ny = vy[i] + rho[i] * (zr - nz)
                change = max(change, abs(nz - vz[i]), abs(ny - vy[i])); size = max(size, abs(nz), abs(ny))
                vz[i] = nz; vy[i] = ny
            }
            increment = change / size
            if increment <= settings.fixedPointTolerance { break }
        }
        let dx = (0..<n).map { vx[$0] * D[$0] }
        let dy = (0..<m).map { vy[$0] * E[$0] / c }
        return (dx, dy, info(rule: .fixedPoint, counts: fixedPointCounts, steps: iterations, residual: increment,
                             converged: increment <= settings.fixedPointTolerance, factorizations: 0, start: t0))
    }

    func fixedPointAdjoint(dx: [Double], dy: [Double]) throws(DerivativeError) -> (gradients: Gradients, info: BackwardInfo) {
        let t0 = ContinuousClock.now
        let d = fixedPointData
        let c = state.c, D = state.D, E = state.E
        let rho = d.rho, alpha = d.alpha, sigma = d.sigma
        // Cotangent of the scaled outputs: x = D x̄, y = E ȳ / c.
        let gx = (0..<n).map { D[$0] * dx[$0] }
        let gy = (0..<m).map { E[$0] * dy[$0] / c }
        var lx = gx, lz = [Double](repeating: 0, count: m), ly = gy
        var ge1 = [Double](repeating: 0, count: n), ge2 = [Double](repeating: 0, count: m), ge3 = [Double](repeating: 0, count: m)
        var ga = [Double](repeating: 0, count: n), gb = [Double](repeating: 0, count: m)
        var ndx = [Double](repeating: 0, count: n), ndz = [Double](repeating: 0, count: m), ndy = [Double](repeating: 0, count: m)
        var iterations = 0, increment = Double.infinity
        while iterations < settings.fixedPointMaxIterations {
            iterations += 1
            // Transposed step: from the cotangent (lx, lz, ly) of (x⁺, z⁺, y⁺) to that of (x, z, y) and of e1, e2, e3.
            for i in 0..<m {
                let gzPlus = lz[i] - rho[i] * ly[i]
                let gw = clamp[i] == 0 ? gzPlus : 0
                ge3[i] = clamp[i] == 0 ? 0 : gzPlus
                let gzr = rho[i] * ly[i] + gw
                ndy[i] = ly[i] + gw / rho[i] - alpha * gzr / rho[i]
                ndz[i] = gzr
                gb[i] = alpha * gzr / rho[i]
            }
            for j in 0..<n { ga[j] = alpha * lx[j]; ndx[j] = (1 - alpha) * lx[j] }
            let (g1, g2) = try forwardSolve(ga, gb)
            for j in 0..<n { ndx[j] += sigma * g1[j]; ge1[j] = g1[j] }
            for i in 0..<m { ndz[i] += g2[i]; ndy[i] -= g2[i] / rho[i]; ge2[i] = g2[i] }
            // λ ← ∂Fᵀλ + g.
            var change = 0.0, size = 1.0
            for j in 0..<n {
                let v = ndx[j] + gx[j]
                change = max(change, abs(v - lx[j])); size = max(size, abs(v)); lx[j] = v
            }
            for i in 0..<m {
                let vz = ndz[i], vy = ndy[i] + gy[i]
                change = max(change, abs(vz - lz[i]), abs(vy - ly[i])); size = max(size, abs(vz), abs(vy))
                lz[i] = vz; ly[i] = vy
            }
            increment = change / size
            if increment <= settings.fixedPointTolerance { break }
        }
        // dL = ge1ᵀe1 + ge2ᵀe2 + ge3ᵀe3 with e1 = −c D∘(δq + δP x + δAᵀy), e2 = −E∘(δA x), e3 = E∘δb.
        let h = (0..<n).map { -c * D[$0] * ge1[$0] }
        let k = (0..<m).map { -E[$0] * ge2[$0] }
        let b = (0..<m).map { E[$0] * ge3[$0] }
        let g = gradients(h: h, k: k, xv: d.xu, yv: d.yu, boundGradient: b, sides: clamp)
        return (g, info(rule: .fixedPoint, counts: fixedPointCounts, steps: iterations, residual: increment,
                        converged: increment <= settings.fixedPointTolerance, factorizations: 0, start: t0))
    }
}
