import Sparse
import KKT
import QP
import Stages

/// The solver: ADMM (the OSQP algorithm: Ruiz scaling, adaptive ρ, relaxation, infeasibility
/// detection) on a `LinearSystem`, and the orchestration of the stages that run on the same scaled
/// problem — polishing (`Polisher`) and the interior-point method (`InteriorPointMethod`), both in
/// `Stages` — with the method choice (`SolverSettings.method`). See docs/ARCHITECTURE.md.
///
/// Set up once per problem (scaling, KKT assembly, one symbolic analysis, one numeric factorization),
/// then `solve()` as often as needed; between solves `warmStart`, `update(q:l:u:)` (no refactorization
/// unless a row changes between equality/inequality/free), `update(PValues:AValues:)` (numeric
/// refactorization only) and `update(settings:)` adjust the problem.
///
/// The run is deterministic: the same problem and settings give bit-identical iterates (ρ adaptation
/// is iteration-based; the time limit and cancellation only decide *when* to stop).
///
/// Not thread-safe: use one solver per thread.
public final class ADMMSolver {
    public let n: Int
    public let m: Int
    /// The problem as given (unscaled). Vector and value updates are reflected here.
    public private(set) var problem: QuadraticProgram
    public internal(set) var settings: SolverSettings
    /// Destination of the iteration log when `settings.verbose`.
    public var log: any LogSink
    /// Cancel a running `solve()` from another thread.
    public let cancellation = CancellationToken()

    /// The scaled problem (shared with the stages).
    let scaled: ScaledProblem
    var scaling: Scaling {
        get { scaled.scaling }
        set { scaled.scaling = newValue }
    }
    var Ps: CSCMatrix {
        get { scaled.P }
        set { scaled.P = newValue }
    }
    var As: CSCMatrix {
        get { scaled.A }
        set { scaled.A = newValue }
    }
    var qs: Vector { scaled.q }
    var ls: Vector { scaled.l }
    var us: Vector { scaled.u }
    /// The termination test on the scaled problem (ADMM's and the stages').
    let termination: Termination
    // ρ.
    var rho: Double
    var rhoVector: Vector
    var rhoInverse: Vector
    var rowKind: [RowKind]
    // Linear system; nil when P is not convex (then every solve returns `.nonConvex`).
    var kkt: (any LinearSystem)?
    var setupFailure: FactorizationError?
    /// The convexity check of P (`settings.checkConvexity`), kept for later value updates, and its
    /// last verdict.
    var semidefiniteness: SemidefinitenessTest?
    var convexity: SemidefinitenessVerdict?
    /// Polishing with its companion system and the active set factorized on it (`Stages`).
    let polisher: Polisher
    /// The interior-point method with its linear system (`Stages`).
    let interiorPoint: InteriorPointMethod
    /// Set when the last `solve()` accepted a polish whose factorization is still on the polisher's system.
    public internal(set) var polishFactorization: PolishFactorization?
    // Iterates (scaled) and work vectors.
    var x: Vector, z: Vector, y: Vector
    var xPrev: Vector, zPrev: Vector
    var xTilde: Vector, zTilde: Vector, nu: Vector
    var deltaX: Vector, deltaY: Vector
    var r1: Vector, r2: Vector
    var workN: Vector, workN2: Vector, workM: Vector
    /// Seconds spent in `init` (scaling, symbolic analysis, first numeric factorization).
    public internal(set) var setupTime: Double
    var rhoUpdatesSinceSetup = 0
    /// ρ updates deferred by the cost rule since setup (see `adaptRho`).
    var rhoUpdatesDeferredSinceSetup = 0
    /// Predicted costs of the linear-system work (nil without a linear system).
    var workModel: WorkModel?
    /// The running (or last) `solve()`'s work: ADMM's and polishing's, for the polishing budget.
    let work = WorkLedger()
    /// Work of the ADMM iterations since the ADMM system was last factorized, for the ρ cost rule.
    var workSinceFactorization = 0.0
    var hasStart = false
    /// The method `solve()` runs first, once chosen (see `methodChoice()`); reset when `update(settings:)`
    /// changes the method.
    var chosenMethod: MethodChoice?
    /// The running `solve()`'s deadline (`settings.timeLimit`), nil outside a solve or without a limit.
    var deadline: ContinuousClock.Instant?

    /// True when the running solve must stop: cancelled, or past its deadline. Every stage (ADMM,
    /// polishing, the interior-point method) checks it between factorizations.
    var stopRequested: Bool {
        cancellation.isCancelled || deadline.map { ContinuousClock.now >= $0 } ?? false
    }

    /// What the stages get for one call (see `StageContext`).
    var stageContext: StageContext {
        let sink = log
        return StageContext(termination: termination, shouldStop: { [unowned self] in self.stopRequested },
                            log: settings.verbose ? { sink.write($0) } : nil, work: work, workModel: workModel)
    }

    /// The residuals at the scaled point (x, z, y) (see `Termination`).
    func computeResiduals(x: UnsafeBufferPointer<Double>, z: UnsafeBufferPointer<Double>, y: UnsafeBufferPointer<Double>) -> Residuals {
        termination.residuals(x: x, z: z, y: y)
    }

    enum RowKind: Equatable { case free, inequality, equality }

    public convenience init(problem: QuadraticProgram, settings: SolverSettings = SolverSettings()) throws(SolverError) {
        try self.init(problem: problem, settings: settings, log: NullLog())
    }

    public init(problem: QuadraticProgram, settings: SolverSettings, log: any LogSink) throws(SolverError) {
        let t0 = ContinuousClock.now
        try settings.validate()
        let mode = FlushToZero.enableForCurrentThread(if: settings.flushToZero)
        defer { FlushToZero.restore(mode) }
        self.problem = problem
        self.settings = settings
        self.log = log
        n = problem.n
        m = problem.m
        var P = problem.P, A = problem.A, q = problem.q
        let scaling = settings.scalingIterations > 0
            ? Scaling.equilibrate(P: &P, q: &q, A: &A, passes: settings.scalingIterations)
            : Scaling.identity(n: n, m: m)
        scaled = ScaledProblem(P: P, A: A, q: q, scaling: scaling, objectiveConstant: problem.objectiveConstant)
        termination = Termination(problem: scaled, tolerances: settings.tolerances)
        polisher = Polisher(settings: settings.polishSettings)
        interiorPoint = InteriorPointMethod(settings: settings.interiorPointSettings)
        rho = settings.rho
        rhoVector = Vector(count: m)
        rhoInverse = Vector(count: m)
        rowKind = Array(repeating: .inequality, count: m)
        x = Vector(count: n); z = Vector(count: m); y = Vector(count: m)
        xPrev = Vector(count: n); zPrev = Vector(count: m)
        xTilde = Vector(count: n); zTilde = Vector(count: m); nu = Vector(count: m)
        deltaX = Vector(count: n); deltaY = Vector(count: m)
        r1 = Vector(count: n); r2 = Vector(count: m)
        workN = Vector(count: n); workN2 = Vector(count: n); workM = Vector(count: m)
        setupTime = 0
        scaleBounds()
        _ = classifyRows()
        fillRhoVector()
        try checkConvexity()
        do {
            kkt = try LinearSystemFactory.make(P: Ps, A: As, parameters: KKTParameters(sigma: settings.sigma, rho: rhoVector.array),
                                options: settings.kkt)
        } catch {
            switch error {
            case .inertia, .notPositiveDefinite: setupFailure = error
            default: throw .factorization(error)
            }
        }
        workModel = kkt.map { WorkModel(profile: $0.profile, n: n, m: m, P: Ps, A: As) }
        setupTime = seconds(since: t0)
        if settings.verbose { logBanner() }
    }

    /// A solver for the same problem and settings that shares this one's symbolic analysis (and
    /// profile counters) but owns its numeric factorization, iterates and work vectors: for another
    /// thread, e.g. one worker of a batched layer. No factorization is done; the copy starts from this
    /// solver's current factor and ρ, without a warm start.
    public func makeCompanion() throws(SolverError) -> ADMMSolver {
        try ADMMSolver(companionOf: self)
    }

    private init(companionOf other: ADMMSolver) throws(SolverError) {
        n = other.n; m = other.m
        problem = other.problem; settings = other.settings; log = other.log
        scaled = ScaledProblem(copying: other.scaled)
        termination = Termination(problem: scaled, tolerances: settings.tolerances)
        polisher = Polisher(settings: settings.polishSettings)
        interiorPoint = InteriorPointMethod(settings: settings.interiorPointSettings)
        rho = other.rho
        rhoVector = Vector(other.rhoVector.array); rhoInverse = Vector(other.rhoInverse.array)
        rowKind = other.rowKind
        setupFailure = other.setupFailure
        convexity = other.convexity
        if let k = other.kkt {
            do { kkt = try k.makeCompanion() } catch { throw .factorization(error) }
        }
        workModel = other.workModel
        x = Vector(count: n); z = Vector(count: m); y = Vector(count: m)
        xPrev = Vector(count: n); zPrev = Vector(count: m)
        xTilde = Vector(count: n); zTilde = Vector(count: m); nu = Vector(count: m)
        deltaX = Vector(count: n); deltaY = Vector(count: m)
        r1 = Vector(count: n); r2 = Vector(count: m)
        workN = Vector(count: n); workN2 = Vector(count: n); workM = Vector(count: m)
        setupTime = 0
    }

    /// Runs the convexity check of the scaled P (congruent to P, so the verdict is P's) when
    /// `settings.checkConvexity`; the analysis is made on first need and reused after value updates.
    func checkConvexity() throws(SolverError) {
        guard settings.checkConvexity else { convexity = nil; return }
        do {
            if semidefiniteness == nil {
                semidefiniteness = try SemidefinitenessTest(upper: Ps, relativeTolerance: settings.convexityTolerance)
            }
            convexity = try semidefiniteness?.check(values: Ps.values)
        } catch { throw .factorization(error) }
    }

    /// The factorization profile of the forward linear system (and polishing, which shares it).
    public var profile: FactorizationProfile? { kkt?.profile }

    /// Access to the KKT system for modules built on top (the backward pass reuses its analysis).
    public var linearSystem: (any LinearSystem)? { kkt }

    // MARK: Bounds (the ρ rule: RhoRule.swift)

    func scaleBounds() {
        for i in 0..<m {
            ls.buffer[i] = problem.l[i] * scaling.E[i]
            us.buffer[i] = problem.u[i] * scaling.E[i]
        }
    }

    // MARK: Warm start and updates

    /// Starts the next `solve()` from (x, y) (unscaled; either may be nil to keep the current one).
    public func warmStart(x newX: [Double]? = nil, y newY: [Double]? = nil) throws(SolverError) {
        if let newX {
            guard newX.count == n else { throw .dimensionMismatch("x has \(newX.count) entries, expected \(n)") }
            guard newX.allSatisfy(\.isFinite) else { throw .invalidData("warm-start x has a non-finite entry") }
            for j in 0..<n { x.buffer[j] = newX[j] * scaling.Dinv[j] }
            As.multiply(x.readOnly, into: z.buffer)
        }
        if let newY {
            guard newY.count == m else { throw .dimensionMismatch("y has \(newY.count) entries, expected \(m)") }
            guard newY.allSatisfy(\.isFinite) else { throw .invalidData("warm-start y has a non-finite entry") }
            for i in 0..<m { y.buffer[i] = newY[i] * scaling.Einv[i] * scaling.c }
        }
        hasStart = true
    }

    /// New q, l, u (any subset). Refactorizes only if a row changes kind (equality/inequality/free).
    public func update(q newQ: [Double]? = nil, l newL: [Double]? = nil, u newU: [Double]? = nil) throws(SolverError) {
        let mode = FlushToZero.enableForCurrentThread(if: settings.flushToZero)
        defer { FlushToZero.restore(mode) }
        var candidate = problem
        do {
            candidate = try QuadraticProgram(P: problem.P, q: newQ ?? problem.q, A: problem.A,
                                             l: newL ?? problem.l, u: newU ?? problem.u,
                                             objectiveConstant: problem.objectiveConstant)
        } catch { throw .invalidProblem(error) }
        problem = candidate
        if let newQ { for j in 0..<n { qs.buffer[j] = newQ[j] * scaling.D[j] * scaling.c } }
        if newL != nil || newU != nil {
            scaleBounds()
            if classifyRows() {
                fillRhoVector()
                try refactorForRho()
            }
        }
    }

    /// New values of P (upper triangle, on P's pattern) and/or A (on A's pattern). The scaling
    /// computed at setup is kept; the KKT matrix is refactorized numerically (no new analysis), once.
    /// With `resetRho`, ρ also returns to `settings.rho` (an adapted ρ is forgotten) in the same
    /// factorization.
    public func update(PValues: [Double]? = nil, AValues: [Double]? = nil, resetRho: Bool = false) throws(SolverError) {
        let mode = FlushToZero.enableForCurrentThread(if: settings.flushToZero)
        defer { FlushToZero.restore(mode) }
        if unchangedValueUpdate(PValues: PValues, AValues: AValues, resetRho: resetRho) { return }
        var newP = problem.P, newA = problem.A
        if let PValues {
            guard PValues.count == newP.nonzeroCount else { throw .dimensionMismatch("\(PValues.count) P values for \(newP.nonzeroCount) pattern entries") }
            newP.values = PValues
        }
        if let AValues {
            guard AValues.count == newA.nonzeroCount else { throw .dimensionMismatch("\(AValues.count) A values for \(newA.nonzeroCount) pattern entries") }
            newA.values = AValues
        }
        do {
            problem = try QuadraticProgram(P: newP, q: problem.q, A: newA, l: problem.l, u: problem.u,
                                           objectiveConstant: problem.objectiveConstant)
        } catch { throw .invalidProblem(error) }
        if PValues != nil {
            Ps.values = scaling.scaledPValues(newP)
            try checkConvexity()
        }
        if AValues != nil { As.values = scaling.scaledAValues(newA) }
        if resetRho {
            rho = settings.rho
            fillRhoVector()
        }
        guard let kkt else { return }
        workSinceFactorization = 0
        do {
            try kkt.update(PValues: PValues == nil ? nil : Ps.values, AValues: AValues == nil ? nil : As.values,
                           parameters: KKTParameters(sigma: settings.sigma, rho: rhoVector.array))
        }
        catch {
            switch error {
            case .inertia, .notPositiveDefinite: setupFailure = error
            default: throw .factorization(error)
            }
        }
        polisher.discardSystem()
        interiorPoint.discardSystem()
        polishFactorization = nil
    }

    /// An update whose values equal the current ones (a batch that broadcasts P and A, a sequence
    /// that changes only vectors) needs neither the convexity check nor a numeric factorization when
    /// the factorized ρ is also the one the update asks for: the factorization held is then one of
    /// the same matrix the full update would factorize (same values, same parameters), and the
    /// convexity verdict is unchanged; the stages' systems are discarded as the full update does.
    /// Returns whether it handled the update.
    private func unchangedValueUpdate(PValues: [Double]?, AValues: [Double]?, resetRho: Bool) -> Bool {
        guard let kkt, setupFailure == nil,
              PValues.map({ $0 == problem.P.values }) ?? true,
              AValues.map({ $0 == problem.A.values }) ?? true else { return false }
        let newRho = resetRho ? settings.rho : rho
        let saved = (rho, rhoVector.array, rhoInverse.array)
        rho = newRho
        fillRhoVector()
        guard kkt.parameters == KKTParameters(sigma: settings.sigma, rho: rhoVector.array) else {
            rho = saved.0
            rhoVector.assign(saved.1)
            rhoInverse.assign(saved.2)
            return false
        }
        workSinceFactorization = 0
        polisher.discardSystem()
        interiorPoint.discardSystem()
        polishFactorization = nil
        return true
    }

    /// Changes settings that do not require a new setup (tolerances, limits, α, ρ, polishing,
    /// verbosity, warm start, adaptive ρ). Changing σ, scaling or the KKT options throws
    /// `.settingNotUpdatable`; a new ρ refactorizes numerically.
    public func update(settings new: SolverSettings) throws(SolverError) {
        let mode = FlushToZero.enableForCurrentThread(if: settings.flushToZero)
        defer { FlushToZero.restore(mode) }
        try new.validate()
        if new.sigma != settings.sigma { throw .settingNotUpdatable("sigma") }
        if new.scalingIterations != settings.scalingIterations { throw .settingNotUpdatable("scalingIterations") }
        if new.kkt != settings.kkt { throw .settingNotUpdatable("kkt") }
        if new.checkConvexity != settings.checkConvexity { throw .settingNotUpdatable("checkConvexity") }
        if new.convexityTolerance != settings.convexityTolerance { throw .settingNotUpdatable("convexityTolerance") }
        let rhoChanged = new.rho != settings.rho
        if new.polishRegularization != settings.polishRegularization { polisher.forgetFactorization() }
        if new.method != settings.method { chosenMethod = nil }
        settings = new
        termination.tolerances = new.tolerances
        polisher.settings = new.polishSettings
        interiorPoint.settings = new.interiorPointSettings
        if rhoChanged {
            rho = new.rho
            fillRhoVector()
            try refactorForRho()
        }
    }
}
