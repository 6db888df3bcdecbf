import Sparse
import Stages

extension ADMMSolver {
    /// Primal infeasibility test on ADMM's δy (`ScaledProblem.primalInfeasibilityCertificate`, the
    /// test every method uses; δy is projected in place). Returns the unscaled normalized certificate.
    func primalInfeasibilityCertificate(epsilon: Double) -> CertificateCandidate? {
        scaled.primalInfeasibilityCertificate(deltaY: deltaY.buffer, x: x.readOnly, epsilon: epsilon, work: workN.buffer)
    }

    /// Dual infeasibility test on ADMM's δx (`ScaledProblem.dualInfeasibilityCertificate`). Returns
    /// the unscaled normalized certificate.
    func dualInfeasibilityCertificate(epsilon: Double) -> CertificateCandidate? {
        scaled.dualInfeasibilityCertificate(deltaX: deltaX.readOnly, x: x.readOnly, y: y.readOnly, epsilon: epsilon,
                                            workN: workN.buffer, workM: workM.buffer)
    }
}
