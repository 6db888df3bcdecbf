// `sparseqp grad` at the default tolerance: certified active set, the ambiguity signal and its
// exit status (issue 18).

import Foundation
import Testing

@Suite struct GradActiveSetTests {
    func gradJSON(_ arguments: [String]) throws -> (Int32, [String: Any]?, String) {
        let (status, out, err) = try run(["grad"] + arguments + ["--dx", "ones", "--json"])
        let object = try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        return (status, object, err)
    }

    @Test func defaultToleranceGradientIsCertifiedAndExact() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("rs.qps").path
        let (g, _, gerr) = try run(["generate", "random-sparse", "--size", "200", "--seed", "1", "--out", file])
        try #require(g == 0, "\(gerr)")
        let (status, object, err) = try gradJSON([file])
        #expect(status == 0, "\(err)")
        let json = try #require(object)
        let backward = try #require(json["backward"] as? [String: Any])
        #expect(backward["active_set_certified"] as? Bool == true)
        #expect(backward["ambiguous_rows"] as? Int == 0 && backward["active_set_ambiguous"] as? Bool == false)
        #expect(backward["multipliers_unique"] as? Bool == true && backward["degenerate"] as? Bool == false)
        let (tightStatus, tightObject, _) = try gradJSON([file, "--eps-abs", "1e-9", "--eps-rel", "1e-9"])
        #expect(tightStatus == 0)
        let dq = try #require(json["dq"] as? [Double]), reference = try #require(tightObject?["dq"] as? [Double])
        var num = 0.0, den = 0.0
        for k in 0..<reference.count { num += (dq[k] - reference[k]) * (dq[k] - reference[k]); den += reference[k] * reference[k] }
        #expect((num / den).squareRoot() <= 1e-7)

        // Without crossover ADMM's point at that tolerance has ambiguous rows: refused, with the count
        // and the option named. (`auto` solves this inequality-only problem by the interior-point
        // method, whose polished point has none.)
        let (refused, _, message) = try gradJSON([file, "--no-crossover", "--method", "admm"])
        #expect(refused != 0)
        #expect(message.contains("constraint rows could not be classified") && message.contains("--allow-ambiguous"), "\(message)")
        let (allowed, flagged, _) = try gradJSON([file, "--no-crossover", "--allow-ambiguous", "--method", "admm"])
        #expect(allowed == 0)
        let fb = try #require(flagged?["backward"] as? [String: Any])
        let rows = try #require(fb["ambiguous_rows"] as? Int)
        #expect(rows > 0 && fb["active_set_ambiguous"] as? Bool == true && fb["active_set_certified"] as? Bool == false)
        #expect(message.contains("\(rows) constraint rows"))
    }
}
